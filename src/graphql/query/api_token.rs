//! `apiTokens`.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::graphql::types::api_token::ApiToken;
use crate::service::api_token;
use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct ApiTokenQuery;

#[Object]
impl ApiTokenQuery {
    /// The organization's API tokens, newest first (ADMIN only; never the secret).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(api_token::list(db, viewer)
            .await
            .gql()?
            .into_iter()
            .map(ApiToken)
            .collect())
    }
}
