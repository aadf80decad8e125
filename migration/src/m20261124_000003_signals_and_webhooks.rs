//! Real-time friction alerts:
//! - `friction_signal`: every signal raised, once: the unique key
//!   (org_id, kind, trigger_key) names the record that made it true, so a
//!   re-sent ticket, a second replica or a second sweep cannot raise it again;
//! - `webhook`: a partner endpoint that receives signals, with its signing secret;
//! - `webhook_delivery`: one signal to one webhook, retried until delivered
//!   or out of attempts; `webhook_attempt`: the log of every attempt.

use crate::schema_helpers::{
    create_all, drop_all, org_index, org_unique, references, tenant_table,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer, integer_null, string, string_null, text, text_null,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000003_signals_and_webhooks"
    }
}

const TABLES: &[&str] = &[
    "friction_signal",
    "webhook",
    "webhook_delivery",
    "webhook_attempt",
];

fn tables() -> Vec<TableCreateStatement> {
    let mut signal = tenant_table("friction_signal");
    signal
        .col(string("kind"))
        .col(string("trigger_key"))
        .col(big_integer("customer_id"))
        .col(string("subject"))
        .col(big_integer("since"))
        .col(big_integer("raised_at"))
        .col(string("origin"));
    let signal = references(signal, "friction_signal", "customer_id", "customer");

    let mut webhook = tenant_table("webhook");
    webhook
        .col(text("url"))
        .col(string("secret"))
        .col(string_null("kinds"))
        .col(string("created_by"))
        .col(big_integer("created_at"))
        .col(big_integer_null("disabled_at"));

    let mut delivery = tenant_table("webhook_delivery");
    delivery
        .col(big_integer("webhook_id"))
        .col(big_integer("signal_id"))
        .col(text("payload"))
        .col(string("status"))
        .col(integer("attempts"))
        .col(big_integer("next_attempt_at"))
        .col(integer_null("last_status_code"))
        .col(text_null("last_error"))
        .col(big_integer("created_at"))
        .col(big_integer_null("delivered_at"))
        .col(big_integer_null("replay_of"));
    let delivery = references(delivery, "webhook_delivery", "webhook_id", "webhook");
    let delivery = references(delivery, "webhook_delivery", "signal_id", "friction_signal");

    let mut attempt = tenant_table("webhook_attempt");
    attempt
        .col(big_integer("delivery_id"))
        .col(integer("attempt"))
        .col(big_integer("started_at"))
        .col(big_integer("duration_ms"))
        .col(integer_null("status_code"))
        .col(text_null("error"));
    let attempt = references(
        attempt,
        "webhook_attempt",
        "delivery_id",
        "webhook_delivery",
    );

    vec![signal, webhook, delivery, attempt]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        org_unique("friction_signal", "trigger", &["kind", "trigger_key"]),
        org_index("friction_signal", "raised", &["raised_at"]),
        org_index("friction_signal", "customer", &["customer_id"]),
        org_index("webhook_delivery", "webhook", &["webhook_id", "id"]),
        // The delivery worker's "what is due" scan.
        org_index("webhook_delivery", "due", &["status", "next_attempt_at"]),
        org_index("webhook_attempt", "delivery", &["delivery_id", "attempt"]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(manager, tables(), indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, TABLES).await
    }
}
