//! `/metrics`: Prometheus text with requests by operation and outcome,
//! latency, committed ingest records by type, rate-limited requests and the
//! database pool; and, scraped from the real binary before any request,
//! every metric with its help and type. One in-process test in this binary:
//! the recorder is process-wide.

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

/// Scraped before any request: every metric the server exports is there
/// with `# HELP` and `# TYPE`, at zero, beside the build and the process.
#[tokio::test]
async fn every_metric_exists_from_start_up_with_help_and_type() {
    use common::process::{acme_admin, journeygraph, scrape, serve};
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    acme_admin(&db, common::SECRET);
    let (mut server, port) = serve(
        journeygraph(&db, common::SECRET, "info"),
        &["--sweep-interval-secs", "0"],
    )
    .draining_logs();
    let text = scrape(&format!("http://127.0.0.1:{port}")).await;
    let _ = server.kill();
    let _ = server.wait();
    for (name, kind) in [
        ("journeygraph_ingest_records_total", "counter"),
        ("journeygraph_rate_limited_total", "counter"),
        ("journeygraph_db_pool_connections", "gauge"),
        ("journeygraph_ws_connections", "gauge"),
        ("journeygraph_ws_refused_total", "counter"),
        ("journeygraph_signals_raised_total", "counter"),
        ("journeygraph_webhook_attempts_total", "counter"),
        ("journeygraph_sweeps_total", "counter"),
        ("journeygraph_sweep_leader", "gauge"),
        ("journeygraph_build_info", "gauge"),
        ("journeygraph_jwks_refreshes_total", "counter"),
        ("journeygraph_jwks_keys", "gauge"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_cpu_seconds_total", "counter"),
        ("process_open_fds", "gauge"),
    ] {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "no HELP for {name}:\n{text}"
        );
        assert!(
            text.contains(&format!("# TYPE {name} {kind}\n")),
            "no TYPE {kind} for {name}:\n{text}"
        );
    }
    let series = |line: &str| text.lines().any(|l| l == line);
    assert!(
        series(r#"journeygraph_ingest_records_total{type="ticket",outcome="created"} 0"#),
        "{text}"
    );
    assert!(
        series(r#"journeygraph_ws_refused_total{reason="init_timeout"} 0"#),
        "{text}"
    );
    assert!(series("journeygraph_rate_limited_total 0"), "{text}");
    assert!(
        series(r#"journeygraph_jwks_refreshes_total{outcome="error"} 0"#),
        "{text}"
    );
    assert!(series("journeygraph_jwks_keys 0"), "{text}");
    assert!(series(&format!(
        r#"journeygraph_build_info{{version="{}"}} 1"#,
        env!("CARGO_PKG_VERSION")
    )));
    let rss: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
        .and_then(|v| v.trim().parse().ok())
        .expect("resident memory");
    assert!(rss > 1e6, "{rss}");
}
