//! Friction alerts in real time: a signal (see `signals`) is *raised* once,
//! when it becomes true, stored in `friction_signal` under a unique key
//! naming the record that made it true, queued for the organization's
//! webhooks in the same transaction, and then published on the `bus` to
//! every subscriber of every replica.
//!
//! Two paths raise signals:
//! - ingest: after a batch of tickets (REPEAT_CONTACT, CHANNEL_SWITCH) or
//!   feedback (LOW_SATISFACTION) commits, for the customers it touched;
//! - the `sweep`: the time-based kinds (HANDOFF_DELAY, ONBOARDING_STALL,
//!   GOING_DARK, SLOW_RESOLUTION) as time passes, and a catch-up of the
//!   ingest kinds, so a signal whose ingest-time detection was cut short
//!   (a crash between commit and detection) is still raised.
//!
//! Whatever the path, the number of replicas or re-sends, the unique key
//! (org_id, kind, trigger_key) lets each signal be raised once.

pub mod bus;
pub mod sweep;

use super::friction::Params;
use super::ingest::{IngestReport, Outcome, write_transaction};
use super::signals::{self, Scope, Signal};
use super::sql::SqlBuilder;
use crate::domain::FrictionKind;
use crate::error::AppResult;
use crate::time::now_millis;
use bus::SignalBus;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, TransactionTrait};
use serde::{Deserialize, Serialize};

/// Where a signal was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Origin {
    Ingest,
    Sweep,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Ingest => "INGEST",
            Origin::Sweep => "SWEEP",
        }
    }
}

/// A stored, raised signal: what subscribers and webhooks receive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaisedSignal {
    pub id: i64,
    pub org_id: i64,
    /// The stored kind name (`REPEAT_CONTACT`).
    pub kind: String,
    pub customer_id: i64,
    pub subject: String,
    /// When the condition became true (epoch ms).
    pub since: i64,
    pub raised_at: i64,
    /// The record that made it true (`ticket:42`).
    pub trigger: String,
    pub origin: Origin,
}

impl RaisedSignal {
    pub fn friction_kind(&self) -> Option<FrictionKind> {
        self.kind.parse().ok()
    }
}

/// Which record makes `signal` true: one key per triggering record, so the
/// same record never raises the same kind twice. GOING_DARK is a state of
/// the customer: each period of silence (its own `since`) is one signal.
pub fn trigger_key(signal: &Signal) -> String {
    let id = signal.record_id;
    match signal.kind {
        FrictionKind::RepeatContact
        | FrictionKind::ChannelSwitch
        | FrictionKind::SlowResolution => {
            format!("ticket:{id}")
        }
        FrictionKind::LowSatisfaction => format!("feedback:{id}"),
        FrictionKind::HandoffDelay => format!("deal:{id}"),
        FrictionKind::OnboardingStall => format!("progress:{id}"),
        FrictionKind::GoingDark => format!("customer:{id}:{}", signal.since),
        other => format!("{}:{id}", other.as_str().to_ascii_lowercase()),
    }
}

/// Rows per INSERT statement.
const CHUNK: usize = 200;

/// Stores the signals of `found` not raised before and queues their webhook
/// deliveries, in one transaction; returns those raised now.
pub async fn raise(
    db: &DatabaseConnection,
    org: i64,
    found: &[Signal],
    origin: Origin,
    now: i64,
) -> AppResult<Vec<RaisedSignal>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin_with_options(write_transaction()).await?;
    let mut raised = Vec::new();
    for chunk in found.chunks(CHUNK) {
        let mut sql = SqlBuilder::new(txn.get_database_backend());
        sql.push("INSERT INTO friction_signal (org_id, kind, trigger_key, customer_id, subject, since, raised_at, origin) VALUES ");
        for (i, signal) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(org)
                .push(", ")
                .bind(signal.kind.as_str())
                .push(", ")
                .bind(trigger_key(signal))
                .push(", ")
                .bind(signal.customer_id)
                .push(", ")
                .bind(signal.subject.clone())
                .push(", ")
                .bind(signal.since)
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(origin.as_str())
                .push(")");
        }
        sql.push(" ON CONFLICT (org_id, kind, trigger_key) DO NOTHING RETURNING id, org_id, kind, trigger_key, customer_id, subject, since, raised_at");
        for row in txn.query_all_raw(sql.build()).await? {
            raised.push(from_row(&row, origin)?);
        }
    }
    raised.sort_by_key(|s| s.id);
    super::webhooks::queue(&txn, org, &raised, now).await?;
    txn.commit().await?;
    if !raised.is_empty() {
        metrics::counter!("journeygraph_signals_raised_total", "origin" => origin.as_str())
            .increment(raised.len() as u64);
    }
    Ok(raised)
}

fn from_row(row: &QueryResult, origin: Origin) -> AppResult<RaisedSignal> {
    Ok(RaisedSignal {
        id: row.try_get_by("id")?,
        org_id: row.try_get_by("org_id")?,
        kind: row.try_get_by("kind")?,
        customer_id: row.try_get_by("customer_id")?,
        subject: row.try_get_by("subject")?,
        since: row.try_get_by("since")?,
        raised_at: row.try_get_by("raised_at")?,
        trigger: row.try_get_by("trigger_key")?,
        origin,
    })
}

/// The records an ingest batch can trigger signals from.
#[derive(Clone, Copy, Debug)]
pub enum Batch {
    Tickets,
    Feedback,
}

impl Batch {
    fn table(self) -> &'static str {
        match self {
            Batch::Tickets => "ticket",
            Batch::Feedback => "feedback",
        }
    }

    fn kinds(self) -> &'static [FrictionKind] {
        match self {
            Batch::Tickets => &[FrictionKind::RepeatContact, FrictionKind::ChannelSwitch],
            Batch::Feedback => &[FrictionKind::LowSatisfaction],
        }
    }
}

/// After a batch committed: raises and publishes the signals its created or
/// updated records make true (for the customers it touched; docs/analytics.md's
/// conditions with the default parameters, judged now). A failure here
/// cannot undo the committed batch: it is logged, and the sweep's catch-up
/// raises what was missed.
pub async fn after_ingest(
    db: &DatabaseConnection,
    bus: &SignalBus,
    org: i64,
    batch: Batch,
    report: &IngestReport,
) {
    let ids: Vec<i64> = report
        .items
        .iter()
        .filter(|item| item.outcome != Outcome::Unchanged)
        .map(|item| item.id)
        .collect();
    if ids.is_empty() {
        return;
    }
    match detect(db, org, batch, &ids).await {
        Ok(raised) => bus.publish(db, &raised).await,
        Err(err) => {
            tracing::warn!(error = %err, "signal detection after ingest failed; the sweep will catch up")
        }
    }
}

async fn detect(
    db: &DatabaseConnection,
    org: i64,
    batch: Batch,
    ids: &[i64],
) -> AppResult<Vec<RaisedSignal>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT DISTINCT customer_id FROM {} WHERE org_id = ",
        batch.table()
    ))
    .bind(org)
    .push(" AND id IN ")
    .bind_list(ids.iter().copied());
    let customers = db
        .query_all_raw(sql.build())
        .await?
        .iter()
        .map(|row| row.try_get_by::<i64, _>("customer_id"))
        .collect::<Result<Vec<_>, _>>()?;
    let now = now_millis();
    let found = signals::active_records(
        db,
        org,
        Scope::Customers(&customers),
        batch.kinds(),
        now,
        &Params::default(),
    )
    .await?;
    raise(db, org, &found, Origin::Ingest, now).await
}

/// What request handlers need of the alerting machinery.
#[derive(Clone)]
pub struct Alerts {
    pub bus: SignalBus,
    /// Whether webhooks may target loopback and private addresses.
    pub webhook_allow_private: bool,
}

/// The signal `id` of the viewer's organization: the newest one below `id + 1`.
pub async fn get(
    db: &DatabaseConnection,
    viewer: &crate::auth::Viewer,
    id: i64,
) -> AppResult<RaisedSignal> {
    let not_found = || crate::error::AppError::NotFound("friction alert");
    let below = id.checked_add(1).ok_or_else(not_found)?;
    recent(db, viewer, &[], Some(below), 1)
        .await?
        .pop()
        .filter(|s| s.id == id)
        .ok_or_else(not_found)
}

/// The latest raised signals of the viewer's organization, newest first
/// (a dashboard catching up after a reconnect): at most `first`, of
/// `kinds` (all when empty), with an id below `before` when given.
pub async fn recent(
    db: &DatabaseConnection,
    viewer: &crate::auth::Viewer,
    kinds: &[FrictionKind],
    before: Option<i64>,
    first: u64,
) -> AppResult<Vec<RaisedSignal>> {
    viewer.require_alerts()?;
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT id, org_id, kind, trigger_key, customer_id, subject, since, raised_at, origin FROM friction_signal WHERE org_id = ")
        .bind(viewer.org_id);
    if !kinds.is_empty() {
        sql.push(" AND kind IN ")
            .bind_list(kinds.iter().map(|k| k.as_str()));
    }
    if let Some(before) = before {
        sql.push(" AND id < ").bind(before);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(first as i64);
    db.query_all_raw(sql.build())
        .await?
        .iter()
        .map(|row| {
            let origin = match row.try_get_by::<String, _>("origin")?.as_str() {
                "SWEEP" => Origin::Sweep,
                _ => Origin::Ingest,
            };
            from_row(row, origin)
        })
        .collect()
}
