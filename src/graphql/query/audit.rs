//! `auditEvents`, `suppressions` and `organizationSettings`: ADMIN only.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::audit::{AuditEvent, OrganizationSettings, Suppression};
use crate::graphql::types::connection::parse_optional_id;
use crate::graphql::types::enums::AuditAction;
use crate::service::page::validate_first;
use crate::service::{audit, organization, suppression};
use async_graphql::{Context, ID, Object, Result};
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
        #[graphql(desc = "How many, 1..=100.", default = 50)] first: i64,
        #[graphql(desc = "Only acts older than this one (an `AuditEvent.id`).")] before: Option<ID>,
        #[graphql(desc = "Only this kind of act.")] action: Option<AuditAction>,
    ) -> Result<Vec<AuditEvent>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let first = validate_first(first).gql()?;
        let before = parse_optional_id("before", Kind::AuditEvent, before.as_ref()).gql()?;
        let rows = audit::list(db, viewer, first, before, action.map(Into::into))
            .await
            .gql()?;
        Ok(rows.into_iter().map(AuditEvent).collect())
    }

    /// The suppression list, newest first: erased identities and emails,
    /// as keyed hashes only (ADMIN only).
    async fn suppressions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1..=100.", default = 50)] first: i64,
        #[graphql(desc = "Only entries older than this one (a `Suppression.id`).")] before: Option<
            ID,
        >,
    ) -> Result<Vec<Suppression>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let first = validate_first(first).gql()?;
        let before = parse_optional_id("before", Kind::Suppression, before.as_ref()).gql()?;
        let rows = suppression::list(db, viewer, first, before).await.gql()?;
        Ok(rows.into_iter().map(Suppression).collect())
    }

    /// The organization's settings (ADMIN only).
    async fn organization_settings(&self, ctx: &Context<'_>) -> Result<OrganizationSettings> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        OrganizationSettings::of(organization::settings(db, viewer).await.gql()?)
    }
}
