//! The delivery worker. Every replica runs it; a due delivery is claimed
//! with one conditional UPDATE (attempts + 1, `next_attempt_at` pushed past
//! the attempt's lease), so exactly one replica makes each attempt. A 2xx
//! answer delivers; anything else (another status, a timeout, a refused
//! connection) is retried after `retry_base x 2^(attempt - 1)` (at most an
//! hour) until `max_attempts`, then FAILED. Redirects are not followed.

use super::{DELIVERED, FAILED, PENDING, signature};
use crate::error::AppResult;
use crate::global_id::{self, Kind};
use crate::service::alerts::bus::SignalBus;
use crate::time::now_millis;
use entity::{webhook, webhook_attempt, webhook_delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::time::Duration;

/// How deliveries are attempted.
#[derive(Clone, Debug)]
pub struct Policy {
    pub retry_base: Duration,
    pub max_attempts: u32,
    pub timeout: Duration,
}

/// Deliveries claimed per round.
const BATCH: u64 = 20;
/// How often the worker looks for due deliveries when nothing wakes it.
const POLL: Duration = Duration::from_millis(500);
/// The pause after a round failed (the database is likely unreachable).
const AFTER_ERROR: Duration = Duration::from_secs(5);
/// The longest wait between two attempts.
const MAX_DELAY_MS: i64 = 3_600_000;

/// The wait after failed attempt number `attempt` (1-based).
pub fn retry_delay(policy: &Policy, attempt: u32) -> i64 {
    let base = policy.retry_base.as_millis() as i64;
    base.saturating_mul(1_i64 << attempt.saturating_sub(1).min(20))
        .min(MAX_DELAY_MS)
}

/// Starts the worker: it wakes when a signal is published and polls otherwise.
pub fn spawn(db: DatabaseConnection, bus: SignalBus, policy: Policy) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(policy.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("journeygraph-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?;
    tokio::spawn(async move {
        let mut wake = bus.subscribe();
        loop {
            if let Err(e) = deliver_due(&db, &client, &policy).await {
                // The database is likely down: wait longer than a poll.
                tracing::warn!(error = %e, "webhook delivery round failed; retrying in 5 s");
                tokio::time::sleep(AFTER_ERROR).await;
                continue;
            }
            tokio::select! {
                _ = wake.recv() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    });
    Ok(())
}

/// Claims and attempts every due delivery; returns how many were attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    policy: &Policy,
) -> AppResult<usize> {
    let mut attempted = 0;
    loop {
        let now = now_millis();
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(BATCH)
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(attempted);
        }
        for delivery in due {
            if let Some(claimed) = claim(db, &delivery, policy).await? {
                attempt(db, client, policy, claimed).await?;
                attempted += 1;
            }
        }
    }
}

/// Takes `delivery` for one attempt, or None when another replica did.
async fn claim(
    db: &DatabaseConnection,
    delivery: &webhook_delivery::Model,
    policy: &Policy,
) -> AppResult<Option<webhook_delivery::Model>> {
    let lease = policy.timeout.as_millis() as i64 + 30_000;
    let now = now_millis();
    let taken = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Attempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(webhook_delivery::Column::Attempts), 1),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(now + lease),
        )
        .filter(webhook_delivery::Column::OrgId.eq(delivery.org_id))
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .filter(webhook_delivery::Column::Attempts.eq(delivery.attempts))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Some(webhook_delivery::Model {
        attempts: delivery.attempts + 1,
        next_attempt_at: now + lease,
        ..delivery.clone()
    }))
}

/// One attempt of a claimed delivery, logged, and the delivery's new state.
async fn attempt(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    policy: &Policy,
    delivery: webhook_delivery::Model,
) -> AppResult<()> {
    let hook = webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(delivery.org_id))
        .filter(webhook::Column::Id.eq(delivery.webhook_id))
        .one(db)
        .await?;
    let started = now_millis();
    let (status_code, error) = match &hook {
        Some(hook) if hook.disabled_at.is_none() => post(client, hook, &delivery).await,
        _ => (None, Some("the webhook was deleted".to_owned())),
    };
    let finished = now_millis();
    webhook_attempt::ActiveModel {
        id: NotSet,
        org_id: Set(delivery.org_id),
        delivery_id: Set(delivery.id),
        attempt: Set(delivery.attempts),
        started_at: Set(started),
        duration_ms: Set(finished - started),
        status_code: Set(status_code),
        error: Set(error.clone()),
    }
    .insert(db)
    .await?;
    let delivered = error.is_none();
    let deleted = hook.is_none_or(|h| h.disabled_at.is_some());
    let mut next: webhook_delivery::ActiveModel = delivery.clone().into();
    next.last_status_code = Set(status_code);
    next.last_error = Set(error);
    if delivered {
        next.status = Set(DELIVERED.to_owned());
        next.delivered_at = Set(Some(finished));
    } else if deleted || delivery.attempts as u32 >= policy.max_attempts {
        next.status = Set(FAILED.to_owned());
    } else {
        next.next_attempt_at = Set(finished + retry_delay(policy, delivery.attempts as u32));
    }
    next.update(db).await?;
    metrics::counter!(
        "journeygraph_webhook_attempts_total",
        "outcome" => if delivered { "delivered" } else { "failed" }
    )
    .increment(1);
    Ok(())
}

/// POSTs the payload, signed now; (status, error) where error is None on 2xx.
async fn post(
    client: &reqwest::Client,
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
) -> (Option<i32>, Option<String>) {
    let timestamp = now_millis() / 1000;
    let body = delivery.payload.clone().into_bytes();
    let signed = signature::sign(&hook.secret, timestamp, &body);
    let sent = client
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(signature::HEADER, signed)
        .header(
            "journeygraph-delivery",
            global_id::encode(Kind::WebhookDelivery, delivery.id),
        )
        .header("journeygraph-attempt", delivery.attempts.to_string())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let code = Some(i32::from(status.as_u16()));
            if status.is_success() {
                (code, None)
            } else {
                (code, Some(format!("the receiver answered {status}")))
            }
        }
        Err(e) => (None, Some(describe(&e))),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer within the timeout".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        format!("request failed: {e}")
    }
}
