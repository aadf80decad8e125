//! `mergeCustomers`: fold one customer into another. Every record and
//! identity moves to the survivor in one transaction, the merged customer
//! points at the survivor (`merged_into`), and an `identity_merge` row keeps
//! the audit trail with how many rows moved per table.

use super::audit::{self, Act, Subject};
use crate::auth::Viewer;
use crate::domain::AuditAction;
use crate::error::{AppError, AppResult};
use crate::time::now_millis;
use entity::{
    campaign_delivery, customer, customer_identity, deal, feedback, friction_signal,
    identity_merge, insight, onboarding_progress, outreach_task, ticket, touchpoint,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use std::collections::BTreeMap;

/// Re-points `customer_id` of every row of `$table` from `$from` to `$to`.
macro_rules! repoint {
    ($db:expr, $moved:expr, $org:expr, $from:expr, $to:expr, $($table:ident),+) => {
        $(
            let result = $table::Entity::update_many()
                .col_expr($table::Column::CustomerId, Expr::value($to))
                .filter($table::Column::OrgId.eq($org))
                .filter($table::Column::CustomerId.eq($from))
                .exec($db)
                .await?;
            $moved.insert(stringify!($table), result.rows_affected);
        )+
    };
}

async fn load<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    id: i64,
    argument: &str,
) -> AppResult<customer::Model> {
    let found = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org_id))
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("customer"))?;
    if found.merged_into.is_some() {
        return Err(AppError::bad_input(
            argument,
            "this customer was already merged into another",
        ));
    }
    Ok(found)
}

/// Merges `merged_id` into `survivor_id` (both of the viewer's organization).
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn merge_customers(
    db: &DatabaseConnection,
    viewer: &Viewer,
    survivor_id: i64,
    merged_id: i64,
) -> AppResult<(customer::Model, identity_merge::Model)> {
    viewer.require_person()?;
    if survivor_id == merged_id {
        return Err(AppError::bad_input(
            "mergedId",
            "a customer cannot be merged into itself",
        ));
    }
    let org = viewer.org_id;
    let txn = db
        .begin_with_options(crate::service::ingest::write_transaction())
        .await?;
    let survivor = load(&txn, org, survivor_id, "survivorId").await?;
    let merged = load(&txn, org, merged_id, "mergedId").await?;

    let mut moved: BTreeMap<&str, u64> = BTreeMap::new();
    repoint!(
        &txn,
        moved,
        org,
        merged_id,
        survivor_id,
        customer_identity,
        deal,
        onboarding_progress,
        campaign_delivery,
        ticket,
        feedback,
        touchpoint,
        outreach_task,
        friction_signal
    );
    let insights = insight::Entity::update_many()
        .col_expr(insight::Column::CustomerId, Expr::value(survivor_id))
        .filter(insight::Column::OrgId.eq(org))
        .filter(insight::Column::CustomerId.eq(merged_id))
        .exec(&txn)
        .await?;
    moved.insert("insight", insights.rows_affected);

    // Customers merged earlier into the merged one now point at the survivor.
    customer::Entity::update_many()
        .col_expr(customer::Column::MergedInto, Expr::value(survivor_id))
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::MergedInto.eq(merged_id))
        .exec(&txn)
        .await?;
    let mut folded = merged.clone().into_active_model();
    folded.merged_into = Set(Some(survivor_id));
    folded.update(&txn).await?;

    // The survivor keeps its own fields and gains what only the merged had.
    let mut kept = survivor.clone().into_active_model();
    if survivor.email.is_none() && merged.email.is_some() {
        kept.email = Set(merged.email.clone());
        kept.email_normalized = Set(merged.email_normalized.clone());
    }
    if survivor.segment.is_none() {
        kept.segment = Set(merged.segment.clone());
    }
    if survivor.plan.is_none() {
        kept.plan = Set(merged.plan.clone());
    }
    if survivor.annual_value_cents == 0 {
        kept.annual_value_cents = Set(merged.annual_value_cents);
    }
    let survivor = kept.update(&txn).await?;

    let audit = identity_merge::ActiveModel {
        id: NotSet,
        org_id: Set(org),
        survivor_id: Set(survivor_id),
        merged_id: Set(merged_id),
        merged_by: Set(viewer.principal_name()),
        merged_at: Set(now_millis()),
        detail: Set(serde_json::to_string(&moved).map_err(anyhow::Error::from)?),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        Act {
            action: AuditAction::CustomersMerged,
            target: Some(format!("identity_merge:{}", audit.id)),
            customer: Some(Subject::Live(survivor_id)),
            other_customer: Some(Subject::Live(merged_id)),
            detail: serde_json::json!({"moved": moved}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((survivor, audit))
}
