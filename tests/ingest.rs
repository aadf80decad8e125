//! Ingestion over HTTP: whole-batch validation naming the bad field,
//! idempotent retries, updates that append exactly the new lifecycle events,
//! conflicts on immutable records, exact text, and 50 concurrent batches.

mod common;

use common::TestApp;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const TICKETS: &str = r#"mutation($input: [TicketInput!]!) { ingestTickets(input: $input) {
    created updated unchanged items { externalId id outcome } } }"#;
const TOUCHPOINTS: &str = r#"mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created updated unchanged } }"#;
const DEALS: &str = r#"mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }"#;
const FEEDBACK: &str =
    r#"mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }"#;
const ONBOARDING: &str = r#"mutation($input: [OnboardingProgressInput!]!) { ingestOnboarding(input: $input) { created } }"#;
const DELIVERIES: &str = r#"mutation($input: [CampaignDeliveryInput!]!) { ingestCampaignDeliveries(input: $input) { created unchanged } }"#;

fn customer(n: u32) -> Value {
    json!({"source": "helpdesk", "externalId": format!("U-{n}"), "email": format!("u{n}@example.com"), "displayName": format!("User {n}")})
}

fn ticket(n: u32) -> Value {
    json!({ "source": "helpdesk", "externalId": format!("T-{n}"), "customer": customer(n % 7),
        "reason": "login_issue", "channel": "chat", "priority": "HIGH", "team": "tier1",
        "openedAt": "2026-01-05T10:00:00Z" })
}

fn touchpoint(n: u32) -> Value {
    json!({ "source": "product", "externalId": format!("E-{n}"), "customer": customer(n % 7),
        "department": "PRODUCT", "kind": "login", "channel": "web", "occurredAt": "2026-01-05T09:00:00Z",
        "attributes": {"page": "/home"} })
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

async fn rows(app: &TestApp) -> i64 {
    let mut total = 0;
    for table in [
        "customer",
        "customer_identity",
        "ticket",
        "touchpoint",
        "deal",
        "feedback",
        "campaign",
        "campaign_delivery",
        "onboarding_progress",
    ] {
        total += app.count(table).await;
    }
    total
}

/// Sends `mutation` with one good record and one bad one; expects
/// BAD_USER_INPUT at `path` and no row written.
async fn rejected(app: &TestApp, token: &str, mutation: &str, input: Value, path: &str) {
    let before = rows(app).await;
    let (_, body) = app
        .gql(Some(token), mutation, json!({"input": input}))
        .await;
    assert_error_at(&body, "BAD_USER_INPUT", path);
    assert_eq!(body["errors"][0]["extensions"]["path"], path, "{body}");
    assert_eq!(rows(app).await, before, "{path}: nothing may be written");
}

/// An error with `code` whose message starts with the record's path.
fn assert_error_at(body: &Value, code_: &str, path: &str) {
    assert_eq!(code(body), code_, "{path}: {body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .starts_with(path),
        "{body}"
    );
}

/// IDEMPOTENCY_CONFLICT whose message starts with the record's path.
fn assert_conflict_at(body: &Value, path: &str) {
    assert_error_at(body, "IDEMPOTENCY_CONFLICT", path);
}

fn with(mut record: Value, field: &str, value: Value) -> Value {
    record[field] = value;
    record
}

async fn bad_records_reject_the_whole_batch(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let t = &token;
    let ticket_with = |field: &str, value: Value| json!([ticket(1), with(ticket(2), field, value)]);
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("openedAt", json!("2099-01-01T00:00:00Z")),
        "input[1].openedAt",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("openedAt", json!("1999-12-31T23:59:59Z")),
        "input[1].openedAt",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("resolvedAt", json!("2026-01-05T09:59:59Z")),
        "input[1].resolvedAt",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("externalId", json!("  ")),
        "input[1].externalId",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("source", json!("journeygraph")),
        "input[1].source",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("reason", json!("login\u{0}issue")),
        "input[1].reason",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("team", json!("x".repeat(501))),
        "input[1].team",
    )
    .await;
    rejected(
        &app,
        t,
        TICKETS,
        ticket_with("reopenedCount", json!(-1)),
        "input[1].reopenedCount",
    )
    .await;
    let mut bad_email = ticket(2);
    bad_email["customer"]["email"] = json!("not-an-email");
    rejected(
        &app,
        t,
        TICKETS,
        json!([ticket(1), bad_email]),
        "input[1].customer.email",
    )
    .await;
    let mut negative = ticket(2);
    negative["customer"]["annualValue"] = json!(-5.0);
    rejected(
        &app,
        t,
        TICKETS,
        json!([ticket(1), negative]),
        "input[1].customer.annualValue",
    )
    .await;

    let tp_with =
        |field: &str, value: Value| json!([touchpoint(1), with(touchpoint(2), field, value)]);
    rejected(
        &app,
        t,
        TOUCHPOINTS,
        tp_with("attributes", json!([1, 2])),
        "input[1].attributes",
    )
    .await;
    rejected(
        &app,
        t,
        TOUCHPOINTS,
        tp_with("attributes", json!({"blob": "y".repeat(33 * 1024)})),
        "input[1].attributes",
    )
    .await;
    rejected(
        &app,
        t,
        TOUCHPOINTS,
        tp_with("kind", json!("")),
        "input[1].kind",
    )
    .await;

    let deal = json!({ "source": "crm", "externalId": "D-1", "customer": customer(1), "owner": "ana", "stage": "won",
        "amount": 10.0, "openedAt": "2026-01-01T00:00:00Z", "outcome": "WON" });
    rejected(&app, t, DEALS, json!([deal]), "input[0].closedAt").await;

    let csat = json!({ "source": "surveys", "externalId": "F-1", "customer": customer(1), "metric": "CSAT",
        "score": 6, "occurredAt": "2026-01-05T12:00:00Z" });
    rejected(&app, t, FEEDBACK, json!([csat.clone()]), "input[0].score").await;
    let long_comment = with(
        with(csat.clone(), "score", json!(3)),
        "comment",
        json!("z".repeat(10_001)),
    );
    rejected(&app, t, FEEDBACK, json!([long_comment]), "input[0].comment").await;
    let about_unknown = with(
        with(csat, "score", json!(3)),
        "about",
        json!({"kind": "TICKET", "source": "helpdesk", "externalId": "nope"}),
    );
    rejected(&app, t, FEEDBACK, json!([about_unknown]), "input[0].about").await;

    let progress = json!({ "source": "tracker", "externalId": "P-1", "customer": customer(1), "stepKey": "no-such-step",
        "startedAt": "2026-01-02T00:00:00Z" });
    rejected(&app, t, ONBOARDING, json!([progress]), "input[0].stepKey").await;

    let too_many: Vec<Value> = (0..1001).map(touchpoint).collect();
    rejected(&app, t, TOUCHPOINTS, json!(too_many), "input").await;

    // A value of the wrong type never reaches the resolver; nothing is written either.
    let (_, body) = app
        .gql(
            Some(t),
            TICKETS,
            json!({"input": ticket_with("openedAt", json!("yesterday"))}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(rows(&app).await, 0);
}

async fn retries_updates_and_lifecycle_events(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let (_, first) = app
        .gql(Some(&token), TICKETS, json!({"input": [ticket(1)]}))
        .await;
    assert_eq!(first["data"]["ingestTickets"]["created"], 1, "{first}");
    let id = first["data"]["ingestTickets"]["items"][0]["id"].clone();
    for _ in 0..3 {
        let (_, again) = app
            .gql(Some(&token), TICKETS, json!({"input": [ticket(1)]}))
            .await;
        assert_eq!(again["data"]["ingestTickets"]["unchanged"], 1, "{again}");
        assert_eq!(
            again["data"]["ingestTickets"]["items"][0],
            json!({"externalId": "T-1", "id": id, "outcome": "UNCHANGED"})
        );
    }
    let resolved = with(ticket(1), "resolvedAt", json!("2026-01-05T12:00:00Z"));
    let (_, updated) = app
        .gql(Some(&token), TICKETS, json!({"input": [resolved.clone()]}))
        .await;
    assert_eq!(updated["data"]["ingestTickets"]["updated"], 1, "{updated}");
    for _ in 0..2 {
        let (_, again) = app
            .gql(Some(&token), TICKETS, json!({"input": [resolved.clone()]}))
            .await;
        assert_eq!(again["data"]["ingestTickets"]["unchanged"], 1, "{again}");
    }
    assert_eq!(app.count("ticket").await, 1);
    let (_, journey) = app.gql(Some(&app.leader()),
        r#"{ customerByIdentity(source: "helpdesk", externalId: "U-1") { journey(first: 10) { edges { node { kind occurredAt } } } } }"#,
        json!({})).await;
    assert_eq!(
        journey["data"]["customerByIdentity"]["journey"]["edges"],
        json!([
            {"node": {"kind": "ticket_resolved", "occurredAt": "2026-01-05T12:00:00+00:00"}},
            {"node": {"kind": "ticket_opened", "occurredAt": "2026-01-05T10:00:00+00:00"}},
        ])
    );
}

async fn immutable_records_conflict_and_nothing_is_written(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let (_, first) = app
        .gql(Some(&token), TOUCHPOINTS, json!({"input": [touchpoint(1)]}))
        .await;
    assert_eq!(first["data"]["ingestTouchpoints"]["created"], 1, "{first}");
    let before = rows(&app).await;
    let changed = with(touchpoint(1), "kind", json!("logout"));
    let (_, body) = app
        .gql(
            Some(&token),
            TOUCHPOINTS,
            json!({"input": [touchpoint(2), changed]}),
        )
        .await;
    assert_conflict_at(&body, "input[1]");
    assert_eq!(
        rows(&app).await,
        before,
        "the good record of the batch is not written either"
    );

    let delivery = json!({ "source": "marketing", "externalId": "M-1", "customer": customer(3), "campaignExternalId": "CMP-1",
        "campaignName": "Spring", "campaignChannel": "email", "deliveredAt": "2026-01-04T00:00:00Z" });
    let (_, d1) = app
        .gql(
            Some(&token),
            DELIVERIES,
            json!({"input": [delivery.clone()]}),
        )
        .await;
    assert_eq!(d1["data"]["ingestCampaignDeliveries"]["created"], 1, "{d1}");
    let (_, d2) = app
        .gql(
            Some(&token),
            DELIVERIES,
            json!({"input": [delivery.clone()]}),
        )
        .await;
    assert_eq!(
        d2["data"]["ingestCampaignDeliveries"]["unchanged"], 1,
        "{d2}"
    );
    let (_, d3) = app
        .gql(
            Some(&token),
            DELIVERIES,
            json!({"input": [with(delivery, "openedAt", json!("2026-01-04T01:00:00Z"))]}),
        )
        .await;
    assert_eq!(code(&d3), "IDEMPOTENCY_CONFLICT", "{d3}");
}

/// One key sent twice in one batch, and a batch that mixes stored and new
/// keys: a batch means what sending its records one by one would mean. A
/// new key's first copy is `created`, a later identical copy `unchanged`, a
/// later different copy of a mutable record `updated` (the last copy is
/// stored, the timeline has every copy's events); an immutable record's
/// copies must agree. A stored key is compared with the stored row, and new
/// rows get ids in the batch's order.
async fn copies_of_a_key_within_one_batch(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let resolved = with(ticket(5), "resolvedAt", json!("2026-01-05T12:00:00Z"));
    let (_, body) = app
        .gql(
            Some(&token),
            TICKETS,
            json!({"input": [ticket(5), resolved.clone()]}),
        )
        .await;
    let report = &body["data"]["ingestTickets"];
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(1), &json!(1), &json!(0)),
        "{body}"
    );
    let id = report["items"][0]["id"].clone();
    assert_eq!(
        report["items"],
        json!([
            {"externalId": "T-5", "id": id, "outcome": "CREATED"},
            {"externalId": "T-5", "id": id, "outcome": "UPDATED"},
        ])
    );
    assert_eq!(app.count("ticket").await, 1);
    assert_eq!(
        app.count("touchpoint").await,
        2,
        "opened and resolved, from the later copy"
    );

    let (_, mixed) = app
        .gql(
            Some(&token),
            TICKETS,
            json!({"input": [ticket(6), resolved, ticket(7)]}),
        )
        .await;
    let items = &mixed["data"]["ingestTickets"]["items"];
    assert_eq!(items[0]["outcome"], "CREATED", "{mixed}");
    assert_eq!(
        items[1],
        json!({"externalId": "T-5", "id": id, "outcome": "UNCHANGED"})
    );
    assert_eq!(items[2]["outcome"], "CREATED", "{mixed}");
    let order = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT external_id FROM ticket ORDER BY id",
        ))
        .await
        .expect("tickets");
    let order: Vec<String> = order
        .iter()
        .map(|row| row.try_get("", "external_id").expect("external_id"))
        .collect();
    assert_eq!(
        order,
        ["T-5", "T-6", "T-7"],
        "new rows in the batch's order"
    );

    let (_, twice) = app
        .gql(
            Some(&token),
            TOUCHPOINTS,
            json!({"input": [touchpoint(9), touchpoint(9)]}),
        )
        .await;
    assert_eq!(
        twice["data"]["ingestTouchpoints"],
        json!({"created": 1, "updated": 0, "unchanged": 1}),
        "one row stored, counted once as created"
    );
    let before = rows(&app).await;
    let (_, differ) = app
        .gql(
            Some(&token),
            TOUCHPOINTS,
            json!({"input": [touchpoint(10), with(touchpoint(10), "kind", json!("logout"))]}),
        )
        .await;
    assert_conflict_at(&differ, "input[1]");
    assert!(
        differ["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("also sent as input[0] of this batch")),
        "both copies named: {differ}"
    );
    assert_eq!(rows(&app).await, before, "nothing of that batch is written");

    // A resolved copy, then an unresolved one: the last copy is stored, the
    // timeline keeps the resolution the first copy announced (one by one,
    // the second send would have been an update appending nothing).
    let resolved8 = with(ticket(8), "resolvedAt", json!("2026-01-05T12:00:00Z"));
    let touchpoints = app.count("touchpoint").await;
    let (_, body) = app
        .gql(
            Some(&token),
            TICKETS,
            json!({"input": [resolved8, ticket(8)]}),
        )
        .await;
    let outcomes: Vec<&Value> = body["data"]["ingestTickets"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| &item["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("CREATED"), &json!("UPDATED")], "{body}");
    assert_eq!(app.count("touchpoint").await, touchpoints + 2);
    let (_, again) = app
        .gql(Some(&token), TICKETS, json!({"input": [ticket(8)]}))
        .await;
    assert_eq!(
        again["data"]["ingestTickets"]["unchanged"], 1,
        "the unresolved copy is what was stored: {again}"
    );
}

/// A record belongs to the customer it was first sent for. Re-sending it
/// (or a second copy in one batch) for another customer is
/// IDEMPOTENCY_CONFLICT and writes nothing, not even the other customer;
/// naming the same customer by another of its identities is no change.
async fn a_record_does_not_move_between_customers(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let (_, first) = app
        .gql(Some(&token), TOUCHPOINTS, json!({"input": [touchpoint(1)]}))
        .await;
    assert_eq!(first["data"]["ingestTouchpoints"]["created"], 1, "{first}");
    let (_, ticket1) = app
        .gql(Some(&token), TICKETS, json!({"input": [ticket(1)]}))
        .await;
    assert_eq!(ticket1["data"]["ingestTickets"]["created"], 1, "{ticket1}");
    let before = rows(&app).await;
    let customers = app.count("customer").await;

    for (mutation, record) in [
        (TOUCHPOINTS, with(touchpoint(1), "customer", customer(99))),
        (TICKETS, with(ticket(1), "customer", customer(98))),
    ] {
        let (_, body) = app
            .gql(Some(&token), mutation, json!({"input": [record]}))
            .await;
        assert_conflict_at(&body, "input[0]");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("for another customer")),
            "{body}"
        );
        assert_eq!(rows(&app).await, before, "no orphan customer: {body}");
    }
    assert_eq!(app.count("customer").await, customers);

    let (_, body) = app
        .gql(
            Some(&token),
            TOUCHPOINTS,
            json!({"input": [touchpoint(20), with(touchpoint(20), "customer", customer(21))]}),
        )
        .await;
    assert_conflict_at(&body, "input[1]");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("also sent as input[0] of this batch")),
        "{body}"
    );
    assert_eq!(rows(&app).await, before, "nothing of that batch is written");

    // U-1's email under another system's id: the same customer.
    let same_person = json!({"source": "crm", "externalId": "X-1", "email": "U1@example.com"});
    let (_, body) = app
        .gql(
            Some(&token),
            TOUCHPOINTS,
            json!({"input": [with(touchpoint(1), "customer", same_person)]}),
        )
        .await;
    assert_eq!(
        body["data"]["ingestTouchpoints"],
        json!({"created": 0, "updated": 0, "unchanged": 1}),
        "{body}"
    );
    assert_eq!(app.count("customer").await, customers);
}

async fn text_is_stored_and_returned_exactly(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let tricky = "Quote \" ' \\ emoji 😤👍🏽 RTL שלום عربي zero\u{200B}width \u{FEFF}bom";
    let mut t = with(ticket(1), "reason", json!(tricky));
    t["customer"]["displayName"] = json!(tricky);
    let (_, body) = app.gql(Some(&token), TICKETS, json!({"input": [t]})).await;
    assert_eq!(body["data"]["ingestTickets"]["created"], 1, "{body}");
    let (_, read) = app.gql(Some(&app.leader()),
        r#"{ customerByIdentity(source: "helpdesk", externalId: "U-1") { displayName journey(first: 1) { edges { node { ... on SupportEvent { reason } } } } } }"#,
        json!({})).await;
    let c = &read["data"]["customerByIdentity"];
    assert_eq!(c["displayName"], tricky);
    assert_eq!(c["journey"]["edges"][0]["node"]["reason"], tricky);
}

async fn fifty_concurrent_identical_batches_store_each_record_once(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let batch: Vec<Value> = (0..20)
        .map(|n| with(ticket(n), "resolvedAt", json!("2026-01-05T11:00:00Z")))
        .collect();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let client = app.client.clone();
        let url = format!("{}/graphql", app.base);
        let body = json!({"query": TICKETS, "variables": {"input": batch.clone()}});
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send");
            response.json::<Value>().await.expect("json")
        }));
    }
    let mut created = 0;
    for task in tasks {
        let body = task.await.expect("task");
        let report = &body["data"]["ingestTickets"];
        assert!(report.is_object(), "every batch is acknowledged: {body}");
        created += report["created"].as_i64().expect("created");
        assert_eq!(
            report["created"].as_i64().expect("c") + report["unchanged"].as_i64().expect("u"),
            20
        );
    }
    assert_eq!(
        created, 20,
        "each record is created exactly once across the 50 batches"
    );
    assert_eq!(app.count("ticket").await, 20);
    assert_eq!(app.count("customer").await, 7);
    assert_eq!(app.count("customer_identity").await, 7);
    assert_eq!(
        app.count("touchpoint").await,
        40,
        "opened + resolved per ticket"
    );
}

on_both_databases!(
    bad_records_reject_the_whole_batch,
    retries_updates_and_lifecycle_events,
    immutable_records_conflict_and_nothing_is_written,
    text_is_stored_and_returned_exactly,
    copies_of_a_key_within_one_batch,
    a_record_does_not_move_between_customers,
    fifty_concurrent_identical_batches_store_each_record_once,
);
