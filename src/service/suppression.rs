//! Erased stays erased: an erasure puts the person's partner identities
//! and emails on the organization's suppression list, as keyed hashes
//! only (`erasure_key`). Ingest screens every batch against it: a record
//! whose customer matches is refused with SUPPRESSED and its path, or,
//! when the organization chose `DROP`, left out and counted. An ADMIN can
//! lift a suppression (the person came back and agreed).

use super::audit::{self, Act, Subject};
use super::erasure_key::{self, ErasureKey};
use super::ingest::records::CustomerRef;
use super::ingest::store::{MAX_IN_LIST, chunked};
use crate::auth::Viewer;
use crate::domain::{AuditAction, SuppressedRecords};
use crate::error::{AppError, AppResult};
use crate::service::sql::one_of;
use crate::time::now_millis;
use entity::{customer, customer_identity, organization, suppression};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use std::collections::HashSet;

/// The kinds of entry.
const IDENTITY: &str = "identity";
const EMAIL: &str = "email";

/// Puts the identities and emails of customers `ids` (one person) on the
/// list, under the pseudonym `customer_ref`; returns the entries added.
pub async fn suppress<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    key: &ErasureKey,
    ids: &[i64],
    customer_ref: &str,
) -> AppResult<u64> {
    let org = viewer.org_id;
    let identities: Vec<(String, String)> = customer_identity::Entity::find()
        .select_only()
        .columns([
            customer_identity::Column::Source,
            customer_identity::Column::ExternalId,
        ])
        .filter(customer_identity::Column::OrgId.eq(org))
        .filter(customer_identity::Column::CustomerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let emails: Vec<Option<String>> = customer::Entity::find()
        .select_only()
        .column(customer::Column::EmailNormalized)
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut entries: Vec<(String, &str)> = identities
        .iter()
        .map(|(source, external_id)| (key.identity(source, external_id), IDENTITY))
        .collect();
    entries.extend(emails.iter().flatten().map(|e| (key.email(e), EMAIL)));
    let now = now_millis();
    let rows: Vec<suppression::ActiveModel> = entries
        .into_iter()
        .map(|(hash, kind)| suppression::ActiveModel {
            id: NotSet,
            org_id: Set(org),
            hash: Set(hash),
            kind: Set(kind.to_owned()),
            customer_ref: Set(customer_ref.to_owned()),
            created_by: Set(viewer.principal_name()),
            created_at: Set(now),
        })
        .collect();
    let mut added = 0;
    for chunk in chunked(rows) {
        added += suppression::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([suppression::Column::OrgId, suppression::Column::Hash])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(added)
}

/// What ingest must do with a batch.
#[derive(Debug, Default)]
pub struct Screened {
    /// The batch's records whose customer is suppressed, by index.
    pub suppressed: Vec<usize>,
    /// Whether to leave them out (`DROP`) rather than refuse the batch.
    pub drop: bool,
}

/// Screens a batch's customers against the suppression list. For an
/// organization whose list is empty this is one lookup and no hashing.
pub async fn screen<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    refs: &[&CustomerRef],
) -> AppResult<Screened> {
    let listed = Query::select()
        .expr(Expr::val(1))
        .from(suppression::Entity)
        .and_where(Expr::col(suppression::Column::OrgId).eq(org_id))
        .to_owned();
    let settings: Option<(Option<String>, String, bool)> = organization::Entity::find()
        .select_only()
        .columns([
            organization::Column::ErasureKey,
            organization::Column::SuppressedRecords,
        ])
        .expr(Expr::exists(listed))
        .filter(organization::Column::Id.eq(org_id))
        .into_tuple()
        .one(db)
        .await?;
    let Some((Some(key), mode, true)) = settings else {
        return Ok(Screened::default());
    };
    let key = erasure_key::parse(&key)?;
    let hashes: Vec<(String, Option<String>)> = refs
        .iter()
        .map(|r| {
            (
                key.identity(&r.source, &r.external_id),
                r.email
                    .as_deref()
                    .filter(|e| !e.trim().is_empty())
                    .map(|e| key.email(e)),
            )
        })
        .collect();
    let wanted: Vec<String> = hashes
        .iter()
        .flat_map(|(identity, email)| std::iter::once(identity.clone()).chain(email.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut listed: HashSet<String> = HashSet::new();
    for chunk in wanted.chunks(MAX_IN_LIST) {
        let found: Vec<String> = suppression::Entity::find()
            .select_only()
            .column(suppression::Column::Hash)
            .filter(suppression::Column::OrgId.eq(org_id))
            .filter(one_of(db.get_database_backend(), "hash", chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        listed.extend(found);
    }
    let suppressed = hashes
        .iter()
        .enumerate()
        .filter(|(_, (identity, email))| {
            listed.contains(identity) || email.as_ref().is_some_and(|e| listed.contains(e))
        })
        .map(|(i, _)| i)
        .collect();
    Ok(Screened {
        suppressed,
        drop: mode == SuppressedRecords::Drop.as_str(),
    })
}

/// What `liftSuppression` names.
pub enum Lift {
    Identity { source: String, external_id: String },
    Email(String),
}

/// `liftSuppression`: ADMIN people only. Removes the entry for an identity
/// or an email; NOT_FOUND when the list has none.
pub async fn lift<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    viewer: &Viewer,
    what: &Lift,
) -> AppResult<suppression::Model> {
    viewer.require_admin()?;
    let txn = db.begin().await?;
    let key = erasure_key::existing(&txn, viewer.org_id)
        .await?
        .ok_or(AppError::NotFound("suppression"))?;
    let hash = match what {
        Lift::Identity {
            source,
            external_id,
        } => key.identity(source, external_id),
        Lift::Email(email) => key.email(email),
    };
    let found = suppression::Entity::find()
        .filter(suppression::Column::OrgId.eq(viewer.org_id))
        .filter(suppression::Column::Hash.eq(hash))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("suppression"))?;
    suppression::Entity::delete_by_id(found.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        viewer,
        Act {
            action: AuditAction::SuppressionLifted,
            target: Some(format!("suppression:{}", found.id)),
            customer: Some(Subject::Erased(found.customer_ref.clone())),
            other_customer: None,
            detail: json!({"kind": found.kind}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// `suppressions`: ADMIN people only; newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    first: u64,
    before: Option<i64>,
) -> AppResult<Vec<suppression::Model>> {
    viewer.require_admin()?;
    let mut query =
        suppression::Entity::find().filter(suppression::Column::OrgId.eq(viewer.org_id));
    if let Some(before) = before {
        query = query.filter(suppression::Column::Id.lt(before));
    }
    Ok(query
        .order_by_desc(suppression::Column::Id)
        .limit(first)
        .all(db)
        .await?)
}
