//! Managing webhooks (ADMIN people only).

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::parse_id;
use crate::graphql::types::enums::FrictionKind;
use crate::graphql::types::webhook::{CreatedWebhook, Webhook, WebhookDelivery};
use crate::service::alerts::Alerts;
use crate::service::webhooks::{self, DeliveryLog};
use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an https endpoint that receives every friction signal of
    /// `kinds` (all when absent), signed with the secret returned this once.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to post (http or https).")] url: String,
        #[graphql(desc = "The kinds to receive; all when absent.")] kinds: Option<
            Vec<FrictionKind>,
        >,
    ) -> Result<CreatedWebhook> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let alerts = ctx.data::<Alerts>()?;
        let kinds = kinds.map(|list| list.into_iter().map(Into::into).collect());
        let created = webhooks::create(db, viewer, &url, kinds, alerts.webhook_allow_private)
            .await
            .gql()?;
        Ok(CreatedWebhook {
            webhook: Webhook(created.webhook),
            secret: created.secret,
        })
    }

    /// Deletes a webhook: nothing more is sent to it.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Webhook id.")] id: ID,
    ) -> Result<Webhook> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let id = parse_id("id", Kind::Webhook, &id).map_err(|e| e.extend())?;
        Ok(Webhook(webhooks::delete(db, viewer, id).await.gql()?))
    }

    /// Sends a delivery's payload again, as a new delivery.
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Delivery id.")] id: ID,
    ) -> Result<WebhookDelivery> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let id = parse_id("id", Kind::WebhookDelivery, &id).map_err(|e| e.extend())?;
        let delivery = webhooks::replay(db, viewer, id).await.gql()?;
        Ok(WebhookDelivery(DeliveryLog {
            delivery,
            attempts: Vec::new(),
        }))
    }
}
