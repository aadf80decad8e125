//! Success: a proactive contact with a customer flagged by a friction signal.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outreach_task")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    pub friction_kind: String,
    pub subject: Option<String>,
    /// OPEN | CONTACTED | RESOLVED | DISMISSED
    pub status: String,
    pub owner: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub contacted_at: Option<i64>,
    pub closed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
