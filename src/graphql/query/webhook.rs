//! `webhooks` and `frictionAlerts`: what the real-time channels sent.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::alert::FrictionAlert;
use crate::graphql::types::connection::parse_optional_id;
use crate::graphql::types::enums::FrictionKind;
use crate::graphql::types::webhook::Webhook;
use crate::service::page::validate_first;
use crate::service::{alerts, webhooks};
use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

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

    /// Signals raised so far, newest first: what `frictionDetected` sent,
    /// for a dashboard catching up after a reconnect. Page with `before`
    /// (the last id seen).
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn friction_alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1..=100.")] first: i64,
        #[graphql(desc = "Only these kinds; all when absent.")] kinds: Option<Vec<FrictionKind>>,
        #[graphql(desc = "Only signals with a smaller id.")] before: Option<ID>,
    ) -> Result<Vec<FrictionAlert>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let first = validate_first(first).gql()?;
        let before = parse_optional_id("before", Kind::FrictionAlert, before.as_ref()).gql()?;
        let kinds: Vec<crate::domain::FrictionKind> = kinds
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(alerts::recent(db, viewer, &kinds, before, first)
            .await
            .gql()?
            .into_iter()
            .map(|s| FrictionAlert(Arc::new(s)))
            .collect())
    }
}
