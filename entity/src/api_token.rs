//! A partner system's API token; only the SHA-256 of the secret is kept.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub prefix: String,
    #[sea_orm(unique)]
    pub secret_hash: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// Space-separated departments the token may write; None = all.
    pub departments: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
