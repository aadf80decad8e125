//! `eraseCustomer`: remove a person from the organization's data (GDPR
//! article 17, CCPA deletion). In one transaction it deletes the customer,
//! every customer merged into it (the same person under other records),
//! their identities, every typed record and touchpoint, their friction
//! signals with the webhook deliveries (and attempts) that carried them,
//! their outreach tasks and the merge audit rows that name them; insights
//! attached to them lose the link and keep their text. Their identities
//! and emails go on the suppression list (as keyed hashes), their audit
//! rows keep only their pseudonym, and the erasure is itself audited. A
//! dry run does the same and rolls it back, so it counts exactly what
//! would go.

use super::audit::{self, Act, Subject};
use super::{erasure_key, suppression};
use crate::auth::Viewer;
use crate::domain::AuditAction;
use crate::error::{AppError, AppResult};
use entity::{
    campaign_delivery, customer, customer_identity, deal, feedback, friction_signal,
    identity_merge, insight, onboarding_progress, outreach_task, ticket, touchpoint,
    webhook_attempt, webhook_delivery,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use std::collections::BTreeMap;

/// What an erasure removed (or, in a dry run, would remove), rows per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// The customer and those merged into it.
    pub customers: u64,
    /// Rows deleted per table, and `insight` rows unlinked.
    pub rows: BTreeMap<&'static str, u64>,
    /// Entries added to the suppression list (identities and emails).
    pub suppressed: u64,
    /// The pseudonym the audit trail names the person by from now on.
    pub customer_ref: String,
}

/// Deletes the rows of `$table` whose `customer_id` is one of `$ids`.
macro_rules! delete_by_customer {
    ($tx:expr, $erased:expr, $org:expr, $ids:expr, $($table:ident),+) => {
        $(
            let result = $table::Entity::delete_many()
                .filter($table::Column::OrgId.eq($org))
                .filter($table::Column::CustomerId.is_in($ids.iter().copied()))
                .exec($tx)
                .await?;
            $erased.rows.insert(stringify!($table), result.rows_affected);
        )+
    };
}

/// The customer `id` of the organization and every customer merged into it,
/// directly or through another merged one.
async fn person(tx: &DatabaseTransaction, org: i64, id: i64) -> AppResult<Vec<i64>> {
    let found = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::Id.eq(id))
        .one(tx)
        .await?
        .ok_or(AppError::NotFound("customer"))?;
    let mut ids = vec![found.id];
    let mut frontier = vec![found.id];
    while !frontier.is_empty() {
        let merged: Vec<i64> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::OrgId.eq(org))
            .filter(customer::Column::MergedInto.is_in(frontier.iter().copied()))
            .into_tuple()
            .all(tx)
            .await?;
        frontier = merged.into_iter().filter(|m| !ids.contains(m)).collect();
        ids.extend(&frontier);
    }
    Ok(ids)
}

async fn erase_in(tx: &DatabaseTransaction, viewer: &Viewer, id: i64) -> AppResult<Erased> {
    let org = viewer.org_id;
    let ids = person(tx, org, id).await?;
    let key = erasure_key::ensure(tx, org).await?;
    let customer_ref = key.customer_ref(id);
    let mut erased = Erased {
        customers: ids.len() as u64,
        suppressed: suppression::suppress(tx, viewer, &key, &ids, &customer_ref).await?,
        customer_ref,
        ..Erased::default()
    };
    audit::forget_customers(tx, org, &ids).await?;
    // The webhook deliveries of their signals, and those deliveries' attempts.
    let signals = Query::select()
        .column(friction_signal::Column::Id)
        .from(friction_signal::Entity)
        .and_where(Expr::col(friction_signal::Column::OrgId).eq(org))
        .and_where(Expr::col(friction_signal::Column::CustomerId).is_in(ids.iter().copied()))
        .to_owned();
    let deliveries = Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .and_where(Expr::col(webhook_delivery::Column::OrgId).eq(org))
        .and_where(Expr::col(webhook_delivery::Column::SignalId).in_subquery(signals.clone()))
        .to_owned();
    let attempts = webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::OrgId.eq(org))
        .filter(webhook_attempt::Column::DeliveryId.in_subquery(deliveries))
        .exec(tx)
        .await?;
    erased
        .rows
        .insert("webhook_attempt", attempts.rows_affected);
    // A replay points at the delivery it repeats: replays go first.
    let mut delivered = 0;
    for replays in [true, false] {
        let mut delete = webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::OrgId.eq(org))
            .filter(webhook_delivery::Column::SignalId.in_subquery(signals.clone()));
        if replays {
            delete = delete.filter(webhook_delivery::Column::ReplayOf.is_not_null());
        }
        delivered += delete.exec(tx).await?.rows_affected;
    }
    erased.rows.insert("webhook_delivery", delivered);
    // Another customer's survey answer about one of their tickets or deals
    // keeps its score and loses what it was about.
    for (column, of) in [
        (feedback::Column::TicketId, "ticket"),
        (feedback::Column::DealId, "deal"),
    ] {
        let theirs = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new(of))
            .and_where(Expr::col("org_id").eq(org))
            .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
            .to_owned();
        feedback::Entity::update_many()
            .col_expr(column, Expr::value(Option::<i64>::None))
            .filter(feedback::Column::OrgId.eq(org))
            .filter(feedback::Column::CustomerId.is_not_in(ids.iter().copied()))
            .filter(column.in_subquery(theirs))
            .exec(tx)
            .await?;
    }
    // Touchpoints before the typed records they point at.
    delete_by_customer!(
        tx,
        erased,
        org,
        ids,
        friction_signal,
        outreach_task,
        touchpoint,
        feedback,
        ticket,
        deal,
        onboarding_progress,
        campaign_delivery,
        customer_identity
    );
    let unlinked = insight::Entity::update_many()
        .col_expr(
            insight::Column::CustomerId,
            Expr::value(Option::<i64>::None),
        )
        .filter(insight::Column::OrgId.eq(org))
        .filter(insight::Column::CustomerId.is_in(ids.iter().copied()))
        .exec(tx)
        .await?;
    erased
        .rows
        .insert("insight (unlinked)", unlinked.rows_affected);
    let merges = identity_merge::Entity::delete_many()
        .filter(identity_merge::Column::OrgId.eq(org))
        .filter(
            identity_merge::Column::SurvivorId
                .is_in(ids.iter().copied())
                .or(identity_merge::Column::MergedId.is_in(ids.iter().copied())),
        )
        .exec(tx)
        .await?;
    erased.rows.insert("identity_merge", merges.rows_affected);
    // Merged customers point at their survivor: the merged ones go first.
    let mut removed = 0;
    for merged in [true, false] {
        let mut delete = customer::Entity::delete_many()
            .filter(customer::Column::OrgId.eq(org))
            .filter(customer::Column::Id.is_in(ids.iter().copied()));
        if merged {
            delete = delete.filter(customer::Column::MergedInto.is_not_null());
        }
        removed += delete.exec(tx).await?.rows_affected;
    }
    erased.rows.insert("customer", removed);
    audit::record(
        tx,
        viewer,
        Act {
            action: AuditAction::CustomerErased,
            target: None,
            customer: Some(Subject::Erased(erased.customer_ref.clone())),
            other_customer: None,
            detail: serde_json::json!({
                "customers": erased.customers,
                "rows": erased.rows,
                "suppressed": erased.suppressed,
            }),
        },
    )
    .await?;
    Ok(erased)
}

/// `eraseCustomer` and `customers erase`: ADMIN people (the CLI acts as
/// one) and tokens given `customers:erase`. With `dry_run` the
/// transaction is rolled back.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn erase_customer(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    dry_run: bool,
) -> AppResult<Erased> {
    viewer.require_erase()?;
    let tx = db
        .begin_with_options(crate::service::ingest::write_transaction())
        .await?;
    let erased = erase_in(&tx, viewer, id).await?;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    tracing::info!(
        customers = erased.customers,
        dry_run,
        principal = %viewer.principal_name(),
        "customer erased"
    );
    Ok(erased)
}
