//! `subscription { frictionDetected }` over a real WebSocket: credentials
//! checked at `connection_init` (4401 / 4403), signals raised at ingest
//! within a second, once per triggering record, never across
//! organizations; the sweep raises time-based signals once.

mod common;

use common::TestApp;
use common::ws::{Client, Init, LEGACY_WS, TRANSPORT_WS};
use journeygraph::service::alerts::sweep::sweep_once;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TICKETS: &str = "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created updated unchanged items { id } } }";
const FEEDBACK: &str =
    "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }";
const ALERTS: &str =
    "subscription { frictionDetected { id kind customerId subject trigger origin severity } }";
const QUIET: Duration = Duration::from_millis(700);

/// `hours` before now, RFC 3339.
fn ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339()
}

fn ticket(id: &str, customer: &str, channel: &str, hours_ago: i64) -> Value {
    json!({"source": "helpdesk", "externalId": id, "customer": {"source": "crm", "externalId": customer},
        "reason": "billing", "channel": channel, "priority": "HIGH", "team": "tier1", "openedAt": ago(hours_ago)})
}

/// Ingests tickets as `token`; the ids of the items.
async fn send_tickets(app: &TestApp, token: &str, tickets: Value) -> Vec<String> {
    let (_, body) = app
        .gql(Some(token), TICKETS, json!({"input": tickets}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["ingestTickets"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn signals_of(app: &TestApp, kind: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM friction_signal WHERE kind = '{kind}'"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

use sea_orm::ConnectionTrait;

async fn init_with(app: &TestApp, protocol: &'static str, payload: Value) -> Init {
    Client::connect(&app.base, protocol)
        .await
        .init(payload)
        .await
}

fn bearer(token: &str) -> Value {
    json!({"Authorization": format!("Bearer {token}")})
}

async fn credentials_are_checked_at_connection_init(app: TestApp) {
    let now = jsonwebtoken::get_current_timestamp();
    // Missing, malformed, never issued: 4401.
    assert_eq!(
        init_with(&app, TRANSPORT_WS, json!({})).await,
        Init::Closed(4401)
    );
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer("jg_not-a-token")).await,
        Init::Closed(4401)
    );
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &common::claims("acme", "LEADER", now, now + 600),
        &jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-some-other-secret-0000"),
    )
    .expect("sign");
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&forged)).await,
        Init::Closed(4401)
    );
    let expired = common::sign(&common::claims("acme", "LEADER", now - 7200, now - 3600));
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&expired)).await,
        Init::Closed(4401)
    );
    let mut claims = common::claims("acme", "LEADER", now, now + 600);
    claims.aud = "someone-else".into();
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&common::sign(&claims))).await,
        Init::Closed(4401)
    );
    // A revoked token: 4401 from the next connection on.
    let revoked = app.api_token(&["ANALYTICS_READ"], None).await;
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&revoked)).await,
        Init::Ack
    );
    app.revoke_token(&revoked).await;
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&revoked)).await,
        Init::Closed(4401)
    );
    // Valid but without the scope: 4403.
    let ingest_only = app.api_token(&["INGEST_WRITE"], None).await;
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&ingest_only)).await,
        Init::Closed(4403)
    );
    // Accepted: analytics:read tokens and people of any role, in any of the payload shapes.
    let analytics = app.api_token(&["ANALYTICS_READ"], None).await;
    assert_eq!(
        init_with(&app, TRANSPORT_WS, json!({"token": analytics})).await,
        Init::Ack
    );
    let agent = app.jwt("acme", "AGENT");
    assert_eq!(
        init_with(
            &app,
            TRANSPORT_WS,
            json!({"headers": {"Authorization": format!("Bearer {agent}")}})
        )
        .await,
        Init::Ack
    );
    // The legacy protocol: connection_error, then 4401.
    match init_with(&app, LEGACY_WS, bearer(&expired)).await {
        Init::Error(message, code) => {
            assert!(message.contains("expired"), "{message}");
            assert_eq!(code, Some(4401));
        }
        other => panic!("legacy refusal: {other:?}"),
    }
    assert_eq!(
        init_with(&app, LEGACY_WS, bearer(&app.leader())).await,
        Init::Ack
    );
    // Subscribing before the handshake: 4401.
    let mut early = Client::connect(&app.base, TRANSPORT_WS).await;
    early.subscribe("1", ALERTS).await;
    assert_eq!(
        early.next_message(Duration::from_secs(5)).await,
        Some(Err(Some(4401)))
    );
    // Over HTTP a subscription is refused as a request error.
    let (_, body) = app.gql(Some(&app.leader()), ALERTS, json!({})).await;
    assert!(body["errors"][0]["message"].is_string(), "{body}");
}

async fn repeat_contact_reaches_the_subscriber_within_a_second(app: TestApp) {
    let admin = app.admin();
    let mut acme = Client::authenticated(&app.base, &app.leader()).await;
    acme.subscribe("1", ALERTS).await;
    let mut other = Client::authenticated(&app.base, &app.jwt("other", "LEADER")).await;
    other.subscribe("1", ALERTS).await;
    // The legacy protocol receives the same signals.
    let mut legacy = Client::connect(&app.base, LEGACY_WS).await;
    assert_eq!(legacy.init(bearer(&app.leader())).await, Init::Ack);
    legacy.subscribe("7", ALERTS).await;
    // The first ticket raises nothing.
    send_tickets(&app, &admin, json!([ticket("T1", "C1", "email", 30)])).await;
    assert_eq!(acme.next_data(QUIET).await, None);
    // The second, same reason within 168 h: REPEAT_CONTACT, at once.
    let second = ticket("T2", "C1", "email", 2);
    let sent = Instant::now();
    let ids = send_tickets(&app, &admin, json!([second.clone()])).await;
    let data = acme
        .next_data(Duration::from_secs(1))
        .await
        .expect("the signal arrives within 1 s of the ingest");
    let waited = sent.elapsed();
    let alert = &data["frictionDetected"];
    assert_eq!(alert["kind"], "REPEAT_CONTACT", "{alert}");
    assert_eq!(alert["subject"], "billing");
    assert_eq!(alert["trigger"], format!("ticket:{}", ids[0]));
    assert_eq!(alert["origin"], "INGEST");
    assert_eq!(alert["severity"], 3);
    assert!(waited < Duration::from_secs(1), "{waited:?}");
    let legacy_data = legacy
        .next_data(Duration::from_secs(1))
        .await
        .expect("legacy");
    assert_eq!(legacy_data, data);
    // Re-sent unchanged, then re-sent resolved: no second signal.
    let (_, body) = app
        .gql(Some(&admin), TICKETS, json!({"input": [second.clone()]}))
        .await;
    assert_eq!(body["data"]["ingestTickets"]["unchanged"], 1, "{body}");
    let mut resolved = second;
    resolved["resolvedAt"] = json!(ago(1));
    send_tickets(&app, &admin, json!([resolved])).await;
    assert_eq!(acme.next_data(QUIET).await, None);
    assert_eq!(signals_of(&app, "REPEAT_CONTACT").await, 1);
    // Nothing of acme reached the other organization...
    assert_eq!(other.next_data(Duration::from_millis(100)).await, None);
    // ...and the other organization's own repeat (same partner keys) reaches only it.
    let other_admin = app.jwt("other", "ADMIN");
    send_tickets(
        &app,
        &other_admin,
        json!([
            ticket("T1", "C1", "email", 30),
            ticket("T2", "C1", "email", 2)
        ]),
    )
    .await;
    let theirs = other
        .next_data(Duration::from_secs(1))
        .await
        .expect("their signal");
    assert_eq!(theirs["frictionDetected"]["kind"], "REPEAT_CONTACT");
    assert_eq!(acme.next_data(QUIET).await, None);
}

async fn kinds_filter_channel_switch_and_low_satisfaction(app: TestApp) {
    let admin = app.admin();
    let mut client = Client::authenticated(&app.base, &app.leader()).await;
    client
        .subscribe("1", "subscription { frictionDetected(kinds: [CHANNEL_SWITCH, LOW_SATISFACTION]) { kind subject } }")
        .await;
    // email, then chat 8 h later: REPEAT_CONTACT (filtered out) and CHANNEL_SWITCH.
    send_tickets(
        &app,
        &admin,
        json!([
            ticket("T1", "C1", "email", 10),
            ticket("T2", "C1", "chat", 2)
        ]),
    )
    .await;
    let data = client
        .next_data(Duration::from_secs(1))
        .await
        .expect("switch");
    assert_eq!(
        data["frictionDetected"],
        json!({"kind": "CHANNEL_SWITCH", "subject": "email->chat"})
    );
    assert_eq!(client.next_data(QUIET).await, None);
    assert_eq!(signals_of(&app, "REPEAT_CONTACT").await, 1);
    let response = |id: &str, score: i32| {
        json!({"source": "surveys", "externalId": id,
        "customer": {"source": "crm", "externalId": "C1"}, "metric": "CSAT", "score": score, "occurredAt": ago(1)})
    };
    app.ingest(&admin, FEEDBACK, json!([response("F1", 5)]))
        .await;
    assert_eq!(client.next_data(QUIET).await, None);
    let furious = response("F2", 1);
    app.ingest(&admin, FEEDBACK, json!([furious.clone()])).await;
    let data = client
        .next_data(Duration::from_secs(1))
        .await
        .expect("low csat");
    assert_eq!(
        data["frictionDetected"],
        json!({"kind": "LOW_SATISFACTION", "subject": "CSAT"})
    );
    app.ingest(&admin, FEEDBACK, json!([furious])).await;
    assert_eq!(client.next_data(QUIET).await, None);
    assert_eq!(signals_of(&app, "LOW_SATISFACTION").await, 1);

    // Catching up: everything raised, newest first, paged by id.
    let recent = "query($first: Int!, $before: ID, $kinds: [FrictionKind!]) { frictionAlerts(first: $first, before: $before, kinds: $kinds) { id kind } }";
    let (_, body) = app
        .gql(Some(&app.jwt("acme", "AGENT")), recent, json!({"first": 2}))
        .await;
    let page = body["data"]["frictionAlerts"]
        .as_array()
        .expect("alerts")
        .clone();
    let kinds: Vec<&Value> = page.iter().map(|a| &a["kind"]).collect();
    assert_eq!(
        kinds,
        [&json!("LOW_SATISFACTION"), &json!("CHANNEL_SWITCH")],
        "{body}"
    );
    let (_, body) = app
        .gql(
            Some(&admin),
            recent,
            json!({"first": 2, "before": page[1]["id"]}),
        )
        .await;
    assert_eq!(
        body["data"]["frictionAlerts"][0]["kind"], "REPEAT_CONTACT",
        "{body}"
    );
    assert_eq!(
        body["data"]["frictionAlerts"].as_array().map(Vec::len),
        Some(1)
    );
    let (_, body) = app
        .gql(
            Some(&admin),
            recent,
            json!({"first": 10, "kinds": ["LOW_SATISFACTION"]}),
        )
        .await;
    assert_eq!(
        body["data"]["frictionAlerts"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    let (_, body) = app
        .gql(
            Some(&app.jwt("other", "ADMIN")),
            recent,
            json!({"first": 10}),
        )
        .await;
    assert_eq!(body["data"]["frictionAlerts"], json!([]), "{body}");
    let ingest_only = app.api_token(&["INGEST_WRITE"], None).await;
    let (_, body) = app
        .gql(Some(&ingest_only), recent, json!({"first": 10}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
}

async fn the_sweep_raises_time_based_signals_once(app: TestApp) {
    let admin = app.admin();
    let mut client = Client::authenticated(&app.base, &app.leader()).await;
    client
        .subscribe(
            "1",
            "subscription { frictionDetected { kind subject origin trigger } }",
        )
        .await;
    // Won 100 h ago, no onboarding touch since: past the 72 h handoff.
    app.ingest(&admin, "mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }", json!([
        {"source": "crm", "externalId": "D1", "customer": {"source": "crm", "externalId": "C1"},
         "owner": "ana", "stage": "won", "amount": 100.0, "openedAt": ago(300), "closedAt": ago(100), "outcome": "WON"},
        {"source": "crm", "externalId": "D2", "customer": {"source": "crm", "externalId": "C2"},
         "owner": "bo", "stage": "won", "amount": 100.0, "openedAt": ago(300), "closedAt": ago(10), "outcome": "WON"},
    ])).await;
    // Deals raise nothing at ingest.
    assert_eq!(client.next_data(QUIET).await, None);
    let raised = sweep_once(&app.db, &app.alerts.bus).await.expect("sweep");
    assert_eq!(raised, 1, "only D1 is overdue");
    let data = client
        .next_data(Duration::from_secs(1))
        .await
        .expect("handoff");
    assert_eq!(data["frictionDetected"]["kind"], "HANDOFF_DELAY");
    assert_eq!(data["frictionDetected"]["subject"], "ana");
    assert_eq!(data["frictionDetected"]["origin"], "SWEEP");
    assert!(
        data["frictionDetected"]["trigger"]
            .as_str()
            .expect("trigger")
            .starts_with("deal:")
    );
    assert_eq!(
        sweep_once(&app.db, &app.alerts.bus).await.expect("sweep"),
        0
    );
    assert_eq!(client.next_data(QUIET).await, None);
    assert_eq!(signals_of(&app, "HANDOFF_DELAY").await, 1);
}

async fn revoking_a_token_closes_its_open_socket(app: TestApp) {
    let token = app.api_token(&["ANALYTICS_READ"], None).await;
    let mut client = Client::authenticated(&app.base, &token).await;
    client.subscribe("1", ALERTS).await;
    // Still open across a recheck (every second in the tests).
    assert_eq!(client.next_message(Duration::from_millis(1500)).await, None);
    app.revoke_token(&token).await;
    assert_eq!(
        client.next_message(Duration::from_secs(3)).await,
        Some(Err(Some(4401)))
    );
}

#[tokio::test]
async fn a_credential_holds_a_bounded_number_of_sockets() {
    let app = TestApp::sqlite_with(|s| s.serve.alerts.max_sockets_per_principal = 2).await;
    let leader = app.leader();
    let first = Client::authenticated(&app.base, &leader).await;
    let _second = Client::authenticated(&app.base, &leader).await;
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&leader)).await,
        Init::Closed(4429)
    );
    // Another principal (another person) has its own count.
    let admin = app.person("acme", "ADMIN", "someone-else");
    assert_eq!(
        init_with(&app, TRANSPORT_WS, bearer(&admin)).await,
        Init::Ack
    );
    // A closed socket frees its slot.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(3);
    while init_with(&app, TRANSPORT_WS, bearer(&leader)).await != Init::Ack {
        assert!(Instant::now() < deadline, "the slot was not freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

on_both_databases!(
    revoking_a_token_closes_its_open_socket,
    credentials_are_checked_at_connection_init,
    repeat_contact_reaches_the_subscriber_within_a_second,
    kinds_filter_channel_switch_and_low_satisfaction,
    the_sweep_raises_time_based_signals_once,
);
