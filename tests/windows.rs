//! An analytic window is `{from, to}` or `{lastDays}` (the whole UTC days
//! before today), never both, never neither; and `lastDays` is the same
//! window as the explicit bounds it stands for.

mod common;

use common::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn a_window_is_from_and_to_or_last_days_and_nothing_else() {
    let app = TestApp::sqlite().await;
    let token = app.leader();
    let ask = |window: Value| {
        let (app, token) = (&app, &token);
        async move {
            app.gql(
                Some(token),
                "query ($w: WindowInput!) { kpis(window: $w) { contactRate { value } } }",
                json!({ "w": window }),
            )
            .await
            .1
        }
    };
    for (window, path) in [
        (json!({"lastDays": 0}), "window.lastDays"),
        (json!({"lastDays": 3661}), "window.lastDays"),
        (json!({}), "window"),
        (json!({"from": "2026-01-01T00:00:00Z"}), "window"),
        (
            json!({"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "lastDays": 7}),
            "window",
        ),
    ] {
        let body = ask(window.clone()).await;
        assert_eq!(
            (
                &body["errors"][0]["extensions"]["code"],
                &body["errors"][0]["extensions"]["path"]
            ),
            (&json!("BAD_USER_INPUT"), &json!(path)),
            "{window}: {body}"
        );
    }
    let body = ask(json!({"lastDays": 3660})).await;
    assert!(body.get("errors").is_none(), "{body}");

    // Two customers active yesterday, one of them with a ticket; a third
    // active only today, with two tickets: lastDays 1 is yesterday alone.
    let now = chrono::Utc::now().timestamp_millis();
    let today = now - now.rem_euclid(86_400_000);
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("time")
            .to_rfc3339()
    };
    let touch = |id: &str, customer: &str, ms: i64| {
        json!({"source": "product", "externalId": id, "customer": {"source": "crm", "externalId": customer},
            "department": "PRODUCT", "kind": "login", "occurredAt": at(ms)})
    };
    let ticket = |id: &str, customer: &str, ms: i64| {
        json!({"source": "helpdesk", "externalId": id, "customer": {"source": "crm", "externalId": customer},
            "reason": "how_to", "channel": "chat", "priority": "LOW", "team": "tier1", "openedAt": at(ms)})
    };
    let admin = app.admin();
    let hour = 3_600_000;
    app.ingest(
        &admin,
        "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }",
        json!([
            touch("t1", "A", today - 20 * hour),
            touch("t2", "B", today - 2 * hour),
            touch("t3", "C", today + 60_000)
        ]),
    )
    .await;
    app.ingest(
        &admin,
        "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
        json!([
            ticket("k1", "A", today - 19 * hour),
            ticket("k2", "C", today + 60_000),
            ticket("k3", "C", today + 120_000)
        ]),
    )
    .await;
    let rate = |body: Value| body["data"]["kpis"]["contactRate"]["value"].clone();
    // Customer A's ticket made it active too: 1 ticket / 2 active customers.
    assert_eq!(rate(ask(json!({"lastDays": 1})).await), json!(0.5));
    assert_eq!(
        rate(ask(json!({"from": at(today - 86_400_000), "to": at(today)})).await),
        json!(0.5)
    );
}
