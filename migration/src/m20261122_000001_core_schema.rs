//! The whole domain model.

use crate::schema_helpers::{
    create_all, drop_all, org_index, org_unique, references, tenant_table, with_partner_key,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string, string_null, string_uniq, text,
    text_null,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_core_schema"
    }
}

/// Tables in creation order (a table only references tables before it).
const TABLES: &[&str] = &[
    "organization",
    "customer",
    "customer_identity",
    "identity_merge",
    "deal",
    "onboarding_step",
    "onboarding_progress",
    "campaign",
    "campaign_delivery",
    "ticket",
    "feedback",
    "touchpoint",
    "outreach_task",
    "insight",
    "insight_vote",
    "api_token",
];

fn tables() -> Vec<TableCreateStatement> {
    let organization = Table::create()
        .table("organization")
        .col(big_pk_auto("id"))
        .col(string_uniq("slug"))
        .col(string("name"))
        .col(big_integer("created_at"))
        .to_owned();

    let mut customer = tenant_table("customer");
    customer
        .col(string("display_name"))
        .col(string_null("email"))
        .col(string_null("email_normalized"))
        .col(string_null("segment"))
        .col(string_null("plan"))
        .col(big_integer("annual_value_cents"))
        .col(big_integer("created_at"))
        .col(big_integer_null("merged_into"));
    let customer = references(customer, "customer", "merged_into", "customer");

    let mut identity = with_partner_key(tenant_table("customer_identity"));
    identity
        .col(big_integer("customer_id"))
        .col(big_integer("created_at"));
    let identity = references(identity, "customer_identity", "customer_id", "customer");

    let mut merge = tenant_table("identity_merge");
    merge
        .col(big_integer("survivor_id"))
        .col(big_integer("merged_id"))
        .col(string("merged_by"))
        .col(big_integer("merged_at"))
        .col(text("detail"));
    let merge = references(merge, "identity_merge", "survivor_id", "customer");
    let merge = references(merge, "identity_merge", "merged_id", "customer");

    let mut deal = customer_record("deal");
    deal.col(string("owner"))
        .col(string("stage"))
        .col(big_integer("amount_cents"))
        .col(big_integer("opened_at"))
        .col(big_integer_null("closed_at"))
        .col(string("outcome"))
        .col(big_integer("updated_at"));

    let mut step = tenant_table("onboarding_step");
    step.col(string("key"))
        .col(string("name"))
        .col(integer("position"))
        .col(integer("expected_days"));

    let mut progress = customer_record("onboarding_progress");
    progress
        .col(big_integer("step_id"))
        .col(big_integer("started_at"))
        .col(big_integer_null("completed_at"))
        .col(big_integer("updated_at"));
    let progress = references(
        progress,
        "onboarding_progress",
        "step_id",
        "onboarding_step",
    );

    let mut campaign = with_partner_key(tenant_table("campaign"));
    campaign.col(string("name")).col(string("channel"));

    let mut delivery = customer_record("campaign_delivery");
    delivery
        .col(big_integer("campaign_id"))
        .col(big_integer("delivered_at"))
        .col(big_integer_null("opened_at"))
        .col(big_integer_null("clicked_at"));
    let delivery = references(delivery, "campaign_delivery", "campaign_id", "campaign");

    let mut ticket = customer_record("ticket");
    ticket
        .col(string("reason"))
        .col(string("channel"))
        .col(string("priority"))
        .col(string("team"))
        .col(big_integer("opened_at"))
        .col(big_integer_null("first_response_at"))
        .col(big_integer_null("resolved_at"))
        .col(integer("reopened_count"))
        .col(big_integer("updated_at"));

    let mut feedback = customer_record("feedback");
    feedback
        .col(string("metric"))
        .col(integer("score"))
        .col(text_null("comment"))
        .col(big_integer("occurred_at"))
        .col(string("subject_kind"))
        .col(big_integer_null("ticket_id"))
        .col(big_integer_null("step_id"))
        .col(big_integer_null("campaign_id"))
        .col(big_integer_null("deal_id"));
    let feedback = references(feedback, "feedback", "ticket_id", "ticket");
    let feedback = references(feedback, "feedback", "step_id", "onboarding_step");
    let feedback = references(feedback, "feedback", "campaign_id", "campaign");
    let feedback = references(feedback, "feedback", "deal_id", "deal");

    let mut touchpoint = customer_record("touchpoint");
    touchpoint
        .col(string("department"))
        .col(string("kind"))
        .col(string_null("channel"))
        .col(big_integer("occurred_at"))
        .col(text_null("attributes"))
        .col(string_null("record_kind"))
        .col(big_integer_null("record_id"));

    let mut outreach = tenant_table("outreach_task");
    outreach
        .col(big_integer("customer_id"))
        .col(string("friction_kind"))
        .col(string_null("subject"))
        .col(string("status"))
        .col(string_null("owner"))
        .col(text_null("note"))
        .col(string("created_by"))
        .col(big_integer("created_at"))
        .col(big_integer("updated_at"))
        .col(big_integer_null("contacted_at"))
        .col(big_integer_null("closed_at"));
    let outreach = references(outreach, "outreach_task", "customer_id", "customer");

    let mut insight = tenant_table("insight");
    insight
        .col(string("author"))
        .col(text("text"))
        .col(big_integer_null("customer_id"))
        .col(string_null("friction_kind"))
        .col(string_null("subject"))
        .col(integer("votes"))
        .col(big_integer("created_at"));
    let insight = references(insight, "insight", "customer_id", "customer");

    let mut vote = tenant_table("insight_vote");
    vote.col(big_integer("insight_id"))
        .col(string("voter"))
        .col(big_integer("created_at"));
    let vote = references(vote, "insight_vote", "insight_id", "insight");

    let mut token = tenant_table("api_token");
    token
        .col(string("name"))
        .col(string_uniq("prefix"))
        .col(string_uniq("secret_hash"))
        .col(string("scopes"))
        .col(string_null("departments"))
        .col(string("created_by"))
        .col(big_integer("created_at"))
        .col(big_integer_null("expires_at"))
        .col(big_integer_null("revoked_at"))
        .col(big_integer_null("last_used_at"));

    vec![
        organization,
        customer,
        identity,
        merge,
        deal,
        step,
        progress,
        campaign,
        delivery,
        ticket,
        feedback,
        touchpoint,
        outreach,
        insight,
        vote,
        token,
    ]
}

/// A record a partner system sends about one customer: tenant, partner key, customer.
fn customer_record(name: &'static str) -> TableCreateStatement {
    let mut table = with_partner_key(tenant_table(name));
    table.col(big_integer("customer_id"));
    references(table, name, "customer_id", "customer")
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        org_index("customer", "id", &["id"]),
        org_index("customer", "email", &["email_normalized"]),
        org_unique("customer_identity", "key", &["source", "external_id"]),
        org_index("customer_identity", "customer", &["customer_id"]),
        org_index("identity_merge", "survivor", &["survivor_id"]),
        org_unique("deal", "key", &["source", "external_id"]),
        org_index("deal", "customer", &["customer_id", "opened_at"]),
        org_index("deal", "closed", &["outcome", "closed_at"]),
        org_unique("onboarding_step", "key", &["key"]),
        org_unique("onboarding_progress", "key", &["source", "external_id"]),
        org_index(
            "onboarding_progress",
            "customer",
            &["customer_id", "step_id"],
        ),
        org_index("onboarding_progress", "started", &["started_at"]),
        org_unique("campaign", "key", &["source", "external_id"]),
        org_unique("campaign_delivery", "key", &["source", "external_id"]),
        org_index("campaign_delivery", "delivered", &["delivered_at"]),
        org_index(
            "campaign_delivery",
            "customer",
            &["customer_id", "delivered_at"],
        ),
        org_unique("ticket", "key", &["source", "external_id"]),
        org_index("ticket", "customer", &["customer_id", "opened_at"]),
        org_index("ticket", "opened", &["opened_at"]),
        org_index("ticket", "resolved", &["resolved_at"]),
        org_unique("feedback", "key", &["source", "external_id"]),
        org_index("feedback", "occurred", &["occurred_at"]),
        org_index("feedback", "customer", &["customer_id", "occurred_at"]),
        org_unique("touchpoint", "key", &["source", "external_id"]),
        org_index(
            "touchpoint",
            "journey",
            &["customer_id", "occurred_at", "id"],
        ),
        org_index("touchpoint", "occurred", &["occurred_at", "customer_id"]),
        org_index("touchpoint", "record", &["record_kind", "record_id"]),
        org_index("outreach_task", "status", &["status", "customer_id"]),
        org_index("outreach_task", "customer", &["customer_id"]),
        org_index("insight", "subject", &["friction_kind", "subject"]),
        org_index("insight", "customer", &["customer_id"]),
        org_unique("insight_vote", "voter", &["insight_id", "voter"]),
        org_index("api_token", "created", &["created_at"]),
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
