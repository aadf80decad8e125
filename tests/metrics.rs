//! `/metrics`: Prometheus text with requests by operation and outcome,
//! latency, committed ingest records by type, rate-limited requests and the
//! database pool. One test per binary: the recorder is process-wide.

mod common;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn metrics_count_operations_ingest_and_refusals() {
    let app = TestApp::sqlite_with(|s| {
        s.serve.rate_limit_per_second = 1;
        s.serve.rate_limit_burst = 3;
    })
    .await;
    let admin = app.admin();
    let (_, who) = app
        .gql(Some(&admin), "query Who { viewer { role } }", json!({}))
        .await;
    assert!(who["errors"].is_null(), "{who}");
    let ticket = |id: &str| {
        json!({"source": "helpdesk", "externalId": id, "customer": {"source": "crm", "externalId": "C1"}, "reason": "login",
            "channel": "chat", "priority": "LOW", "team": "tier1", "openedAt": "2026-01-05T00:00:00Z"})
    };
    app.ingest(
        &admin,
        "mutation Send($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
        json!([ticket("T1"), ticket("T2")]),
    )
    .await;
    let (_, bad) = app
        .gql(
            Some(&admin),
            "query Bad { customers(first: 500) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _) = app
        .gql(Some(&admin), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(status, 429);

    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for line in [
        r#"journeygraph_requests_total{operation="Who",code="OK"} 1"#,
        r#"journeygraph_requests_total{operation="Send",code="OK"} 1"#,
        r#"journeygraph_requests_total{operation="Bad",code="BAD_USER_INPUT"} 1"#,
        r#"journeygraph_ingest_records_total{type="ticket",outcome="created"} 2"#,
        "journeygraph_rate_limited_total 1",
        r#"journeygraph_request_duration_seconds_count{operation="Who"} 1"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        text.contains(r#"journeygraph_db_pool_connections{state="open"}"#),
        "{text}"
    );
}
