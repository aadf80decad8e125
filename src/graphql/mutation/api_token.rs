//! Managing partner API tokens (ADMIN people only).

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::api_token::{ApiToken, CreatedApiToken};
use crate::graphql::types::connection::parse_id;
use crate::graphql::types::enums::{Department, Scope};
use crate::service::api_token::{self, NewToken};
use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct ApiTokenMutation;

#[Object]
impl ApiTokenMutation {
    /// Creates a token; the secret is returned this once and stored only as a hash.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A name to recognise it by (e.g. the partner system).")] name: String,
        #[graphql(desc = "What it may do.")] scopes: Vec<Scope>,
        #[graphql(desc = "Departments it may write; all when absent.")] departments: Option<
            Vec<Department>,
        >,
        #[graphql(
            desc = "Lifetime in days, 1..=3650 (365 when absent). Every token expires.",
            default_with = "api_token::DEFAULT_EXPIRY_DAYS"
        )]
        expires_in_days: i64,
    ) -> Result<CreatedApiToken> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let new = NewToken {
            name,
            scopes: scopes.into_iter().map(Into::into).collect(),
            departments: departments.map(|d| d.into_iter().map(Into::into).collect()),
            expires_in_days,
        };
        let (row, secret) = api_token::create(db, viewer, &new).await.gql()?;
        Ok(CreatedApiToken {
            token: ApiToken(row),
            secret,
        })
    }

    /// Revokes a token; requests with it are refused from now on.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Token id.")] id: ID,
    ) -> Result<ApiToken> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let id = parse_id("id", Kind::ApiToken, &id).map_err(|e| e.extend())?;
        Ok(ApiToken(api_token::revoke(db, viewer, id).await.gql()?))
    }
}
