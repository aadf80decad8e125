//! Marketing: one delivery of a campaign to a customer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    pub campaign_id: i64,
    pub source: String,
    pub external_id: String,
    pub delivered_at: i64,
    pub opened_at: Option<i64>,
    pub clicked_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
