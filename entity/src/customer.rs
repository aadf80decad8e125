//! A customer of an organization; `merged_into` is set once an identity merge folded it into a survivor.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub display_name: String,
    pub email: Option<String>,
    /// Lower-cased email, the key of identity resolution by email.
    pub email_normalized: Option<String>,
    pub segment: Option<String>,
    pub plan: Option<String>,
    /// Annual value in minor units (cents) of the org currency.
    pub annual_value_cents: i64,
    pub created_at: i64,
    pub merged_into: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
