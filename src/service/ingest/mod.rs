//! Ingestion of partner records. A batch is validated whole, then written in
//! one transaction (all-or-nothing), idempotently by partner key (see
//! `typed`). Two writers racing on the same new key are resolved by the
//! unique indexes: the loser's transaction fails, is rolled back and retried,
//! and then finds the winner's rows (`unchanged`).

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
pub mod validate;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::time::now_millis;
use records::{
    DealRecord, DeliveryRecord, FeedbackRecord, ProgressRecord, StepDefinition, TicketRecord,
    TouchpointRecord,
};
use sea_orm::{
    DatabaseConnection, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;
pub use store::{IngestReport, Outcome};
use validate::Validate;

/// Counts a committed batch's records by type and outcome (`/metrics`).
fn counted(kind: &'static str, report: IngestReport) -> IngestReport {
    for (outcome, n) in [
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("suppressed", report.suppressed.len() as u64),
    ] {
        if n > 0 {
            metrics::counter!("journeygraph_ingest_records_total", "type" => kind, "outcome" => outcome)
                .increment(n);
        }
    }
    report
}

/// Attempts of a batch transaction that loses write races.
const MAX_ATTEMPTS: u32 = 30;

/// Whether an error means "another writer got there first; try again".
fn is_write_race(err: &AppError) -> bool {
    match err {
        AppError::Db(db) => is_write_race_db(db),
        AppError::Internal(e) => e.is::<store::WriteRace>(),
        _ => false,
    }
}

fn is_write_race_db(err: &DbErr) -> bool {
    if store::is_unique_violation(err) {
        return true;
    }
    // PostgreSQL: a deadlock (40P01) or serialization failure (40001)
    // rolled the transaction back; running it again is what they ask.
    if let DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(db) = e.as_ref()
        && db.code().is_some_and(|c| c == "40P01" || c == "40001")
    {
        return true;
    }
    // SQLite: a deferred transaction that must upgrade to a writer while
    // another one writes fails at once with SQLITE_BUSY instead of waiting.
    let text = err.to_string();
    text.contains("database is locked")
        || text.contains("(code: 5)")
        || text.contains("(code: 517)")
}

/// Runs `$body` (which may use `?`) in a transaction bound to `$txn`,
/// retrying the whole transaction when it loses a write race.
macro_rules! in_transaction {
    ($db:expr, |$txn:ident| $body:expr) => {{
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let $txn = $db.begin_with_options(write_transaction()).await?;
            let result: AppResult<_> = async { Ok($body) }.await;
            let result = match result {
                Ok(value) => $txn.commit().await.map(|()| value).map_err(AppError::from),
                Err(err) => {
                    drop($txn);
                    Err(err)
                }
            };
            match result {
                Err(err) if attempt < MAX_ATTEMPTS && is_write_race(&err) => {
                    tracing::debug!(attempt, "write race, retrying the batch");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                other => break other,
            }
        }
    }};
}

/// A transaction that will write. On SQLite it takes the write lock at
/// BEGIN (IMMEDIATE), so concurrent writers queue on the busy timeout instead
/// of failing when a reading transaction tries to upgrade; PostgreSQL
/// ignores the mode.
pub fn write_transaction() -> TransactionOptions {
    TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    }
}

/// A few milliseconds, growing, with jitter so racing writers spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 2u64.saturating_pow(attempt.min(6));
    Duration::from_millis(base + rand::random::<u64>() % (base + 5))
}

/// Fails unless the viewer may write every record of the batch.
pub fn authorize<R: Validate>(viewer: &Viewer, records: &[R]) -> AppResult<()> {
    for (i, record) in records.iter().enumerate() {
        viewer.require_ingest(record.department(), &format!("input[{i}]"))?;
    }
    Ok(())
}

/// A record type that needs nothing resolved beforehand.
async fn without_context<R: typed::TypedInput<Context = ()> + Validate>(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[R],
) -> AppResult<IngestReport> {
    let now = now_millis();
    validate::batch(records, now)?;
    in_transaction!(db, |txn| typed::ingest(&txn, org_id, records, &(), now)
        .await?)
}

/// Sales deals.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn deals(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[DealRecord],
) -> AppResult<IngestReport> {
    without_context(db, org_id, records)
        .await
        .map(|report| counted("deal", report))
}

/// Support tickets.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn tickets(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[TicketRecord],
) -> AppResult<IngestReport> {
    without_context(db, org_id, records)
        .await
        .map(|report| counted("ticket", report))
}

/// Generic touchpoints.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn touchpoints(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[TouchpointRecord],
) -> AppResult<IngestReport> {
    without_context(db, org_id, records)
        .await
        .map(|report| counted("touchpoint", report))
}

/// Onboarding step definitions (upsert by key).
#[tracing::instrument(skip(db, steps))]
pub async fn define_onboarding_steps(
    db: &DatabaseConnection,
    org_id: i64,
    steps: &[StepDefinition],
) -> AppResult<Vec<entity::onboarding_step::Model>> {
    onboarding::validate_steps(steps)?;
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
    let now = now_millis();
    validate::batch(records, now)?;
    let report = in_transaction!(db, |txn| {
        let steps = onboarding::load_steps(&txn, org_id).await?;
        typed::ingest(&txn, org_id, records, &steps, now).await?
    })?;
    Ok(counted("onboarding_progress", report))
}

/// Campaign deliveries (campaigns created on first sight).
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn campaign_deliveries(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[DeliveryRecord],
) -> AppResult<IngestReport> {
    let now = now_millis();
    validate::batch(records, now)?;
    let report = in_transaction!(db, |txn| {
        let campaigns = campaigns::ensure_campaigns(&txn, org_id, records).await?;
        typed::ingest(&txn, org_id, records, &campaigns, now).await?
    })?;
    Ok(counted("campaign_delivery", report))
}

/// Feedback responses.
#[tracing::instrument(skip(db, records), fields(records = records.len()))]
pub async fn feedback(
    db: &DatabaseConnection,
    org_id: i64,
    records: &[FeedbackRecord],
) -> AppResult<IngestReport> {
    let now = now_millis();
    validate::batch(records, now)?;
    let report = in_transaction!(db, |txn| {
        let subjects = feedback::resolve_subjects(&txn, org_id, records).await?;
        typed::ingest(&txn, org_id, records, &subjects, now).await?
    })?;
    Ok(counted("feedback", report))
}
