//! Every log line a request causes carries its request id: JSON logs (the
//! production setup of `journeygraph::logging`) captured while requests run,
//! including a failing one. One test per binary: the subscriber is global.

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

#[tokio::test]
async fn every_line_of_a_request_carries_its_request_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    journeygraph::logging::init(journeygraph::config::LogFormat::Json, move || {
        writer.clone()
    });
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
    for line in &in_requests {
        let id = line["span"]["request_id"].as_str().unwrap_or("-");
        assert!(
            ids.iter().any(|known| known == id),
            "line without a known request id: {line}"
        );
    }
}
