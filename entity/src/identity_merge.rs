//! Audit row of a `mergeCustomers`: which customer was folded into which, by whom.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_merge")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub survivor_id: i64,
    pub merged_id: i64,
    pub merged_by: String,
    pub merged_at: i64,
    /// JSON object with the number of rows re-pointed per table.
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
