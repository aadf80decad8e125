//! Hostile sockets on /graphql/ws: queries and mutations refused (the
//! socket carries subscriptions only), subscribes spending from the rate
//! limit, sockets that never send `connection_init` closed with 4408,
//! unauthenticated sockets per address capped, subscriptions per socket
//! capped, oversized messages refused. Each refusal has its exact code
//! and nothing is written.

mod common;

use common::TestApp;
use common::ws::{Client, TRANSPORT_WS};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ALERTS: &str = "subscription { frictionDetected { kind } }";

/// The first error answered for operation `id`: an `error` message (the
/// server refused the subscribe), or a `next` whose payload has errors
/// (async-graphql refused the document), which a `complete` follows.
async fn error_for(client: &mut Client, id: &str) -> Value {
    let answer = next_answer(client, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_eq!(answer["id"], id, "{answer}");
    match answer["type"].as_str() {
        Some("error") => answer["payload"][0].clone(),
        Some("next") => answer["payload"]["errors"][0].clone(),
        _ => panic!("not an error: {answer}"),
    }
}

/// The next message that is not a `complete`, or None when none comes.
async fn next_answer(client: &mut Client, wait: Duration) -> Option<Value> {
    loop {
        match client.next_message(wait).await? {
            Ok(message) if message["type"] == "complete" => continue,
            Ok(message) => return Some(message),
            Err(code) => panic!("the socket closed: {code:?}"),
        }
    }
}

#[tokio::test]
async fn the_socket_carries_subscriptions_only() {
    let app = TestApp::sqlite().await;
    let mut client = Client::authenticated(&app.base, &app.admin()).await;
    for (id, query) in [
        ("q", "{ viewer { organization } }"),
        (
            "m",
            r#"mutation { addInsight(text: "over the socket") { id } }"#,
        ),
        (
            "both",
            r#"subscription S { frictionDetected { kind } } mutation M { addInsight(text: "x") { id } }"#,
        ),
    ] {
        client
            .send(json!({"type": "subscribe", "id": id, "payload": {"query": query, "operationName": (id == "both").then_some("M")}}))
            .await;
        let error = error_for(&mut client, id).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["limit"], "socketOperation", "{error}");
    }
    assert_eq!(app.count("insight").await, 0, "nothing was written");
    // A subscription still runs on the same socket.
    client.subscribe("s", ALERTS).await;
    assert_eq!(
        next_answer(&mut client, Duration::from_millis(300)).await,
        None
    );
}

#[tokio::test]
async fn each_subscribe_spends_from_the_rate_limit() {
    let app = TestApp::sqlite_with(|s| {
        s.serve.rate_limit_per_second = 1;
        s.serve.rate_limit_burst = 2;
    })
    .await;
    let mut client = Client::authenticated(&app.base, &app.leader()).await;
    for id in ["1", "2", "3", "4", "5"] {
        client.subscribe(id, ALERTS).await;
    }
    // A burst of 2: by the fifth at the latest one is refused.
    let answer = next_answer(&mut client, Duration::from_secs(5))
        .await
        .expect("an answer");
    let error = &answer["payload"]["errors"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{answer}");
    assert!(
        error["extensions"]["retryAfter"].as_u64().is_some(),
        "{answer}"
    );
    // The same budget as HTTP: this person's next POSTs are refused too.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (status, _) = app
            .gql(
                Some(&app.leader()),
                "{ viewer { organization } }",
                json!({}),
            )
            .await;
        statuses.push(status);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_with_4408() {
    let app = TestApp::sqlite_with(|s| s.serve.alerts.ws_init_timeout_ms = 300).await;
    let mut client = Client::connect(&app.base, TRANSPORT_WS).await;
    let started = Instant::now();
    assert_eq!(
        client.next_message(Duration::from_secs(3)).await,
        Some(Err(Some(4408)))
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    // An initialised socket outlives the timeout.
    let mut ok = Client::authenticated(&app.base, &app.leader()).await;
    assert_eq!(ok.next_message(Duration::from_millis(600)).await, None);
}

/// The HTTP status of a WebSocket upgrade that was refused, or None.
async fn upgrade_refused(app: &TestApp) -> Option<u16> {
    let url = format!("{}/graphql/ws", app.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        TRANSPORT_WS.parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Some(response.status().as_u16())
        }
        Err(other) => panic!("unexpected failure: {other}"),
    }
}

#[tokio::test]
async fn unauthenticated_sockets_per_address_are_capped() {
    let app = TestApp::sqlite_with(|s| s.serve.alerts.max_pending_sockets_per_address = 3).await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(Client::connect(&app.base, TRANSPORT_WS).await);
    }
    assert_eq!(upgrade_refused(&app).await, Some(429));
    // A closed pending socket gives its slot back.
    drop(waiting.pop());
    until_upgrade_succeeds(&app).await;
    // A pending socket can still authenticate.
    let init = waiting[0]
        .init(json!({"Authorization": format!("Bearer {}", app.leader())}))
        .await;
    assert_eq!(init, common::ws::Init::Ack);
}

/// Waits until the server has seen a socket go and an upgrade succeeds
/// (that socket closes again at once).
async fn until_upgrade_succeeds(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while upgrade_refused(app).await.is_some() {
        assert!(Instant::now() < deadline, "the slot was not given back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn subscriptions_per_socket_are_capped() {
    let app = TestApp::sqlite_with(|s| s.serve.alerts.max_subscriptions_per_socket = 3).await;
    let mut client = Client::authenticated(&app.base, &app.leader()).await;
    for id in ["1", "2", "3"] {
        client.subscribe(id, ALERTS).await;
    }
    client.subscribe("4", ALERTS).await;
    let error = error_for(&mut client, "4").await;
    assert_eq!(
        error["extensions"]["limit"], "subscriptionsPerSocket",
        "{error}"
    );
    assert_eq!(
        error["message"],
        "this socket already runs 3 subscriptions, the limit; complete one first"
    );
    // Completing one makes room.
    client.send(json!({"type": "complete", "id": "1"})).await;
    client.subscribe("5", ALERTS).await;
    assert_eq!(
        next_answer(&mut client, Duration::from_millis(300)).await,
        None
    );
    client.subscribe("6", ALERTS).await;
    assert_eq!(
        error_for(&mut client, "6").await["extensions"]["limit"],
        "subscriptionsPerSocket"
    );
}

#[tokio::test]
async fn a_message_over_the_body_limit_closes_the_socket() {
    let app = TestApp::sqlite_with(|s| s.serve.limits.max_body_bytes = 10_000).await;
    let mut client = Client::authenticated(&app.base, &app.leader()).await;
    let query = format!(
        "subscription {{ frictionDetected {{ kind }} }} # {}",
        "x".repeat(20_000)
    );
    client
        .send(json!({"type": "subscribe", "id": "big", "payload": {"query": query}}))
        .await;
    // tungstenite refuses the frame: 1009 (message too big), or the
    // connection drops.
    match client.next_message(Duration::from_secs(3)).await {
        Some(Err(code)) => assert!(matches!(code, None | Some(1009)), "{code:?}"),
        other => panic!("the socket stayed open: {other:?}"),
    }
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "{ viewer { organization } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["organization"], "acme");
}
