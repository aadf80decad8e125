//! Webhooks as admins see them (the secret only once, at creation).

use super::enums::FrictionKind;
use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::service::webhooks::{self, DeliveryLog};
use crate::time::from_millis;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{webhook, webhook_attempt};
use sea_orm::DatabaseConnection;

/// A partner endpoint that receives friction signals.
pub struct Webhook(pub webhook::Model);

#[Object]
impl Webhook {
    /// Id.
    pub async fn id(&self) -> ID {
        global(Kind::Webhook, self.0.id)
    }
    /// Where signals are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The kinds it receives (null = every kind).
    async fn kinds(&self) -> Option<Vec<FrictionKind>> {
        webhooks::kinds(&self.0).map(|list| list.into_iter().map(Into::into).collect())
    }
    /// Who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.created_at)
    }
    /// When it was deleted (nothing is sent after).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at.map(from_millis)
    }
    /// Its latest deliveries, newest first, each with its attempts.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
    ) -> Result<Vec<WebhookDelivery>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(
            webhooks::deliveries(db, viewer, self.0.id, first.unsigned_abs().into())
                .await
                .gql()?
                .into_iter()
                .map(WebhookDelivery)
                .collect(),
        )
    }
}

/// A webhook just created: the only time its signing secret is shown.
#[derive(SimpleObject)]
pub struct CreatedWebhook {
    /// The webhook.
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `Journeygraph-Signature` (shown once).
    pub secret: String,
}

/// One signal on its way to one webhook.
pub struct WebhookDelivery(pub DeliveryLog);

#[Object]
impl WebhookDelivery {
    /// Id (for `replayWebhookDelivery`; sent as `Journeygraph-Delivery`).
    async fn id(&self) -> ID {
        global(Kind::WebhookDelivery, self.0.delivery.id)
    }
    /// The signal delivered.
    async fn signal_id(&self) -> ID {
        global(Kind::FrictionAlert, self.0.delivery.signal_id)
    }
    /// PENDING, DELIVERED or FAILED.
    async fn status(&self) -> &str {
        &self.0.delivery.status
    }
    /// Attempts made.
    async fn attempt_count(&self) -> i32 {
        self.0.delivery.attempts
    }
    /// The JSON body sent.
    async fn payload(&self) -> &str {
        &self.0.delivery.payload
    }
    /// The last HTTP status answered.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.delivery.last_status_code
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.delivery.last_error.as_deref()
    }
    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.delivery.created_at)
    }
    /// When the next attempt is due (PENDING only).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.delivery.status == webhooks::PENDING)
            .then(|| from_millis(self.0.delivery.next_attempt_at))
    }
    /// When a 2xx answer came.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivery.delivered_at.map(from_millis)
    }
    /// The delivery this one replays.
    async fn replay_of(&self) -> Option<ID> {
        self.0
            .delivery
            .replay_of
            .map(|id| global(Kind::WebhookDelivery, id))
    }
    /// Every attempt, oldest first.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.0
            .attempts
            .iter()
            .cloned()
            .map(WebhookAttempt)
            .collect()
    }
}

/// One attempt of a delivery.
pub struct WebhookAttempt(pub webhook_attempt::Model);

#[Object]
impl WebhookAttempt {
    /// 1 for the first attempt.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        from_millis(self.0.started_at)
    }
    /// How long it took.
    async fn duration_ms(&self) -> i64 {
        self.0.duration_ms
    }
    /// The HTTP status answered (null: no answer).
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    /// Why it failed (null: delivered).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}
