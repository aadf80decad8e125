//! Ingestion of partner records: one transaction per batch, so a batch is
//! all-or-nothing; idempotent by partner key (see `typed`).

pub mod campaigns;
pub mod deals;
pub mod feedback;
pub mod identity;
pub mod onboarding;
pub mod records;
pub mod store;
pub mod tickets;
pub mod touchpoints;
pub mod typed;

use crate::error::AppResult;
use crate::time::now_millis;
use records::{
    DealRecord, DeliveryRecord, FeedbackRecord, ProgressRecord, StepDefinition, TicketRecord,
    TouchpointRecord,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
pub use store::{IngestReport, Outcome};

macro_rules! in_transaction {
    ($db:expr, |$txn:ident| $body:expr) => {{
        let $txn = $db.begin().await?;
        let result = $body;
        $txn.commit().await?;
        Ok(result)
    }};
}

/// Sales deals.
pub async fn deals(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[DealRecord],
) -> AppResult<IngestReport> {
    without_context(db, org_id, records).await
}

/// Support tickets.
pub async fn tickets(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[TicketRecord],
) -> AppResult<IngestReport> {
    without_context(db, org_id, records).await
}

/// Generic touchpoints.
pub async fn touchpoints(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[TouchpointRecord],
) -> AppResult<IngestReport> {
    without_context(db, org_id, records).await
}

/// A record type that needs nothing resolved beforehand, in one transaction.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
async fn without_context<R: typed::TypedInput<Context = ()>>(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[R],
) -> AppResult<IngestReport> {
    in_transaction!(db, |txn| typed::ingest(
        &txn,
        org_id,
        records,
        &(),
        now_millis()
    )
    .await?)
}

/// Onboarding step definitions (upsert by key).
#[tracing::instrument(skip(db, steps))]
pub async fn define_onboarding_steps(
    db: &DatabaseConnection,
    org_id: i64,
    steps: &[StepDefinition],
) -> AppResult<Vec<entity::onboarding_step::Model>> {
    in_transaction!(db, |txn| onboarding::define_steps(&txn, org_id, steps)
        .await?)
}

/// Onboarding progress.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn onboarding(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[ProgressRecord],
) -> AppResult<IngestReport> {
    in_transaction!(db, |txn| {
        let steps = onboarding::load_steps(&txn, org_id).await?;
        typed::ingest(&txn, org_id, records, &steps, now_millis()).await?
    })
}

/// Campaign deliveries (campaigns created on first sight).
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn campaign_deliveries(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[DeliveryRecord],
) -> AppResult<IngestReport> {
    in_transaction!(db, |txn| {
        let campaigns = campaigns::ensure_campaigns(&txn, org_id, records).await?;
        typed::ingest(&txn, org_id, records, &campaigns, now_millis()).await?
    })
}

/// Feedback responses.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn feedback(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[FeedbackRecord],
) -> AppResult<IngestReport> {
    in_transaction!(db, |txn| {
        let subjects = feedback::resolve_subjects(&txn, org_id, records).await?;
        typed::ingest(&txn, org_id, records, &subjects, now_millis()).await?
    })
}
