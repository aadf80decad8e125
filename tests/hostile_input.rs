//! Absurd values inside ingest batches and queries: money beyond the
//! documented range, dates that are not dates, integers over 2^31, enum
//! values that do not exist, emails that carry headers, a search text of
//! 900 KB. Each is BAD_USER_INPUT naming the record by `extensions.path`,
//! and nothing is written; on both databases.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const TICKETS: &str =
    r#"mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }"#;
const TOUCHPOINTS: &str =
    r#"mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }"#;
const DEALS: &str = r#"mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }"#;

fn customer(n: u32) -> Value {
    json!({"source": "crm", "externalId": format!("C-{n}"), "email": format!("c{n}@example.com"), "annualValue": 1000.0})
}

fn ticket(n: u32) -> Value {
    json!({ "source": "helpdesk", "externalId": format!("T-{n}"), "customer": customer(n),
        "reason": "login_issue", "channel": "chat", "priority": "HIGH", "team": "tier1",
        "openedAt": "2026-01-05T10:00:00Z" })
}

fn touchpoint(n: u32) -> Value {
    json!({ "source": "product", "externalId": format!("E-{n}"), "customer": customer(n),
        "department": "PRODUCT", "kind": "login", "occurredAt": "2026-01-05T09:00:00Z" })
}

fn deal(n: u32) -> Value {
    json!({ "source": "crm", "externalId": format!("D-{n}"), "customer": customer(n),
        "owner": "ana", "stage": "won", "amount": 5000.0, "openedAt": "2026-01-02T09:00:00Z",
        "closedAt": "2026-01-05T09:00:00Z", "outcome": "WON" })
}

async fn written(app: &TestApp) -> i64 {
    app.count("customer").await + app.count("touchpoint").await
}

/// A batch of a good record and `bad`: refused at `path`, nothing written.
async fn refused_at(
    app: &TestApp,
    token: &str,
    mutation: &str,
    good: Value,
    bad: Value,
    path: &str,
) {
    let before = written(app).await;
    let (status, body) = app
        .gql(Some(token), mutation, json!({"input": [good, bad]}))
        .await;
    assert_eq!(status, 200, "{path}: {body}");
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "BAD_USER_INPUT",
        "{path}: {body}"
    );
    assert_eq!(error["extensions"]["path"], path, "{body}");
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(written(app).await, before, "{path}: nothing may be written");
}

/// `record` with the field at `pointer` (`/customer/email`) set to `value`.
fn with(mut record: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    record
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("an object")
        .insert(key.to_owned(), value);
    record
}

async fn absurd_values_are_refused_with_the_record_path(app: TestApp) {
    // A SUPPORT-only token could once store i64::MAX cents.
    let support = app.api_token(&["INGEST_WRITE"], Some(&["SUPPORT"])).await;
    let all = app.api_token(&["INGEST_WRITE"], None).await;
    let cases: Vec<(&str, &str, Value, Value, &str)> = vec![
        (
            support.as_str(),
            TICKETS,
            ticket(1),
            with(ticket(2), "/customer/annualValue", json!(1e300)),
            "input[1].customer.annualValue",
        ),
        (
            support.as_str(),
            TICKETS,
            ticket(1),
            with(
                ticket(2),
                "/customer/annualValue",
                json!(1_000_000_000_000.01),
            ),
            "input[1].customer.annualValue",
        ),
        (
            all.as_str(),
            DEALS,
            deal(1),
            with(deal(2), "/amount", json!(1e308)),
            "input[1].amount",
        ),
        (
            support.as_str(),
            TICKETS,
            ticket(1),
            with(ticket(2), "/customer/email", json!("a@b.c\nBcc: x@y")),
            "input[1].customer.email",
        ),
        (
            support.as_str(),
            TICKETS,
            ticket(1),
            with(ticket(2), "/customer/email", json!("a@@b")),
            "input[1].customer.email",
        ),
        (
            all.as_str(),
            TOUCHPOINTS,
            touchpoint(1),
            with(touchpoint(2), "/occurredAt", json!(12345)),
            "input[1]",
        ),
        (
            all.as_str(),
            TOUCHPOINTS,
            touchpoint(1),
            with(touchpoint(2), "/occurredAt", json!("yesterday")),
            "input[1]",
        ),
        (
            support.as_str(),
            TICKETS,
            ticket(1),
            with(ticket(2), "/reopenedCount", json!(5_000_000_000i64)),
            "input[1]",
        ),
        (
            all.as_str(),
            TOUCHPOINTS,
            touchpoint(1),
            with(touchpoint(2), "/department", json!("NOPE")),
            "input[1].department",
        ),
    ];
    for (token, mutation, good, bad, path) in cases {
        refused_at(&app, token, mutation, good, bad, path).await;
    }
    // At the top of the range a value is stored exactly.
    let top = with(
        ticket(3),
        "/customer/annualValue",
        json!(1_000_000_000_000.0),
    );
    let (_, body) = app
        .gql(Some(&support), TICKETS, json!({"input": [top]}))
        .await;
    assert_eq!(body["data"]["ingestTickets"]["created"], 1, "{body}");
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            r#"{ customerByIdentity(source: "crm", externalId: "C-3") { annualValue } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["customerByIdentity"]["annualValue"], 1e12);
}

async fn a_huge_search_is_refused_on_either_database(app: TestApp) {
    let search = "a".repeat(900 * 1024);
    let (status, body) = app
        .gql(
            Some(&app.leader()),
            "query($s: String) { customers(first: 5, filter: {search: $s}) { edges { cursor } } }",
            json!({"s": search}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT",
        "{}",
        &body.to_string()[..300]
    );
    assert_eq!(body["errors"][0]["extensions"]["path"], "filter.search");
    assert_eq!(
        body["errors"][0]["message"],
        "filter.search: is 921600 characters long; the limit is 200"
    );
    // 200 characters are fine.
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "query($s: String) { customers(first: 5, filter: {search: $s}) { edges { cursor } } }",
            json!({"s": "%_".repeat(100)}),
        )
        .await;
    assert_eq!(body["data"]["customers"]["edges"], json!([]), "{body}");
}

on_both_databases!(
    absurd_values_are_refused_with_the_record_path,
    a_huge_search_is_refused_on_either_database,
);
