//! A tenant. Every other table carries its id as `org_id`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub created_at: i64,
    /// ISO 4217 code: every money figure of the organization is in it.
    pub currency: String,
    /// Random key of the organization's keyed hashes (suppression list,
    /// customer pseudonyms); made when first needed.
    pub erasure_key: Option<String>,
    /// What ingest does with a record naming an erased person: `REFUSE` or `DROP`.
    pub suppressed_records: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
