//! The one algorithm every typed ingest follows (DESIGN.md §4, Mutations):
//! resolve customers, look up existing rows by partner key, then per record
//! `created` / `updated` (mutable records only, appending exactly the new
//! lifecycle events) / `unchanged`, or IDEMPOTENCY_CONFLICT for an immutable
//! record re-sent with other content. Runs inside the caller's transaction.

use super::identity::{self, Key};
use super::records::CustomerRef;
use super::store::{
    IngestReport, LifecycleEvent, Outcome, PartnerKeyed, append_lifecycle, chunked, load_existing,
    new_events,
};
use crate::domain::RecordKind;
use crate::error::{AppError, AppResult};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    IntoActiveModel,
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
    fn customer_id(model: &Self::Model) -> i64;
    /// The lifecycle events a row implies.
    fn events(model: &Self::Model, ctx: &Self::Context) -> Vec<LifecycleEvent>;
}

enum Pending<M> {
    Stored(M),
    New(M),
}

/// Ingests `records` (already validated) and reports per record.
pub async fn ingest<R: TypedInput, C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    records: &[R],
    ctx: &R::Context,
    now: i64,
) -> AppResult<IngestReport> {
    let refs: Vec<&CustomerRef> = records.iter().map(R::customer).collect();
    let customers = identity::resolve(db, org_id, &refs, now).await?;
    let keys: Vec<Key> = records.iter().map(R::key).collect();
    let mut state: HashMap<Key, Pending<R::Model>> =
        load_existing::<R::Entity, C>(db, org_id, &keys)
            .await?
            .into_iter()
            .map(|(k, m)| (k, Pending::Stored(m)))
            .collect();

    let mut outcomes = Vec::with_capacity(records.len());
    // Keys to insert, in input order (ids follow the batch's order).
    let mut new_keys: Vec<Key> = Vec::new();
    let mut lifecycle = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let path = format!("input[{index}]");
        let key = record.key();
        let customer = record.customer();
        let customer_id = *customers
            .get(&(customer.source.clone(), customer.external_id.clone()))
            .ok_or_else(|| anyhow::anyhow!("customer of {path} was not resolved"))?;
        let new = record.build(&path, org_id, customer_id, now, ctx)?;
        let outcome = match state.remove(&key) {
            None => {
                new_keys.push(key.clone());
                state.insert(key.clone(), Pending::New(new));
                Outcome::Created
            }
            Some(Pending::New(pending)) => {
                // The same key twice in one batch: the later copy must agree
                // (immutable) or replaces the pending insert (mutable).
                let same = R::same(&new, &pending);
                if !same && !R::MUTABLE {
                    return Err(conflict(&path, &key));
                }
                state.insert(key.clone(), Pending::New(if same { pending } else { new }));
                Outcome::Created
            }
            Some(Pending::Stored(old)) if R::same(&new, &old) => {
                state.insert(key.clone(), Pending::Stored(old));
                Outcome::Unchanged
            }
            Some(Pending::Stored(old)) => {
                if !R::MUTABLE {
                    return Err(conflict(&path, &key));
                }
                let updated = R::updatable(new, R::id(&old)).update(db).await?;
                if let Some(kind) = R::KIND {
                    let events = new_events(R::events(&updated, ctx), &R::events(&old, ctx));
                    lifecycle.push((kind, R::id(&updated), R::customer_id(&updated), events));
                }
                state.insert(key.clone(), Pending::Stored(updated));
                Outcome::Updated
            }
        };
        outcomes.push((key, outcome));
    }

    let inserts: Vec<R::Active> = new_keys
        .iter()
        .filter_map(|k| match state.get(k) {
            Some(Pending::New(m)) => Some(R::insertable(m.clone())),
            _ => None,
        })
        .collect();
    for chunk in chunked(inserts) {
        for model in R::Entity::insert_many(chunk)
            .exec_with_returning(db)
            .await?
        {
            if let Some(kind) = R::KIND {
                lifecycle.push((
                    kind,
                    R::id(&model),
                    R::customer_id(&model),
                    R::events(&model, ctx),
                ));
            }
            state.insert(model.partner_key(), Pending::Stored(model));
        }
    }
    append_lifecycle(db, org_id, lifecycle).await?;

    let mut report = IngestReport::default();
    for (key, outcome) in outcomes {
        let id = match state.get(&key) {
            Some(Pending::Stored(m)) => R::id(m),
            _ => return Err(anyhow::anyhow!("record {key:?} was not stored").into()),
        };
        report.push(&key.1, id, outcome);
    }
    Ok(report)
}

fn conflict(path: &str, key: &Key) -> AppError {
    AppError::IdempotencyConflict(format!(
        "{path}: record ({}, {}) was already received with different content; \
         it is immutable, send it under a new externalId",
        key.0, key.1
    ))
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
