//! `auditEvents`, `suppressions` and `organizationSettings`: ADMIN only.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::audit::{AuditEvent, OrganizationSettings, Suppression};
use crate::graphql::types::connection::parse_id;
use crate::graphql::types::enums::{AuditAction, stored};
use crate::service::{audit, organization, suppression};
use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first: every administrative act with who
    /// did it, when, and the request id (ADMIN only).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1-500.", default = 50)] first: i32,
        #[graphql(desc = "Only acts older than this one (an `AuditEvent.id`).")] before: Option<ID>,
        #[graphql(desc = "Only this kind of act.")] action: Option<AuditAction>,
    ) -> Result<Vec<AuditEvent>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let before = before
            .map(|id| parse_id("before", Kind::AuditEvent, &id))
            .transpose()
            .map_err(|e| e.extend())?;
        let rows = audit::list(
            db,
            viewer,
            u64::try_from(first).unwrap_or(0),
            before,
            action.map(Into::into),
        )
        .await
        .gql()?;
        Ok(rows.into_iter().map(AuditEvent).collect())
    }

    /// The suppression list, newest first: erased identities and emails,
    /// as keyed hashes only (ADMIN only).
    async fn suppressions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1-500.", default = 50)] first: i32,
        #[graphql(desc = "Only entries older than this one (a `Suppression.id`).")] before: Option<
            ID,
        >,
    ) -> Result<Vec<Suppression>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let before = before
            .map(|id| parse_id("before", Kind::Suppression, &id))
            .transpose()
            .map_err(|e| e.extend())?;
        let rows = suppression::list(db, viewer, u64::try_from(first).unwrap_or(0), before)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Suppression).collect())
    }

    /// The organization's settings (ADMIN only).
    async fn organization_settings(&self, ctx: &Context<'_>) -> Result<OrganizationSettings> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        settings_of(organization::settings(db, viewer).await.gql()?)
    }
}

/// The settings of an organization row.
pub fn settings_of(org: entity::organization::Model) -> Result<OrganizationSettings> {
    Ok(OrganizationSettings {
        suppressed_records: stored::<crate::domain::SuppressedRecords>(&org.suppressed_records)?
            .into(),
        currency: org.currency,
    })
}
