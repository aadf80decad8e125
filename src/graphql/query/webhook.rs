//! `webhooks`.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::graphql::types::webhook::Webhook;
use crate::service::webhooks;
use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The organization's webhooks, newest first (ADMIN only; never the secret).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<Webhook>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(webhooks::list(db, viewer)
            .await
            .gql()?
            .into_iter()
            .map(Webhook)
            .collect())
    }
}
