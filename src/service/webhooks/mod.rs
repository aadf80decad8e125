//! Outbound webhooks for partner systems that cannot hold a socket: an
//! ADMIN registers a URL (and the friction kinds it wants); every signal
//! raised for the organization is queued for each matching webhook in the
//! transaction that raises it (`queue`), and the `deliver` worker posts it,
//! signed (`signature`), retrying with backoff; every attempt is logged.

pub mod deliver;
pub mod signature;
mod url_check;

use super::alerts::RaisedSignal;
use super::audit::{self, Act};
use crate::auth::Viewer;
use crate::domain::{AuditAction, FrictionKind};
use crate::error::{AppError, AppResult};
use crate::global_id::{self, Kind};
use crate::time::{from_millis, now_millis};
use entity::{webhook, webhook_attempt, webhook_delivery};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::json;
use std::collections::HashMap;
pub use url_check::check_url;

/// Delivery states.
pub const PENDING: &str = "PENDING";
pub const DELIVERED: &str = "DELIVERED";
pub const FAILED: &str = "FAILED";

/// Webhooks per organization.
pub const MAX_WEBHOOKS: u64 = 20;

/// A new webhook and its signing secret (shown once).
pub struct Created {
    pub webhook: webhook::Model,
    pub secret: String,
}

/// The kinds a webhook receives (None: all).
pub fn kinds(model: &webhook::Model) -> Option<Vec<FrictionKind>> {
    model
        .kinds
        .as_deref()
        .map(|list| list.split(',').filter_map(|k| k.parse().ok()).collect())
}

/// Registers a webhook (ADMIN only). `allow_private` admits loopback and
/// private addresses (tests, on-premises receivers).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    url: &str,
    kinds: Option<Vec<FrictionKind>>,
    allow_private: bool,
) -> AppResult<Created> {
    viewer.require_admin()?;
    let url = check_url(url, allow_private)?;
    if matches!(&kinds, Some(list) if list.is_empty()) {
        return Err(AppError::bad_input(
            "kinds",
            "name at least one kind, or omit it for every kind",
        ));
    }
    let existing = webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(viewer.org_id))
        .filter(webhook::Column::DisabledAt.is_null())
        .count(db)
        .await?;
    if existing >= MAX_WEBHOOKS {
        return Err(AppError::bad_input(
            "url",
            format!("an organization has at most {MAX_WEBHOOKS} webhooks; delete one first"),
        ));
    }
    let random: [u8; 32] = rand::random();
    let secret = format!("whsec_{}", hex::encode(random));
    let txn = db.begin().await?;
    let webhook = webhook::ActiveModel {
        id: NotSet,
        org_id: Set(viewer.org_id),
        url: Set(url.to_string()),
        secret: Set(secret.clone()),
        kinds: Set(kinds.map(|list| {
            list.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })),
        created_by: Set(viewer.principal_name()),
        created_at: Set(now_millis()),
        disabled_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        Act::on(
            AuditAction::WebhookCreated,
            format!("webhook:{}", webhook.id),
            json!({"origin": origin(&webhook.url), "kinds": webhook.kinds}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Created { webhook, secret })
}

/// The organization's webhooks, newest first (ADMIN only).
pub async fn list(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Vec<webhook::Model>> {
    viewer.require_admin()?;
    Ok(webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(viewer.org_id))
        .order_by_desc(webhook::Column::Id)
        .all(db)
        .await?)
}

/// The webhook `id` of the viewer's organization (ADMIN only).
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> AppResult<webhook::Model> {
    viewer.require_admin()?;
    find(db, viewer.org_id, id).await
}

async fn find(db: &impl ConnectionTrait, org: i64, id: i64) -> AppResult<webhook::Model> {
    webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(org))
        .filter(webhook::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("webhook"))
}

/// A webhook URL as the audit trail names it: scheme, host and port only
/// (a path or query may carry the receiver's own credentials).
fn origin(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| String::new(), |u| u.origin().ascii_serialization())
}

/// Stops a webhook: nothing new is queued for it; pending deliveries fail.
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> AppResult<webhook::Model> {
    viewer.require_admin()?;
    let found = find(db, viewer.org_id, id).await?;
    if found.disabled_at.is_some() {
        return Ok(found);
    }
    let txn = db.begin().await?;
    let mut active: webhook::ActiveModel = found.into();
    active.disabled_at = Set(Some(now_millis()));
    let webhook = active.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        Act::on(
            AuditAction::WebhookDeleted,
            format!("webhook:{}", webhook.id),
            json!({"origin": origin(&webhook.url)}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(webhook)
}

/// A delivery with its attempts, oldest attempt first.
pub struct DeliveryLog {
    pub delivery: webhook_delivery::Model,
    pub attempts: Vec<webhook_attempt::Model>,
}

/// The latest `first` deliveries of a webhook (ADMIN only).
pub async fn deliveries(
    db: &DatabaseConnection,
    viewer: &Viewer,
    webhook_id: i64,
    first: u64,
) -> AppResult<Vec<DeliveryLog>> {
    viewer.require_admin()?;
    find(db, viewer.org_id, webhook_id).await?;
    let list = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::OrgId.eq(viewer.org_id))
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(first)
        .all(db)
        .await?;
    let ids: Vec<i64> = list.iter().map(|d| d.id).collect();
    let mut attempts: HashMap<i64, Vec<webhook_attempt::Model>> = HashMap::new();
    for attempt in webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::OrgId.eq(viewer.org_id))
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
        .order_by_asc(webhook_attempt::Column::Attempt)
        .all(db)
        .await?
    {
        attempts
            .entry(attempt.delivery_id)
            .or_default()
            .push(attempt);
    }
    Ok(list
        .into_iter()
        .map(|delivery| DeliveryLog {
            attempts: attempts.remove(&delivery.id).unwrap_or_default(),
            delivery,
        })
        .collect())
}

/// Sends a delivery's payload again, as a new delivery (ADMIN only).
pub async fn replay(
    db: &DatabaseConnection,
    viewer: &Viewer,
    delivery_id: i64,
) -> AppResult<webhook_delivery::Model> {
    viewer.require_admin()?;
    let original = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::OrgId.eq(viewer.org_id))
        .filter(webhook_delivery::Column::Id.eq(delivery_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("webhook delivery"))?;
    let hook = find(db, viewer.org_id, original.webhook_id).await?;
    if hook.disabled_at.is_some() {
        return Err(AppError::bad_input("id", "the webhook was deleted"));
    }
    let now = now_millis();
    Ok(pending(
        viewer.org_id,
        original.webhook_id,
        original.signal_id,
        original.payload,
        now,
        Some(original.id),
    )
    .insert(db)
    .await?)
}

fn pending(
    org: i64,
    webhook_id: i64,
    signal_id: i64,
    payload: String,
    now: i64,
    replay_of: Option<i64>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: NotSet,
        org_id: Set(org),
        webhook_id: Set(webhook_id),
        signal_id: Set(signal_id),
        payload: Set(payload),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status_code: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        replay_of: Set(replay_of),
    }
}

/// The JSON body a webhook receives for `signal`.
pub fn payload(signal: &RaisedSignal) -> String {
    json!({
        "event": "friction.detected",
        "signal": {
            "id": global_id::encode(Kind::FrictionAlert, signal.id),
            "kind": signal.kind,
            "customerId": global_id::encode(Kind::Customer, signal.customer_id),
            "subject": signal.subject,
            "since": from_millis(signal.since).to_rfc3339(),
            "raisedAt": from_millis(signal.raised_at).to_rfc3339(),
            "trigger": signal.trigger,
            "origin": signal.origin,
        }
    })
    .to_string()
}

/// Queues `raised` for every live webhook of `org` that wants its kind
/// (inside the transaction that raised them).
pub async fn queue(
    db: &impl ConnectionTrait,
    org: i64,
    raised: &[RaisedSignal],
    now: i64,
) -> AppResult<()> {
    if raised.is_empty() {
        return Ok(());
    }
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(org))
        .filter(webhook::Column::DisabledAt.is_null())
        .all(db)
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for signal in raised {
        let kind = signal.friction_kind();
        for hook in &hooks {
            let wanted = match kinds(hook) {
                None => true,
                Some(list) => kind.is_some_and(|k| list.contains(&k)),
            };
            if wanted {
                rows.push(pending(org, hook.id, signal.id, payload(signal), now, None));
            }
        }
    }
    for chunk in rows.chunks(100) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
