//! The demo data set: a deterministic, realistic organization over the 180
//! days before an anchor instant, written through the same ingest service
//! partner systems use, with planted friction the analytics must find
//! (see `catalog`).

pub mod catalog;
pub mod generator;

use crate::error::AppResult;
use crate::service::ingest;
use generator::{CustomerRecords, customer_records};
use sea_orm::DatabaseConnection;

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoPlan {
    pub customers: u32,
    pub seed: u64,
    /// Nothing happens after this instant (epoch ms).
    pub anchor: i64,
}

/// Customers generated per round of batches.
const CUSTOMERS_PER_ROUND: u32 = 250;
/// Records per ingest call: the API's batch limit.
const BATCH: usize = 1_000;

/// Totals written.
#[derive(Clone, Debug, Default)]
pub struct DemoSummary {
    pub customers: u32,
    pub records: u64,
}

/// Seeds `org_id`; `progress` is told how many customers are done.
pub async fn seed(
    db: &DatabaseConnection,
    org_id: i64,
    plan: &DemoPlan,
    progress: impl Fn(u32),
) -> AppResult<DemoSummary> {
    seed_customers(db, org_id, plan, 0..plan.customers, progress).await
}

/// Seeds the customers of `indices` only (`plan.customers` is not read): a
/// bench writes several 180-day eras, each with its own anchor and
/// customers. `progress` is told the index reached.
pub async fn seed_customers(
    db: &DatabaseConnection,
    org_id: i64,
    plan: &DemoPlan,
    indices: std::ops::Range<u32>,
    progress: impl Fn(u32),
) -> AppResult<DemoSummary> {
    ingest::define_onboarding_steps(db, org_id, &catalog::step_definitions()).await?;
    let mut summary = DemoSummary::default();
    let mut start = indices.start;
    while start < indices.end {
        let end = (start + CUSTOMERS_PER_ROUND).min(indices.end);
        let mut round = CustomerRecords::default();
        for index in start..end {
            let r = customer_records(plan.seed, index, plan.anchor);
            round.deals.extend(r.deals);
            round.progress.extend(r.progress);
            round.deliveries.extend(r.deliveries);
            round.tickets.extend(r.tickets);
            round.feedback.extend(r.feedback);
            round.touchpoints.extend(r.touchpoints);
        }
        summary.records += write_round(db, org_id, &round).await?;
        summary.customers += end - start;
        progress(end);
        start = end;
    }
    Ok(summary)
}

/// Writes one round in dependency order (feedback names tickets).
async fn write_round(db: &DatabaseConnection, org_id: i64, r: &CustomerRecords) -> AppResult<u64> {
    for batch in r.deals.chunks(BATCH) {
        ingest::deals(db, org_id, batch).await?;
    }
    for batch in r.progress.chunks(BATCH) {
        ingest::onboarding(db, org_id, batch).await?;
    }
    for batch in r.deliveries.chunks(BATCH) {
        ingest::campaign_deliveries(db, org_id, batch).await?;
    }
    for batch in r.tickets.chunks(BATCH) {
        ingest::tickets(db, org_id, batch).await?;
    }
    for batch in r.feedback.chunks(BATCH) {
        ingest::feedback(db, org_id, batch).await?;
    }
    for batch in r.touchpoints.chunks(BATCH) {
        ingest::touchpoints(db, org_id, batch).await?;
    }
    Ok((r.deals.len()
        + r.progress.len()
        + r.deliveries.len()
        + r.tickets.len()
        + r.feedback.len()
        + r.touchpoints.len()) as u64)
}
