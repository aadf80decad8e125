//! Identity resolution (docs/api.md): a known (source, external_id) is its
//! customer; else an existing customer with the same email (case-insensitive)
//! gets the new identity; else a customer is created. One batch resolves in a
//! fixed number of queries.

use super::records::CustomerRef;
use super::store::chunked;
use crate::db::with_custom_plan;
use crate::error::AppResult;
use crate::service::sql::one_of;
use entity::{customer, customer_identity};
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Set, Statement,
};
use std::collections::HashMap;

/// (source, external_id) of a record or an identity.
pub type Key = (String, String);

/// Resolves every reference to a customer id, creating what is missing.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    refs: &[&CustomerRef],
    now: i64,
) -> AppResult<HashMap<Key, i64>> {
    // Input order is kept throughout, so new customers get ids in the order
    // a batch names them (deterministic seeds, predictable listings).
    let mut wanted: Vec<(Key, &CustomerRef)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in refs {
        let key = (r.source.clone(), r.external_id.clone());
        if seen.insert(key.clone()) {
            wanted.push((key, r));
        }
    }
    let mut resolved = known_identities(db, org_id, wanted.iter().map(|(k, _)| k)).await?;
    let missing: Vec<&CustomerRef> = wanted
        .iter()
        .filter(|(k, _)| !resolved.contains_key(k))
        .map(|(_, r)| *r)
        .collect();
    let known: Vec<(&CustomerRef, i64)> = wanted
        .iter()
        .filter_map(|(k, r)| resolved.get(k).map(|id| (*r, *id)))
        .collect();
    refresh_attributes(db, org_id, &known).await?;
    if missing.is_empty() {
        return Ok(resolved);
    }

    lock_emails(db, org_id, &missing).await?;
    let by_email = customers_by_email(db, org_id, &missing).await?;
    let mut to_create: Vec<&CustomerRef> = Vec::new();
    let mut new_identities: Vec<(Key, Option<i64>, Option<String>)> = Vec::new();
    for r in &missing {
        let key = (r.source.clone(), r.external_id.clone());
        let email = normalized_email(r);
        match email.as_ref().and_then(|e| by_email.get(e)) {
            Some(id) => new_identities.push((key, Some(*id), None)),
            None => {
                // Two new refs with one email make one customer.
                let first_with_email = email.as_ref().is_none_or(|e| {
                    !to_create
                        .iter()
                        .any(|c| normalized_email(c).as_ref() == Some(e))
                });
                if first_with_email {
                    to_create.push(r);
                }
                new_identities.push((key, None, email));
            }
        }
    }

    let created = create_customers(db, org_id, &to_create, now).await?;
    let mut created_by_email: HashMap<String, i64> = HashMap::new();
    let mut created_by_key: HashMap<Key, i64> = HashMap::new();
    for (r, id) in to_create.iter().zip(&created) {
        if let Some(e) = normalized_email(r) {
            created_by_email.insert(e, *id);
        }
        created_by_key.insert((r.source.clone(), r.external_id.clone()), *id);
    }
    let mut identities = Vec::new();
    for (key, existing, email) in new_identities {
        let id = existing
            .or_else(|| email.and_then(|e| created_by_email.get(&e).copied()))
            .or_else(|| created_by_key.get(&key).copied());
        if let Some(id) = id {
            identities.push(customer_identity::ActiveModel {
                id: NotSet,
                org_id: Set(org_id),
                customer_id: Set(id),
                source: Set(key.0.clone()),
                external_id: Set(key.1.clone()),
                created_at: Set(now),
            });
            resolved.insert(key, id);
        }
    }
    let attempted = identities.len() as u64;
    let mut inserted = 0;
    for chunk in chunked(identities) {
        inserted += customer_identity::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    customer_identity::Column::OrgId,
                    customer_identity::Column::Source,
                    customer_identity::Column::ExternalId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    if inserted < attempted {
        // A concurrent batch linked one of these identities first; our new
        // customers would be orphans. Roll back and retry.
        return Err(anyhow::Error::new(super::store::WriteRace).into());
    }
    Ok(resolved)
}

/// On PostgreSQL, holds a lock on each new email of the batch until the
/// transaction ends, so two batches that introduce the same person at
/// once take turns: the second looks the email up after the first has
/// committed its customer (READ COMMITTED: each statement sees what was
/// committed before it), and links to it instead of creating a second one.
/// The locks are transaction-scoped advisory locks on a 64-bit hash of
/// (organization, email), taken in key order, so batches cannot deadlock
/// on them (a collision only makes two emails take turns). SQLite writers
/// are serialized already (`write_transaction` is IMMEDIATE).
async fn lock_emails<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    refs: &[&CustomerRef],
) -> AppResult<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut keys: Vec<i64> = refs
        .iter()
        .filter_map(|r| normalized_email(r))
        .map(|email| email_lock_key(org_id, &email))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    keys.sort_unstable();
    keys.dedup();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k",
        [keys.into()],
    ))
    .await?;
    Ok(())
}

/// The advisory lock key of an organization's email.
fn email_lock_key(org_id: i64, email: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("customer-email:{org_id}:{email}"));
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Applies the attributes a batch sends for known customers (last write
/// wins; absent attributes leave the stored ones alone).
async fn refresh_attributes<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    known: &[(&CustomerRef, i64)],
) -> AppResult<()> {
    let carrying: Vec<&(&CustomerRef, i64)> = known
        .iter()
        .filter(|(r, _)| {
            r.display_name.is_some()
                || r.email.is_some()
                || r.segment.is_some()
                || r.plan.is_some()
                || r.annual_value_cents.is_some()
        })
        .collect();
    if carrying.is_empty() {
        return Ok(());
    }
    let mut stored: HashMap<i64, customer::Model> = HashMap::new();
    let ids: Vec<i64> = carrying.iter().map(|(_, id)| *id).collect();
    for chunk in ids.chunks(super::store::MAX_IN_LIST) {
        let lookup = customer::Entity::find()
            .filter(customer::Column::OrgId.eq(org_id))
            .filter(one_of(db.get_database_backend(), "id", chunk.to_vec()))
            .all(db);
        for row in with_custom_plan(db, lookup).await? {
            stored.insert(row.id, row);
        }
    }
    for (r, id) in carrying {
        let Some(current) = stored.get(id) else {
            continue;
        };
        let mut next = current.clone();
        if let Some(name) = &r.display_name {
            next.display_name = name.clone();
        }
        if r.email.is_some() {
            next.email = r.email.clone();
            next.email_normalized = normalized_email(r);
        }
        if r.segment.is_some() {
            next.segment = r.segment.clone();
        }
        if r.plan.is_some() {
            next.plan = r.plan.clone();
        }
        if let Some(value) = r.annual_value_cents {
            next.annual_value_cents = value;
        }
        if next != *current {
            use sea_orm::{ActiveModelTrait, IntoActiveModel};
            let mut row = next.clone().into_active_model().reset_all();
            row.id = sea_orm::ActiveValue::Unchanged(*id);
            row.update(db).await?;
            stored.insert(*id, next);
        }
    }
    Ok(())
}

fn normalized_email(r: &CustomerRef) -> Option<String> {
    r.email
        .as_deref()
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// The identities among `keys` that exist, with their customer.
async fn known_identities<'a, C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    keys: impl Iterator<Item = &'a Key>,
) -> AppResult<HashMap<Key, i64>> {
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for (source, external_id) in keys {
        by_source.entry(source).or_default().push(external_id);
    }
    let mut found = HashMap::new();
    for (source, ids) in by_source {
        for chunk in ids.chunks(super::store::MAX_IN_LIST) {
            // Only the two columns the answer needs: a batch reads up to
            // 1,000 identities.
            let rows = customer_identity::Entity::find()
                .select_only()
                .columns([
                    customer_identity::Column::ExternalId,
                    customer_identity::Column::CustomerId,
                ])
                .filter(customer_identity::Column::OrgId.eq(org_id))
                .filter(customer_identity::Column::Source.eq(source))
                .filter(one_of(
                    db.get_database_backend(),
                    "external_id",
                    chunk.iter().map(|id| (*id).to_owned()).collect(),
                ))
                .into_tuple::<(String, i64)>()
                .all(db);
            for (external_id, customer_id) in with_custom_plan(db, rows).await? {
                found.insert((source.to_owned(), external_id), customer_id);
            }
        }
    }
    Ok(found)
}

/// Existing customers by normalized email; the oldest wins, and a merged
/// customer's email leads to its survivor.
async fn customers_by_email<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    refs: &[&CustomerRef],
) -> AppResult<HashMap<String, i64>> {
    let emails: Vec<String> = refs.iter().filter_map(|r| normalized_email(r)).collect();
    let mut found: HashMap<String, i64> = HashMap::new();
    for chunk in emails.chunks(super::store::MAX_IN_LIST) {
        let rows = customer::Entity::find()
            .filter(
                Condition::all()
                    .add(customer::Column::OrgId.eq(org_id))
                    .add(one_of(
                        db.get_database_backend(),
                        "email_normalized",
                        chunk.to_vec(),
                    )),
            )
            .all(db);
        let rows = with_custom_plan(db, rows).await?;
        for row in rows {
            if let Some(email) = row.email_normalized {
                let target = row.merged_into.unwrap_or(row.id);
                let entry = found.entry(email).or_insert(target);
                *entry = (*entry).min(target);
            }
        }
    }
    Ok(found)
}

/// Inserts customers for `refs`, returning their ids in the same order.
async fn create_customers<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    refs: &[&CustomerRef],
    now: i64,
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(refs.len());
    // RETURNING order is not guaranteed, but one multi-row INSERT assigns
    // ids in VALUES order on both backends (SQLite rowids, PostgreSQL nextval
    // per row), so the sorted keys line up with `chunk`.
    for chunk in refs.chunks(super::store::MAX_ROWS_PER_INSERT) {
        let models = chunk.iter().map(|r| customer::ActiveModel {
            id: NotSet,
            org_id: Set(org_id),
            display_name: Set(r
                .display_name
                .clone()
                .unwrap_or_else(|| format!("{}:{}", r.source, r.external_id))),
            email: Set(r.email.clone()),
            email_normalized: Set(normalized_email(r)),
            segment: Set(r.segment.clone()),
            plan: Set(r.plan.clone()),
            annual_value_cents: Set(r.annual_value_cents.unwrap_or(0)),
            created_at: Set(now),
            merged_into: Set(None),
        });
        let mut inserted: Vec<i64> = customer::Entity::insert_many(models)
            .exec_with_returning_keys(db)
            .await?;
        inserted.sort_unstable();
        ids.extend(inserted);
    }
    Ok(ids)
}
