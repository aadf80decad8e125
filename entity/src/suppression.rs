//! An erased identity, kept only as a keyed hash so that a record naming
//! the same person again is refused (or dropped) instead of recreating them.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suppression")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// HMAC-SHA256, under the organization's `erasure_key`, of the identity
    /// (`identity` kind) or the normalized email (`email` kind): its first
    /// 128 bits in hex. On PostgreSQL the column compares bytewise (`C`).
    pub hash: String,
    /// `identity` or `email`.
    pub kind: String,
    /// The erased customer's pseudonym, as the audit trail names them.
    pub customer_ref: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
