//! One administrative act, append-only (the database refuses updates and
//! deletes, except clearing the customer ids an erasure removes).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub at: i64,
    /// The principal (`user:<sub>`, `token:<id>`).
    pub actor: String,
    /// The `x-request-id` of the request that did it (None from the CLI).
    pub request_id: Option<String>,
    /// e.g. `api_token.created`, `customer.erased`.
    pub action: String,
    /// What it acted on, e.g. `api_token:3`.
    pub target: Option<String>,
    /// The customer concerned while it exists; cleared by its erasure.
    pub customer_id: Option<i64>,
    /// The customer's pseudonym, which stays.
    pub customer_ref: Option<String>,
    pub other_customer_id: Option<i64>,
    pub other_customer_ref: Option<String>,
    /// JSON object with the act's particulars (never personal data).
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
