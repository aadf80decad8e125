//! The unified, append-only timeline row of every department.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "touchpoint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    /// SALES | ONBOARDING | MARKETING | SUPPORT | SUCCESS | PRODUCT
    pub department: String,
    pub kind: String,
    pub channel: Option<String>,
    pub occurred_at: i64,
    pub source: String,
    pub external_id: String,
    /// JSON object, at most 32 KB.
    pub attributes: Option<String>,
    /// The typed table this event came from (DEAL, ONBOARDING, CAMPAIGN, TICKET, FEEDBACK, OUTREACH), if any.
    pub record_kind: Option<String>,
    pub record_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
