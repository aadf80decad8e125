//! Traces over OTLP: the real binary with `--otlp-endpoint` pointed at a
//! receiver this test runs on loopback (OTLP/HTTP, protobuf), on both
//! databases. A request that arrives with a W3C `traceparent` continues
//! the caller's trace; one without starts its own, and the access log line
//! carries the id either way.

mod common;

use common::SECRET;
use common::process::{acme_admin, journeygraph, serve};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// What the receiver was sent: (service.name, span) pairs.
type Received = Arc<Mutex<Vec<(String, Span)>>>;

async fn receive(
    axum::extract::State(received): axum::extract::State<Received>,
    body: axum::body::Bytes,
) -> impl axum::response::IntoResponse {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
    let mut received = received.lock().expect("lock");
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                AnyValue::StringValue(name) => Some(name.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for scope in resource.scope_spans {
            for span in scope.spans {
                received.push((service.clone(), span));
            }
        }
    }
    (
        [("content-type", "application/x-protobuf")],
        Vec::<u8>::new(),
    )
}

async fn receiver() -> (Received, String) {
    let received = Received::default();
    let app = axum::Router::new()
        .route("/v1/traces", axum::routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (received, url)
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            AnyValue::StringValue(text) => Some(text.clone()),
            AnyValue::IntValue(n) => Some(n.to_string()),
            _ => None,
        })
}

/// The request span whose `request_id` attribute is `id`, once exported.
async fn request_span(received: &Received, id: &str) -> (String, Span) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = received
            .lock()
            .expect("lock")
            .iter()
            .find(|(_, s)| s.name == "request" && attribute(s, "request_id").as_deref() == Some(id))
            .cloned();
        if let Some(found) = found {
            return found;
        }
        assert!(Instant::now() < deadline, "no request span for {id}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn traces_are_exported_and_continue_the_callers_trace(db: String) {
    let admin = acme_admin(&db, SECRET);
    let (received, url) = receiver().await;
    let mut cmd = journeygraph(&db, SECRET, "info");
    cmd.env("OTEL_BSP_SCHEDULE_DELAY", "100");
    let served = serve(
        cmd,
        &[
            "--otlp-endpoint",
            &url,
            "--otlp-service-name",
            "journeygraph-test",
        ],
    );
    let (mut child, port, logs) = (served.child, served.port, served.logs);
    // The access lines, read off the child's logs as they come.
    let lines: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in logs.lines().map_while(Result::ok) {
            if let Ok(entry) = serde_json::from_str::<Value>(&line) {
                sink.lock().expect("lock").push(entry);
            }
        }
    });

    let client = reqwest::Client::new();
    let post = |traceparent: Option<String>| {
        let mut request = client
            .post(format!("http://127.0.0.1:{port}/graphql"))
            .bearer_auth(&admin)
            .json(&json!({"query": "query Who { viewer { role } customers(first: 1) { totalCount } }"}));
        if let Some(tp) = traceparent {
            request = request.header("traceparent", tp);
        }
        request.send()
    };
    let continued = post(Some(format!("00-{TRACE_ID}-{PARENT_ID}-01")))
        .await
        .expect("send");
    assert_eq!(continued.status(), 200);
    let continued_id = continued.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    let own = post(None).await.expect("send");
    let own_id = own.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();

    // The caller's trace: same trace id, the caller's span as parent.
    let (service, span) = request_span(&received, &continued_id).await;
    assert_eq!(service, "journeygraph-test");
    assert_eq!(hex(&span.trace_id), TRACE_ID);
    assert_eq!(hex(&span.parent_span_id), PARENT_ID);
    assert_eq!(attribute(&span, "method").as_deref(), Some("POST"));
    assert_eq!(attribute(&span, "path").as_deref(), Some("/graphql"));
    assert_eq!(attribute(&span, "operation").as_deref(), Some("Who"));
    assert_eq!(attribute(&span, "operation_type").as_deref(), Some("query"));
    assert_eq!(attribute(&span, "org").as_deref(), Some("acme"));
    assert_eq!(attribute(&span, "trace_id").as_deref(), Some(TRACE_ID));
    // The work inside it is in the same trace, under the request.
    let request_span_id = span.span_id.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let children = received
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, s)| s.parent_span_id == request_span_id && hex(&s.trace_id) == TRACE_ID)
            .count();
        if children > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no span inside the request");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Without a traceparent: a root span of its own, whose id is logged.
    let (_, root) = request_span(&received, &own_id).await;
    assert!(root.parent_span_id.is_empty());
    let own_trace = hex(&root.trace_id);
    assert_ne!(own_trace, TRACE_ID);
    let access = |id: &str| {
        lines
            .lock()
            .expect("lock")
            .iter()
            .find(|l| l["span"]["request_id"] == id && l["fields"]["message"] == "request finished")
            .cloned()
    };
    assert_eq!(
        access(&continued_id).expect("access line")["span"]["trace_id"],
        TRACE_ID
    );
    assert_eq!(
        access(&own_id).expect("access line")["span"]["trace_id"],
        own_trace.as_str()
    );
    child.kill().expect("kill");
    let _ = child.wait();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_traces_are_exported_and_continue_the_callers_trace() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("otlp.db").display());
    traces_are_exported_and_continue_the_callers_trace(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_traces_are_exported_and_continue_the_callers_trace() {
    let Some(server) = common::postgres_url("postgres_traces_are_exported") else {
        return;
    };
    let db = common::fresh_postgres_database(&server).await;
    traces_are_exported_and_continue_the_callers_trace(db).await;
}
