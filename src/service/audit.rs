//! The audit trail: every administrative act (tokens, webhooks, merges,
//! erasures, lifted suppressions, organization settings) is one row of
//! `audit_event`, written in the act's own transaction, with who did it,
//! when, the request id and what it acted on. The table is append-only in
//! the database itself. A customer is named by id while it exists and
//! always by its pseudonym (`erasure_key::customer_ref`); an erasure clears
//! the ids and the pseudonym stays.

use crate::auth::Viewer;
use crate::domain::AuditAction;
use crate::error::AppResult;
use crate::service::erasure_key;
use crate::time::now_millis;
use entity::audit_event;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// Who acts: the organization, the principal's name, the request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub org_id: i64,
    /// `user:<sub>`, `token:<id>`, or what ran it (`cli`).
    pub name: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// An actor that is not a request (the CLI, the demo), named `name`.
    pub fn named(org_id: i64, name: &str) -> Actor {
        Actor {
            org_id,
            name: name.to_owned(),
            request_id: None,
        }
    }
}

impl From<&Viewer> for Actor {
    fn from(viewer: &Viewer) -> Actor {
        Actor {
            org_id: viewer.org_id,
            name: viewer.principal_name(),
            request_id: viewer.request_id.clone(),
        }
    }
}

/// A customer an act concerns.
#[derive(Clone, Debug)]
pub enum Subject {
    /// A customer that exists: named by id and pseudonym.
    Live(i64),
    /// One erased (or being erased): named by pseudonym only.
    Erased(String),
}

/// One act to record.
pub struct Act {
    pub action: AuditAction,
    /// What it acted on, e.g. `api_token:3`.
    pub target: Option<String>,
    /// The customer it concerns (merges: the survivor).
    pub customer: Option<Subject>,
    /// A second customer (merges: the one folded in).
    pub other_customer: Option<Subject>,
    /// Particulars, never personal data.
    pub detail: serde_json::Value,
}

impl Act {
    /// An act on `target` with `detail`, concerning no customer.
    pub fn on(action: AuditAction, target: String, detail: serde_json::Value) -> Act {
        Act {
            action,
            target: Some(target),
            customer: None,
            other_customer: None,
            detail,
        }
    }
}

/// Writes `act` as done by `viewer` now. Call it inside the act's
/// transaction, so the act and its row commit together or not at all.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    act: Act,
) -> AppResult<audit_event::Model> {
    record_by(db, &Actor::from(viewer), act).await
}

/// `record` for an actor that is not a request's viewer (the CLI, the demo).
pub async fn record_by<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    act: Act,
) -> AppResult<audit_event::Model> {
    let key = if matches!(act.customer, Some(Subject::Live(_)))
        || matches!(act.other_customer, Some(Subject::Live(_)))
    {
        Some(erasure_key::ensure(db, actor.org_id).await?)
    } else {
        None
    };
    let id = |subject: &Option<Subject>| match subject {
        Some(Subject::Live(id)) => Some(*id),
        _ => None,
    };
    let pseudonym = |subject: &Option<Subject>| match subject {
        Some(Subject::Live(id)) => key.as_ref().map(|k| k.customer_ref(*id)),
        Some(Subject::Erased(pseudonym)) => Some(pseudonym.clone()),
        None => None,
    };
    let row = audit_event::ActiveModel {
        id: NotSet,
        org_id: Set(actor.org_id),
        at: Set(now_millis()),
        actor: Set(actor.name.clone()),
        request_id: Set(actor.request_id.clone()),
        action: Set(act.action.as_str().to_owned()),
        target: Set(act.target),
        customer_id: Set(id(&act.customer)),
        customer_ref: Set(pseudonym(&act.customer)),
        other_customer_id: Set(id(&act.other_customer)),
        other_customer_ref: Set(pseudonym(&act.other_customer)),
        detail: Set(act.detail.to_string()),
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// Clears the ids of erased customers from their audit rows (their
/// pseudonyms stay): the one change the append-only table allows.
pub async fn forget_customers<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    ids: &[i64],
) -> AppResult<()> {
    for column in [
        audit_event::Column::CustomerId,
        audit_event::Column::OtherCustomerId,
    ] {
        audit_event::Entity::update_many()
            .col_expr(column, Expr::value(Option::<i64>::None))
            .filter(audit_event::Column::OrgId.eq(org_id))
            .filter(column.is_in(ids.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// `auditEvents`: ADMIN people only; newest first, `first` of those older
/// than the row `before`, of one action if given.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    first: u64,
    before: Option<i64>,
    action: Option<AuditAction>,
) -> AppResult<Vec<audit_event::Model>> {
    viewer.require_admin()?;
    let mut query =
        audit_event::Entity::find().filter(audit_event::Column::OrgId.eq(viewer.org_id));
    if let Some(before) = before {
        query = query.filter(audit_event::Column::Id.lt(before));
    }
    if let Some(action) = action {
        query = query.filter(audit_event::Column::Action.eq(action.as_str()));
    }
    Ok(query
        .order_by_desc(audit_event::Column::Id)
        .limit(first)
        .all(db)
        .await?)
}
