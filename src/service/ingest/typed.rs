//! The one algorithm every typed ingest follows (docs/api.md, ingesting records):
//! resolve customers, look up existing rows by partner key, then per record
//! `created` / `updated` (mutable records only, appending exactly the new
//! lifecycle events) / `unchanged`, or IDEMPOTENCY_CONFLICT for an immutable
//! record re-sent with other content. Runs inside the caller's transaction.

use super::identity::{self, Key};
use super::records::CustomerRef;
use super::store::{
    IngestReport, LifecycleEvent, MAX_ROWS_PER_INSERT, Outcome, PartnerKeyed, WriteRace,
    append_lifecycle, is_unique_violation, load_existing, new_events,
};
use crate::domain::RecordKind;
use crate::error::{AppError, AppResult};
use crate::service::records;
use crate::service::suppression;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryTrait, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// What each record type tells the shared algorithm.
pub trait TypedInput: Sync {
    type Entity: EntityTrait<Model = Self::Model, ActiveModel = Self::Active>;
    type Model: PartnerKeyed + FromQueryResult + IntoActiveModel<Self::Active> + Clone + Send + Sync;
    type Active: ActiveModelTrait<Entity = Self::Entity> + ActiveModelBehavior + Send;
    /// References resolved once per batch (steps, campaigns, subjects).
    type Context: Sync;

    /// Which typed table; None for generic touchpoints (no lifecycle events).
    const KIND: Option<RecordKind>;
    /// Whether a re-send with new fields updates (true) or conflicts (false).
    const MUTABLE: bool;

    fn key(&self) -> Key;
    fn customer(&self) -> &CustomerRef;
    /// The row this record stands for, with id 0. `path` names the record
    /// (`input[3]`) for errors.
    fn build(
        &self,
        path: &str,
        org_id: i64,
        customer_id: i64,
        now: i64,
        ctx: &Self::Context,
    ) -> AppResult<Self::Model>;
    /// Whether two rows carry the same content (ids and bookkeeping aside).
    fn same(new: &Self::Model, old: &Self::Model) -> bool;
    /// `new` as an insert (id not set).
    fn insertable(new: Self::Model) -> Self::Active;
    /// `new` as an update of the row `old_id`.
    fn updatable(new: Self::Model, old_id: i64) -> Self::Active;
    fn id(model: &Self::Model) -> i64;
    /// `model` with the id the database gave it.
    fn with_id(model: Self::Model, id: i64) -> Self::Model;
    fn customer_id(model: &Self::Model) -> i64;
    /// The lifecycle events a row implies.
    fn events(model: &Self::Model, ctx: &Self::Context) -> Vec<LifecycleEvent>;
}

/// Ingests `records` (already validated) and reports per record.
///
/// A batch means what sending its records one by one, in order, would
/// mean: the first copy of a new key is `created`, a later identical copy
/// `unchanged`, a later different copy of a mutable record `updated` (the
/// last copy is what is stored, and the timeline gets the lifecycle events
/// of every copy, as one-by-one sending would have appended them). A record
/// belongs to one customer: a copy or a re-send that names another customer
/// is IDEMPOTENCY_CONFLICT, as is different content for an immutable record.
///
/// New keys are the common case, so the batch is inserted first, skipping
/// keys that are already stored (`ON CONFLICT DO NOTHING`); only the keys the
/// insert skipped are then read back and compared, record by record in input
/// order, as docs/api.md says.
pub async fn ingest<R: TypedInput, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    org_id: i64,
    records: &[R],
    ctx: &R::Context,
    now: i64,
) -> AppResult<IngestReport> {
    let refs: Vec<&CustomerRef> = records.iter().map(R::customer).collect();
    let screened = suppression::screen(db, org_id, &refs).await?;
    if !screened.suppressed.is_empty() && !screened.drop {
        return Err(AppError::Suppressed {
            paths: screened
                .suppressed
                .iter()
                .map(|i| format!("input[{i}].customer"))
                .collect(),
        });
    }
    let kept: Vec<(usize, &R)> = records
        .iter()
        .enumerate()
        .filter(|(i, _)| screened.suppressed.binary_search(i).is_err())
        .collect();
    let mut report = ingest_kept(db, org_id, &kept, ctx, now).await?;
    report.suppressed = screened.suppressed;
    Ok(report)
}

/// `ingest` of the records not suppressed, each with its input index.
async fn ingest_kept<R: TypedInput, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    org_id: i64,
    records: &[(usize, &R)],
    ctx: &R::Context,
    now: i64,
) -> AppResult<IngestReport> {
    let refs: Vec<&CustomerRef> = records.iter().map(|(_, r)| r.customer()).collect();
    let customers = identity::resolve(db, org_id, &refs, now).await?;

    // Every record built, in input order, and the batch's version of each key.
    let mut built: Vec<(Key, R::Model)> = Vec::with_capacity(records.len());
    let mut batch_version: HashMap<Key, usize> = HashMap::with_capacity(records.len());
    // Keys in order of first sight, so new rows get ids in the batch's order.
    let mut first_seen: Vec<Key> = Vec::with_capacity(records.len());
    for (position, (index, record)) in records.iter().enumerate() {
        let path = format!("input[{index}]");
        let key = record.key();
        let customer = record.customer();
        let customer_id = *customers
            .get(&(customer.source.clone(), customer.external_id.clone()))
            .ok_or_else(|| anyhow::anyhow!("customer of {path} was not resolved"))?;
        let new = record.build(&path, org_id, customer_id, now, ctx)?;
        if let Some(earlier) = batch_version.get_mut(&key) {
            let before = &built[*earlier].1;
            let also = format!("input[{}]", records[*earlier].0);
            if R::customer_id(&new) != R::customer_id(before) {
                return Err(moved(&path, &key, Some(&also)));
            }
            let same = R::same(&new, before);
            if !same && !R::MUTABLE {
                return Err(conflict(&path, &key, Some(&also)));
            }
            if !same {
                *earlier = position;
            }
        } else {
            batch_version.insert(key.clone(), position);
            first_seen.push(key.clone());
        }
        built.push((key, new));
    }

    let versions: Vec<usize> = first_seen.iter().map(|k| batch_version[k]).collect();
    let created = insert_new::<R, C>(db, &built, &versions).await?;

    // Keys that were stored before: each record against the stored row.
    let stored_keys: Vec<Key> = first_seen
        .into_iter()
        .filter(|k| !created.contains_key(k))
        .collect();
    let mut stored = if stored_keys.is_empty() {
        HashMap::new()
    } else {
        load_existing::<R::Entity, C>(db, org_id, &stored_keys).await?
    };
    // New keys: the copy before, and the events the copies so far implied.
    let mut new_rows: HashMap<Key, (R::Model, Vec<LifecycleEvent>)> = HashMap::new();
    let mut lifecycle = Vec::new();
    let mut report = IngestReport::default();
    for ((index, _), (key, new)) in records.iter().zip(built) {
        if let Some(id) = created.get(&key) {
            let new = R::with_id(new, *id);
            let events = R::KIND.map(|_| R::events(&new, ctx)).unwrap_or_default();
            let outcome = match new_rows.get_mut(&key) {
                None => {
                    new_rows.insert(key.clone(), (new, events));
                    Outcome::Created
                }
                Some((before, implied)) => {
                    let outcome = if R::same(&new, before) {
                        Outcome::Unchanged
                    } else {
                        Outcome::Updated
                    };
                    let added = new_events(events, implied);
                    implied.extend(added);
                    *before = new;
                    outcome
                }
            };
            report.push(&key.1, *id, outcome);
            continue;
        }
        let old = stored
            .remove(&key)
            .ok_or_else(|| anyhow::Error::new(WriteRace))?;
        let path = format!("input[{index}]");
        let (row, outcome) = if R::customer_id(&new) != R::customer_id(&old) {
            return Err(moved(&path, &key, None));
        } else if R::same(&new, &old) {
            (old, Outcome::Unchanged)
        } else if !R::MUTABLE {
            return Err(conflict(&path, &key, None));
        } else {
            let updated = R::updatable(new, R::id(&old)).update(db).await?;
            if let Some(kind) = R::KIND {
                let events = new_events(R::events(&updated, ctx), &R::events(&old, ctx));
                lifecycle.push((kind, R::id(&updated), R::customer_id(&updated), events));
            }
            (updated, Outcome::Updated)
        };
        report.push(&key.1, R::id(&row), outcome);
        stored.insert(key, row);
    }
    if let Some(kind) = R::KIND {
        // The events already on the timeline of records that changed show
        // the records as they are now; the new events get that at insert.
        let changed: Vec<i64> = lifecycle.iter().map(|(_, id, _, _)| *id).collect();
        records::refresh(db, org_id, kind, &changed).await?;
        for (_, (row, events)) in new_rows {
            lifecycle.push((kind, R::id(&row), R::customer_id(&row), events));
        }
    }
    append_lifecycle(db, org_id, lifecycle).await?;
    Ok(report)
}

/// Inserts the rows `built[i]` for `indexes` whose key is not stored yet
/// and returns the ids of those it inserted, by key.
///
/// PostgreSQL: `ON CONFLICT DO NOTHING` costs a speculative insertion per
/// row, 3-8 ms of the backend's 41-55 ms for a 1,000-row INSERT
/// (benches/README, change 9). New keys are the common case, so the rows
/// first go as a plain INSERT inside a savepoint; only when a key is stored
/// already (a re-sent batch, a concurrent twin) is that rolled back and the
/// batch sent again skipping stored keys. SQLite checks the key on every
/// insert anyway and always skips in one statement.
async fn insert_new<R: TypedInput, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    built: &[(Key, R::Model)],
    indexes: &[usize],
) -> AppResult<HashMap<Key, i64>> {
    let mut ids = HashMap::with_capacity(indexes.len());
    let backend = db.get_database_backend();
    for chunk in indexes.chunks(MAX_ROWS_PER_INSERT) {
        let insert = |skip_stored: bool| {
            let rows = chunk.iter().map(|i| R::insertable(built[*i].1.clone()));
            let mut insert = R::Entity::insert_many(rows);
            if skip_stored {
                insert = insert.on_conflict(
                    OnConflict::columns(["org_id", "source", "external_id"])
                        .do_nothing()
                        .to_owned(),
                );
            }
            let mut insert = insert.into_query();
            insert.returning(Query::returning().columns(["id", "source", "external_id"]));
            backend.build(&insert)
        };
        let rows = if backend == DbBackend::Postgres {
            let savepoint = db.begin().await?;
            match savepoint.query_all_raw(insert(false)).await {
                Ok(rows) => {
                    savepoint.commit().await?;
                    rows
                }
                Err(err) if is_unique_violation(&err) => {
                    savepoint.rollback().await?;
                    db.query_all_raw(insert(true)).await?
                }
                Err(err) => return Err(err.into()),
            }
        } else {
            db.query_all_raw(insert(true)).await?
        };
        for row in rows {
            let key: Key = (row.try_get("", "source")?, row.try_get("", "external_id")?);
            ids.insert(key, row.try_get("", "id")?);
        }
    }
    Ok(ids)
}

/// `also`: the earlier copy of the key in the same batch, if that is the
/// one this record disagrees with.
fn conflict(path: &str, key: &Key, also: Option<&str>) -> AppError {
    let earlier = earlier_copy(also, "already received");
    AppError::IdempotencyConflict(format!(
        "{path}: record ({}, {}) was {earlier} with different content; \
         it is immutable, send it under a new externalId",
        key.0, key.1
    ))
}

fn moved(path: &str, key: &Key, also: Option<&str>) -> AppError {
    let earlier = earlier_copy(also, "stored");
    AppError::IdempotencyConflict(format!(
        "{path}: record ({}, {}) was {earlier} for another customer; a record \
         does not move between customers: send it under a new externalId, or \
         merge the two customers",
        key.0, key.1
    ))
}

fn earlier_copy(also: Option<&str>, otherwise: &str) -> String {
    match also {
        Some(also) => format!("also sent as {also} of this batch"),
        None => otherwise.to_owned(),
    }
}

/// The row plumbing every typed table shares (all have `id`, `customer_id`,
/// `source`, `external_id`): partner key, insert and update forms.
macro_rules! typed_row {
    ($table:ident) => {
        impl $crate::service::ingest::store::PartnerKeyed for entity::$table::Model {
            fn partner_key(&self) -> $crate::service::ingest::identity::Key {
                (self.source.clone(), self.external_id.clone())
            }
            fn row_id(&self) -> i64 {
                self.id
            }
        }

        fn insertable(new: entity::$table::Model) -> entity::$table::ActiveModel {
            use sea_orm::{ActiveModelTrait, IntoActiveModel};
            let mut row = new.into_active_model().reset_all();
            row.id = sea_orm::ActiveValue::NotSet;
            row
        }

        fn updatable(new: entity::$table::Model, old_id: i64) -> entity::$table::ActiveModel {
            use sea_orm::{ActiveModelTrait, IntoActiveModel};
            let mut row = new.into_active_model().reset_all();
            row.id = sea_orm::ActiveValue::Unchanged(old_id);
            row
        }
    };
}
pub(crate) use typed_row;

/// Forwards the plumbing functions `typed_row!` defined into the trait impl.
macro_rules! typed_plumbing {
    () => {
        fn insertable(new: Self::Model) -> Self::Active {
            insertable(new)
        }
        fn updatable(new: Self::Model, old_id: i64) -> Self::Active {
            updatable(new, old_id)
        }
        fn id(model: &Self::Model) -> i64 {
            model.id
        }
        fn with_id(mut model: Self::Model, id: i64) -> Self::Model {
            model.id = id;
            model
        }
        fn customer_id(model: &Self::Model) -> i64 {
            model.customer_id
        }
        fn key(&self) -> Key {
            (self.source.clone(), self.external_id.clone())
        }
        fn customer(&self) -> &CustomerRef {
            &self.customer
        }
    };
}
pub(crate) use typed_plumbing;
