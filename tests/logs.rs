//! Every log line a request causes carries its request id: JSON logs (the
//! production setup of `journeygraph::logging`) captured while requests run,
//! including a failing one (one in-process test here: the subscriber is
//! global); and text logs off a terminal, from the real binary, uncoloured.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut lines) = self.0.lock() {
            lines.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::test]
async fn every_line_of_a_request_carries_its_request_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    journeygraph::logging::init(
        journeygraph::config::LogFormat::Json,
        move || writer.clone(),
        false,
        None,
    );
    let app = TestApp::sqlite().await;

    let mut ids = Vec::new();
    for (token, query) in [
        (Some(app.leader()), "{ viewer { role } }"),
        // Refused credential and a query error: both logged, both with the id.
        (Some("jg_not-a-token".to_owned()), "{ viewer { role } }"),
        (
            Some(app.leader()),
            "{ customers(first: 500) { edges { node { id } } } }",
        ),
    ] {
        let mut request = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({"query": query}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if ids.is_empty() {
            // The caller's W3C trace context: its trace id is logged.
            request = request.header("traceparent", TRACEPARENT);
        }
        let response = request.send().await.expect("request");
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_owned();
        ids.push(id);
    }

    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    // Lines caused by a request are those inside its span.
    let in_requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["name"] == "request")
        .collect();
    for id in &ids {
        let with_id = in_requests
            .iter()
            .filter(|l| l["span"]["request_id"] == id.as_str())
            .count();
        assert!(with_id >= 1, "no line for request {id}:\n{text}");
    }
    // Warnings and errors never lose their request.
    for line in lines
        .iter()
        .filter(|l| l["level"] == "WARN" || l["level"] == "ERROR")
    {
        assert_eq!(
            line["span"]["name"], "request",
            "a warning outside any request: {line}"
        );
    }
    // The access line of each: status, a numeric latency, and for the
    // authenticated ones what was asked and by what kind of principal.
    let access = |id: &str| {
        in_requests
            .iter()
            .find(|l| l["span"]["request_id"] == id && l["fields"]["message"] == "request finished")
            .unwrap_or_else(|| panic!("no access line for {id}:\n{text}"))
    };
    let first = access(&ids[0]);
    assert_eq!(first["fields"]["status"], 200, "{first}");
    assert!(
        first["fields"]["latency_ms"]
            .as_f64()
            .is_some_and(|ms| ms >= 0.0),
        "{first}"
    );
    assert_eq!(
        (
            &first["span"]["operation"],
            &first["span"]["operation_type"],
            &first["span"]["org"],
            &first["span"]["principal_kind"]
        ),
        (
            &json!("anonymous"),
            &json!("query"),
            &json!("acme"),
            &json!("person")
        ),
        "{first}"
    );
    assert_eq!(
        first["span"]["trace_id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let refused = access(&ids[1]);
    assert_eq!(refused["fields"]["status"], 401, "{refused}");
    // No traceparent and no exporter: no trace id.
    assert!(refused["span"].get("trace_id").is_none(), "{refused}");
    assert!(refused["span"].get("org").is_none(), "{refused}");
    for line in &in_requests {
        let id = line["span"]["request_id"].as_str().unwrap_or("-");
        assert!(
            ids.iter().any(|known| known == id),
            "line without a known request id: {line}"
        );
    }
}

/// Text logs written to a pipe (a file, journald, a container's log) carry
/// no terminal colour codes.
#[test]
fn text_logs_off_a_terminal_have_no_colour_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("text.db").display());
    let output = common::process::journeygraph(&db, common::SECRET, "info")
        .args(["--log-format", "text", "migrate"])
        .output()
        .expect("migrate");
    let logs = String::from_utf8(output.stderr).expect("utf8");
    assert!(output.status.success(), "{logs}");
    assert!(logs.contains("INFO"), "{logs}");
    assert!(!logs.contains('\u{1b}'), "colour codes in {logs:?}");
}
