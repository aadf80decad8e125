//! The generic half of every typed ingest: chunked writes that stay under
//! SQLite's bound-parameter limit, existing-record lookup by partner key, the
//! report, and appending lifecycle events to the touchpoint timeline.

use super::identity::Key;
use crate::db::with_custom_plan;
use crate::domain::{Department, RecordKind};
use crate::error::AppResult;
use crate::service::records;
use crate::service::sql::{SqlBuilder, one_of};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, SqlErr};
use std::collections::HashMap;

/// Another transaction wrote a row this one was about to create: roll
/// back and retry the batch (it will then find that row).
#[derive(Debug, thiserror::Error)]
#[error("a concurrent batch wrote the same key first")]
pub struct WriteRace;

/// Whether `err` is a unique key refusing a row (stored already, or written
/// by a concurrent transaction first).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Values per `IN (...)` list: a whole batch in one statement.
pub const MAX_IN_LIST: usize = 1_000;
/// Rows per multi-row INSERT: a whole batch in one statement (1,000 rows x
/// at most 15 columns stays under SQLite's 32,766 bound parameters).
pub const MAX_ROWS_PER_INSERT: usize = 1_000;

/// Splits rows into INSERT-sized chunks.
pub fn chunked<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut iter = rows.into_iter().peekable();
    while iter.peek().is_some() {
        chunks.push(iter.by_ref().take(MAX_ROWS_PER_INSERT).collect());
    }
    chunks
}

/// What happened to one record of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// One record's line in the report.
#[derive(Clone, Debug)]
pub struct ItemReport {
    pub external_id: String,
    pub id: i64,
    pub outcome: Outcome,
}

/// The answer of every ingest.
#[derive(Clone, Debug, Default)]
pub struct IngestReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub items: Vec<ItemReport>,
    /// Input indexes of records left out because they name an erased
    /// person (organization setting `DROP`), ascending.
    pub suppressed: Vec<usize>,
}

impl IngestReport {
    pub fn push(&mut self, external_id: &str, id: i64, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
        self.items.push(ItemReport {
            external_id: external_id.to_owned(),
            id,
            outcome,
        });
    }
}

/// A stored record a partner system keys by (source, external_id).
pub trait PartnerKeyed {
    fn partner_key(&self) -> Key;
    fn row_id(&self) -> i64;
}

/// Loads the rows of `E` among `keys`, by key.
pub async fn load_existing<E, C>(
    db: &C,
    org_id: i64,
    keys: &[Key],
) -> AppResult<HashMap<Key, E::Model>>
where
    E: EntityTrait,
    E::Model: PartnerKeyed + FromQueryResult + Sized + Send + Sync,
    C: ConnectionTrait,
{
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for (source, external_id) in keys {
        by_source.entry(source).or_default().push(external_id);
    }
    let mut found = HashMap::new();
    for (source, ids) in by_source {
        for chunk in ids.chunks(MAX_IN_LIST) {
            let lookup = E::find()
                .filter(Expr::col("org_id").eq(org_id))
                .filter(Expr::col("source").eq(source))
                .filter(one_of(
                    db.get_database_backend(),
                    "external_id",
                    chunk.iter().map(|id| (*id).to_owned()).collect(),
                ))
                .all(db);
            let rows = with_custom_plan(db, lookup).await?;
            for row in rows {
                found.insert(row.partner_key(), row);
            }
        }
    }
    Ok(found)
}

/// The ids of the rows of `E` among `keys`, by key.
pub async fn load_ids<E, C>(db: &C, org_id: i64, keys: &[Key]) -> AppResult<HashMap<Key, i64>>
where
    E: EntityTrait,
    E::Model: PartnerKeyed + FromQueryResult + Sized + Send + Sync,
    C: ConnectionTrait,
{
    Ok(load_existing::<E, C>(db, org_id, keys)
        .await?
        .into_iter()
        .map(|(key, row)| (key, row.row_id()))
        .collect())
}

/// A lifecycle event a typed record implies (a touchpoint of the journey).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecycleEvent {
    /// e.g. `ticket_resolved`; also the last part of the event's key.
    pub kind: &'static str,
    pub occurred_at: i64,
    pub department: Department,
    pub channel: Option<String>,
}

/// Source of the touchpoints journeygraph writes itself; partner input may
/// not use it, so their keys never collide with ours.
pub const LIFECYCLE_SOURCE: &str = "journeygraph";

/// Appends the events of `(record kind, record id, customer, events)` that
/// are not on the timeline yet, each with the facts of its record as it is
/// stored now (`records`). The key `<kind>:<record id>:<event>` is unique,
/// so a retry or a concurrent twin never writes an event twice.
pub async fn append_lifecycle<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    records: Vec<(RecordKind, i64, i64, Vec<LifecycleEvent>)>,
) -> AppResult<()> {
    let mut by_kind: HashMap<RecordKind, Vec<Event>> = HashMap::new();
    for (kind, record_id, customer_id, events) in records {
        let rows = by_kind.entry(kind).or_default();
        rows.extend(events.into_iter().map(|event| Event {
            record_id,
            customer_id,
            external_id: format!(
                "{}:{record_id}:{}",
                kind.as_str().to_lowercase(),
                event.kind
            ),
            event,
        }));
    }
    for (kind, rows) in by_kind {
        for chunk in rows.chunks(MAX_ROWS_PER_INSERT) {
            db.execute_raw(lifecycle_insert(
                db.get_database_backend(),
                org_id,
                kind,
                chunk,
            ))
            .await?;
        }
    }
    Ok(())
}

/// One lifecycle event of a record, as it goes on the timeline.
struct Event {
    record_id: i64,
    customer_id: i64,
    external_id: String,
    event: LifecycleEvent,
}

/// `WITH v (...) AS (VALUES ...) INSERT INTO touchpoint ... SELECT v.*,
/// <facts> FROM v`: the events and their record's facts in one statement,
/// skipping keys already present.
fn lifecycle_insert(
    backend: sea_orm::DbBackend,
    org_id: i64,
    kind: RecordKind,
    rows: &[Event],
) -> sea_orm::Statement {
    const COLUMNS: &str = "org_id, customer_id, department, kind, channel, occurred_at, source, \
                           external_id, record_kind, record_id";
    let mut sql = SqlBuilder::new(backend);
    sql.push("WITH v (").push(COLUMNS).push(") AS (VALUES ");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(").bind(org_id);
        sql.push(", ").bind(row.customer_id);
        sql.push(", ").bind(row.event.department.as_str());
        sql.push(", ").bind(row.event.kind);
        sql.push(", ").bind(row.event.channel.clone());
        sql.push(", ").bind(row.event.occurred_at);
        sql.push(", ").bind(LIFECYCLE_SOURCE);
        sql.push(", ").bind(row.external_id.clone());
        sql.push(", ").bind(kind.as_str());
        sql.push(", ").bind(row.record_id);
        sql.push(")");
    }
    sql.push(") INSERT INTO touchpoint (")
        .push(COLUMNS)
        .push(", facts) SELECT v.*, ")
        .push(&records::facts_sql(
            backend,
            kind,
            "v.record_id",
            "v.org_id",
        ))
        // SQLite needs a WHERE to tell the upsert clause from a join's ON.
        .push(" FROM v WHERE TRUE ON CONFLICT (org_id, source, external_id) DO NOTHING");
    sql.build()
}

/// Events of `new` whose kind `old` did not have yet.
pub fn new_events(new: Vec<LifecycleEvent>, old: &[LifecycleEvent]) -> Vec<LifecycleEvent> {
    new.into_iter()
        .filter(|e| !old.iter().any(|o| o.kind == e.kind))
        .collect()
}
