//! Outbound webhooks against a loopback receiver: signed deliveries that
//! verify, a retry after a 500 that then succeeds (re-signed), the attempt
//! log, replay, exhaustion, and refusals at creation.

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::TestApp;
use journeygraph::service::webhooks::signature;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TICKETS: &str =
    "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";
const CREATE: &str = "mutation($url: String!, $kinds: [FrictionKind!]) { createWebhook(url: $url, kinds: $kinds) { secret webhook { id url kinds } } }";
const DELIVERIES: &str = "{ webhooks { id deliveries { id status attemptCount lastStatusCode replayOf payload attempts { attempt statusCode error } } } }";

/// One request the receiver got.
struct Hit {
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

/// A loopback HTTP receiver answering the scripted statuses (then 200).
#[derive(Clone)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    url: String,
}

impl Receiver {
    async fn start(script: &[u16]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://127.0.0.1:{}/hooks/jg",
            listener.local_addr().expect("addr").port()
        );
        let receiver = Receiver {
            hits: Arc::default(),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            url,
        };
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hooks/jg",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.hits.lock().expect("lock").push(Hit {
                        headers,
                        body,
                        at: Instant::now(),
                    });
                    let status = state
                        .script
                        .lock()
                        .expect("lock")
                        .pop_front()
                        .unwrap_or(200);
                    StatusCode::from_u16(status).expect("status")
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    fn count(&self) -> usize {
        self.hits.lock().expect("lock").len()
    }

    /// Waits (at most `limit`) until `n` requests arrived.
    async fn wait_for(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.count() < n {
            assert!(
                Instant::now() < deadline,
                "only {} of {n} requests arrived",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn header(&self, i: usize, name: &str) -> String {
        self.hits.lock().expect("lock")[i].headers[name]
            .to_str()
            .expect("text")
            .to_owned()
    }
}

fn ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339()
}

fn ticket(id: &str, hours_ago: i64) -> Value {
    json!({"source": "helpdesk", "externalId": id, "customer": {"source": "crm", "externalId": "C1"},
        "reason": "billing", "channel": "email", "priority": "HIGH", "team": "tier1", "openedAt": ago(hours_ago)})
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

async fn create(app: &TestApp, url: &str, kinds: Value) -> (String, String) {
    let (_, body) = app
        .gql(
            Some(&app.admin()),
            CREATE,
            json!({"url": url, "kinds": kinds}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let created = &body["data"]["createWebhook"];
    (
        created["webhook"]["id"].as_str().expect("id").to_owned(),
        created["secret"].as_str().expect("secret").to_owned(),
    )
}

/// The deliveries of the first webhook, newest first.
async fn deliveries(app: &TestApp) -> Vec<Value> {
    let (_, body) = app.gql(Some(&app.admin()), DELIVERIES, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["webhooks"][0]["deliveries"]
        .as_array()
        .expect("deliveries")
        .clone()
}

/// The delivery log once the newest delivery is no longer PENDING (the
/// receiver can have a request before the server has recorded its answer).
async fn settled(app: &TestApp) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = deliveries(app).await;
        if log[0]["status"] != "PENDING" || Instant::now() > deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn signed_retried_after_a_500_and_replayed(app: TestApp) {
    let receiver = Receiver::start(&[500]).await;
    let (_, secret) = create(&app, &receiver.url, json!(["REPEAT_CONTACT"])).await;
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let admin = app.admin();
    app.ingest(&admin, TICKETS, json!([ticket("T1", 30), ticket("T2", 2)]))
        .await;
    // A LOW_SATISFACTION signal: not a kind this webhook wants.
    app.ingest(&admin, "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }",
        json!([{"source": "surveys", "externalId": "F1", "customer": {"source": "crm", "externalId": "C1"},
                "metric": "CSAT", "score": 1, "occurredAt": ago(1)}])).await;

    // The first attempt gets a 500; the retry, 1 s later (the tests' base), a 200.
    receiver.wait_for(2, Duration::from_secs(10)).await;
    let now = chrono::Utc::now().timestamp();
    {
        let hits = receiver.hits.lock().expect("lock");
        assert_eq!(hits[0].body, hits[1].body, "the same body on every attempt");
        assert!(hits[1].at - hits[0].at >= Duration::from_millis(900));
        for hit in hits.iter() {
            let header = hit.headers[signature::HEADER].to_str().expect("text");
            assert!(
                signature::verify(&secret, header, &hit.body, now, 300),
                "{header}"
            );
            assert!(!signature::verify(
                "whsec_wrong",
                header,
                &hit.body,
                now,
                300
            ));
        }
        let body: Value = serde_json::from_slice(&hits[0].body).expect("json");
        assert_eq!(body["event"], "friction.detected");
        assert_eq!(body["signal"]["kind"], "REPEAT_CONTACT");
        assert_eq!(body["signal"]["subject"], "billing");
        assert_eq!(body["signal"]["origin"], "INGEST");
    }
    // Re-signed: each attempt carries its own timestamp.
    assert_ne!(
        receiver.header(0, signature::HEADER),
        receiver.header(1, signature::HEADER)
    );
    assert_eq!(
        receiver.header(0, "journeygraph-delivery"),
        receiver.header(1, "journeygraph-delivery")
    );
    assert_eq!(receiver.header(0, "journeygraph-attempt"), "1");
    assert_eq!(receiver.header(1, "journeygraph-attempt"), "2");

    let log = settled(&app).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], "DELIVERED");
    assert_eq!(log[0]["attemptCount"], 2);
    assert_eq!(log[0]["lastStatusCode"], 200);
    assert_eq!(
        log[0]["attempts"],
        json!([
            {"attempt": 1, "statusCode": 500, "error": "the receiver answered 500 Internal Server Error"},
            {"attempt": 2, "statusCode": 200, "error": null},
        ])
    );

    // Replay: a new delivery of the same body.
    let original = log[0]["id"].clone();
    let (_, body) = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status replayOf } }",
            json!({"id": original}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let replay = &body["data"]["replayWebhookDelivery"];
    assert_eq!(replay["status"], "PENDING");
    assert_eq!(replay["replayOf"], original);
    receiver.wait_for(3, Duration::from_secs(5)).await;
    assert_eq!(
        receiver.header(2, "journeygraph-delivery"),
        replay["id"].as_str().expect("id")
    );
    {
        let hits = receiver.hits.lock().expect("lock");
        assert_eq!(hits[2].body, hits[0].body);
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.count(), 3, "nothing else was sent");
    let log = deliveries(&app).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status"], "DELIVERED");
    assert_eq!(log[0]["replayOf"], original);
}

async fn a_receiver_that_keeps_failing_exhausts_the_attempts(app: TestApp) {
    let receiver = Receiver::start(&[500, 503, 500, 500]).await;
    create(&app, &receiver.url, json!(null)).await;
    app.ingest(
        &app.admin(),
        TICKETS,
        json!([ticket("T1", 30), ticket("T2", 2)]),
    )
    .await;
    // Attempts at 0, +1 s, +2 s (base 1 s, doubling); the tests allow 3.
    receiver.wait_for(3, Duration::from_secs(10)).await;
    let log = settled(&app).await;
    assert_eq!(log[0]["status"], "FAILED", "{log:?}");
    assert_eq!(log[0]["attemptCount"], 3);
    assert_eq!(log[0]["lastStatusCode"], 500);
    let codes: Vec<&Value> = log[0]["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["statusCode"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(503), &json!(500)]);
    {
        let hits = receiver.hits.lock().expect("lock");
        assert!(
            hits[2].at - hits[1].at >= Duration::from_millis(1900),
            "the wait doubles"
        );
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.count(), 3);
}

async fn bad_urls_and_callers_are_refused(app: TestApp) {
    let admin = app.admin();
    for url in [
        "not a url",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "mailto:ops@example.com",
    ] {
        let (_, body) = app.gql(Some(&admin), CREATE, json!({"url": url})).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .expect("message")
                .starts_with("url: "),
            "{body}"
        );
    }
    let (_, body) = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"url": "https://example.com/h", "kinds": []}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(app.count("webhook").await, 0);
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            CREATE,
            json!({"url": "https://example.com/h"}),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let token = app
        .api_token(&["ANALYTICS_READ", "INGEST_WRITE"], None)
        .await;
    let (_, body) = app
        .gql(
            Some(&token),
            CREATE,
            json!({"url": "https://example.com/h"}),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let (_, body) = app.gql(Some(&token), DELIVERIES, json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    // Another organization sees none of acme's webhooks and cannot touch them.
    let (id, _) = create(&app, "https://example.com/h", json!(null)).await;
    let other = app.jwt("other", "ADMIN");
    let (_, body) = app
        .gql(Some(&other), "{ webhooks { id } }", json!({}))
        .await;
    assert_eq!(body["data"]["webhooks"], json!([]), "{body}");
    let (_, body) = app
        .gql(
            Some(&other),
            "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let (_, body) = app
        .gql(
            Some(&other),
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }",
            json!({"id": journeygraph::global_id::encode(journeygraph::global_id::Kind::WebhookDelivery, 1)}),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // Deleted: listed with deletedAt, and nothing is queued for it any more.
    let (_, body) = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteWebhook(id: $id) { deletedAt } }",
            json!({"id": id}),
        )
        .await;
    assert!(
        body["data"]["deleteWebhook"]["deletedAt"].is_string(),
        "{body}"
    );
    app.ingest(&admin, TICKETS, json!([ticket("T1", 30), ticket("T2", 2)]))
        .await;
    assert_eq!(app.count("webhook_delivery").await, 0);
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let app = TestApp::sqlite_with(|s| s.serve.alerts.webhook_allow_private = false).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/",
    ] {
        let (_, body) = app
            .gql(Some(&app.admin()), CREATE, json!({"url": url}))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{url}: {body}");
    }
    let (_, body) = app
        .gql(
            Some(&app.admin()),
            CREATE,
            json!({"url": "https://hooks.example.com/jg"}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

on_both_databases!(
    signed_retried_after_a_500_and_replayed,
    a_receiver_that_keeps_failing_exhausts_the_attempts,
    bad_urls_and_callers_are_refused,
);
