//! `viewer`: who is asking.

use super::enums::{Department, Role, Scope};
use crate::auth::{self, Principal};
use crate::error::IntoGraphql;
use crate::service::organization;
use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

/// The caller of this request.
pub struct Viewer(pub auth::Viewer);

#[Object]
impl Viewer {
    /// Slug of the caller's organization (from the credential, never an argument).
    async fn organization(&self) -> &str {
        &self.0.org_slug
    }

    /// ISO 4217 code of the organization's currency (`USD`, `EUR`): every
    /// money figure of the API (annual values, deal amounts, revenue at
    /// risk, impact scores) is in it.
    async fn currency(&self, ctx: &Context<'_>) -> Result<String> {
        let db = ctx.data::<DatabaseConnection>()?;
        organization::currency(db, self.0.org_id).await.gql()
    }

    /// The principal: `user:<sub>` for a person, `token:<id>` for an API token.
    async fn principal(&self) -> String {
        self.0.principal_name()
    }

    /// The person's role (null for API tokens).
    async fn role(&self) -> Option<Role> {
        self.0.role().map(Into::into)
    }

    /// The API token's scopes (empty for people, whose role decides).
    async fn scopes(&self) -> Vec<Scope> {
        match &self.0.principal {
            Principal::Person { .. } => Vec::new(),
            Principal::Partner { scopes, .. } => scopes.iter().map(|s| (*s).into()).collect(),
        }
    }

    /// Departments an API token may write (null = all, or a person).
    async fn departments(&self) -> Option<Vec<Department>> {
        match &self.0.principal {
            Principal::Person { .. } => None,
            Principal::Partner { departments, .. } => departments
                .as_ref()
                .map(|d| d.iter().map(|d| (*d).into()).collect()),
        }
    }
}
