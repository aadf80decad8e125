//! Sales: a deal of a customer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    pub source: String,
    pub external_id: String,
    pub owner: String,
    pub stage: String,
    pub amount_cents: i64,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// OPEN | WON | LOST
    pub outcome: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
