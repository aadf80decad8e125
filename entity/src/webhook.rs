//! A partner endpoint that receives friction signals, signed with its secret.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub url: String,
    /// The HMAC-SHA256 key (it must be readable to sign; shown once at creation).
    pub secret: String,
    /// Comma-separated friction kinds; None = every kind.
    pub kinds: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
