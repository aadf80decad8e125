//! The audit trail, the suppression list and the organization's settings,
//! as ADMINs read them.

use super::enums::{AuditAction, SuppressedRecords, stored};
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::time::from_millis;
use async_graphql::{ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{audit_event, suppression};

/// One administrative act.
pub struct AuditEvent(pub audit_event::Model);

#[Object]
impl AuditEvent {
    /// Id (for `before`, to page back).
    async fn id(&self) -> ID {
        global(Kind::AuditEvent, self.0.id)
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        from_millis(self.0.at)
    }
    /// Who: `user:<subject>` (a person), `token:<id>` (a partner token),
    /// `cli` or `serve --demo`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The `x-request-id` of the request that did it (null from the CLI).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// What was done.
    async fn action(&self) -> Result<AuditAction> {
        Ok(stored::<crate::domain::AuditAction>(&self.0.action)?.into())
    }
    /// What it was done to, as `table:row` (`api_token:3`, `webhook:2`).
    async fn target(&self) -> Option<&str> {
        self.0.target.as_deref()
    }
    /// The customer it concerns, while the customer exists (merges: the survivor).
    async fn customer_id(&self) -> Option<ID> {
        self.0.customer_id.map(|id| global(Kind::Customer, id))
    }
    /// The customer's pseudonym: the same for every act about them, and
    /// all that names them after an erasure.
    async fn customer_ref(&self) -> Option<&str> {
        self.0.customer_ref.as_deref()
    }
    /// A second customer (merges: the one folded in), while it exists.
    async fn other_customer_id(&self) -> Option<ID> {
        self.0
            .other_customer_id
            .map(|id| global(Kind::Customer, id))
    }
    /// The second customer's pseudonym.
    async fn other_customer_ref(&self) -> Option<&str> {
        self.0.other_customer_ref.as_deref()
    }
    /// The act's particulars, a JSON object (never personal data).
    async fn detail(&self) -> &str {
        &self.0.detail
    }
}

/// One entry of the suppression list: an erased identity or email, kept
/// only as a keyed hash.
pub struct Suppression(pub suppression::Model);

#[Object]
impl Suppression {
    /// Id (for `before`, to page back).
    async fn id(&self) -> ID {
        global(Kind::Suppression, self.0.id)
    }
    /// `identity` (a source and external id) or `email`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The erased person's pseudonym, as the audit trail names them.
    async fn customer_ref(&self) -> &str {
        &self.0.customer_ref
    }
    /// Who erased them.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.created_at)
    }
}

/// An organization's settings.
#[derive(SimpleObject)]
pub struct OrganizationSettings {
    /// ISO 4217 code every money figure is in (set when the organization is created).
    pub currency: String,
    /// What ingest does with records naming an erased person.
    pub suppressed_records: SuppressedRecords,
}

impl OrganizationSettings {
    /// The settings of an organization row.
    pub fn of(org: entity::organization::Model) -> Result<OrganizationSettings> {
        Ok(OrganizationSettings {
            suppressed_records: stored::<crate::domain::SuppressedRecords>(
                &org.suppressed_records,
            )?
            .into(),
            currency: org.currency,
        })
    }
}
