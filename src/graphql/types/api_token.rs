//! API tokens as admins see them: never the secret, never its hash.

use super::enums::{Department, Scope};
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::service::api_token::{departments_of, scopes_of};
use crate::time::from_millis;
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::api_token;

/// A partner system's API token.
pub struct ApiToken(pub api_token::Model);

#[Object]
impl ApiToken {
    /// Id (for `revokeApiToken`).
    pub async fn id(&self) -> ID {
        global(Kind::ApiToken, self.0.id)
    }
    /// Name given at creation.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first characters of the token, to recognise it (`jg_1a2b3c4d`).
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// What it may do.
    async fn scopes(&self) -> Vec<Scope> {
        scopes_of(&self.0).into_iter().map(Into::into).collect()
    }
    /// Departments it may write (null = all).
    async fn departments(&self) -> Option<Vec<Department>> {
        departments_of(&self.0).map(|d| d.into_iter().map(Into::into).collect())
    }
    /// Who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.created_at)
    }
    /// When it stops working.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at.map(from_millis)
    }
    /// When it was revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at.map(from_millis)
    }
    /// Last request made with it (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at.map(from_millis)
    }
}

/// A token just created: the only time its secret is shown.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// The token.
    pub token: ApiToken,
    /// The secret to configure in the partner system. It cannot be shown again.
    pub secret: String,
}
