//! A survey response (CSAT 1-5, NPS 0-10, CES 1-7) and what it is about.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    pub source: String,
    pub external_id: String,
    /// CSAT | NPS | CES
    pub metric: String,
    pub score: i32,
    pub comment: Option<String>,
    pub occurred_at: i64,
    /// TICKET | ONBOARDING_STEP | CAMPAIGN | DEAL | NONE
    pub subject_kind: String,
    pub ticket_id: Option<i64>,
    pub step_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub deal_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
