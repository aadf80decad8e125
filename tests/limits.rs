//! Query limits and HTTP rules: each refusal has its exact code (and
//! `extensions.limit`), and nothing executed — the refused requests are
//! mutations that would have written an insight, and the table stays empty.
//! The rules are the HTTP layer's, so one backend (SQLite) covers them.

mod common;

use common::TestApp;
use serde_json::{Value, json};

/// An app with small limits, so each is easy to cross.
async fn small_limits() -> TestApp {
    TestApp::sqlite_with(|s| {
        let l = &mut s.serve.limits;
        l.max_depth = 5;
        l.max_complexity = 60;
        l.max_aliases = 3;
        l.max_root_fields = 3;
        l.max_directives = 3;
        l.max_query_chars = 400;
        l.max_batch = 2;
        l.max_body_bytes = 2_000;
    })
    .await
}

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    accept: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(app.admin())
        .header("content-type", content_type)
        .header("accept", accept)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// POST a JSON body as `application/json`.
async fn post_json(app: &TestApp, body: &Value) -> reqwest::Response {
    post_raw(
        app,
        "application/json",
        "application/json",
        body.to_string(),
    )
    .await
}

/// Sends `query`; asserts BAD_USER_INPUT with `limit` and that no insight was written.
async fn refused(app: &TestApp, query: &str, limit: &str) {
    let (status, body) = app.gql(Some(&app.admin()), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["limit"], limit, "{body}");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        app.count("insight").await,
        0,
        "{limit}: something was written"
    );
}

#[tokio::test]
async fn each_document_limit_refuses_before_execution() {
    let app = small_limits().await;
    // Depth 6 > 5.
    refused(&app, r#"mutation { addInsight(text: "d") { customer { journey(first: 1) { edges { node { id } } } } } }"#, "depth").await;
    // Complexity: journey(first: 100) costs 100 x its children > 60.
    refused(
        &app,
        r#"mutation { addInsight(text: "c") { customer { journey(first: 100) { edges { cursor } } } } }"#,
        "complexity",
    )
    .await;
    // 4 aliases > 3.
    refused(
        &app,
        r#"mutation { a: addInsight(text: "1") { id } b: addInsight(text: "2") { id } c: addInsight(text: "3") { id } d: addInsight(text: "4") { id } }"#,
        "aliases",
    )
    .await;
    // 4 root fields > 3 (no aliases).
    refused(
        &app,
        r#"mutation { addInsight(text: "r") { id } voteInsight(id: "1") { id } revokeApiToken(id: "1") { id } mergeCustomers(survivorId: "1", mergedId: "2") { survivor { id } } }"#,
        "rootFields",
    )
    .await;
    // 4 directives > 3.
    refused(
        &app,
        r#"mutation { addInsight(text: "x") @include(if: true) { id @skip(if: false) text @skip(if: false) votes @skip(if: false) } }"#,
        "directives",
    )
    .await;
    // 401 characters > 400.
    let long = format!(
        r#"mutation {{ addInsight(text: "{}") {{ id }} }}"#,
        "x".repeat(370)
    );
    assert!(long.chars().count() > 400);
    refused(&app, &long, "queryLength").await;
    // Within every limit the same kind of request runs.
    let (_, ok) = app
        .gql(
            Some(&app.admin()),
            r#"mutation { addInsight(text: "fine") { id } }"#,
            json!({}),
        )
        .await;
    assert!(ok["errors"].is_null(), "{ok}");
    assert_eq!(app.count("insight").await, 1);
}

#[tokio::test]
async fn first_is_bounded_everywhere() {
    let app = TestApp::sqlite().await;
    for query in [
        "{ customers(first: 101) { edges { node { id } } } }",
        "{ customers(first: 0) { edges { node { id } } } }",
        "{ outreachTasks(first: 101) { edges { node { id } } } }",
        "{ insights(first: -1) { edges { node { id } } } }",
    ] {
        let (_, body) = app.gql(Some(&app.admin()), query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["path"], "first",
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn oversized_bodies_and_batches_are_refused() {
    let app = small_limits().await;
    let mutation = |text: &str| json!({"query": format!(r#"mutation {{ addInsight(text: "{text}") {{ id }} }}"#)});
    // 413 above 2,000 bytes, before any parsing.
    let big = json!({"query": r#"mutation($t: String!) { addInsight(text: $t) { id } }"#, "variables": {"t": "y".repeat(2_100)}});
    let response = post_json(&app, &big).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["path"], "body", "{body}");
    // A batch of 3 > 2: 400, nothing runs.
    let batch = json!([mutation("1"), mutation("2"), mutation("3")]);
    let response = post_json(&app, &batch).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "batch", "{body}");
    assert_eq!(app.count("insight").await, 0);
    // A batch of 2 runs both.
    let batch = json!([mutation("1"), mutation("2")]);
    let response = post_json(&app, &batch).await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(app.count("insight").await, 2);
}

#[tokio::test]
async fn http_rules_content_type_get_and_accept() {
    let app = small_limits().await;
    let mutation = json!({"query": r#"mutation { addInsight(text: "form") { id } }"#}).to_string();
    // Anything but application/json is 415: a browser form cannot post a mutation.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = post_raw(&app, content_type, "application/json", mutation.clone()).await;
        assert_eq!(response.status(), 415, "{content_type}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    // charset parameters are fine.
    let response = post_raw(
        &app,
        "application/json; charset=utf-8",
        "application/json",
        mutation.clone(),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.count("insight").await, 1);

    let get = |query: &str| {
        app.client
            .get(format!("{}/graphql", app.base))
            .query(&[("query", query)])
            .bearer_auth(app.admin())
            .send()
    };
    // GET runs queries ...
    let response = get("{ viewer { role } }").await.expect("get");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    // ... never mutations: 405 with Allow: POST, nothing written.
    let response = get(r#"mutation { addInsight(text: "via get") { id } }"#)
        .await
        .expect("get");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(app.count("insight").await, 1);

    // The response media type follows Accept; with graphql-response+json a
    // request that fails before execution is 400, with application/json 200.
    let broken = json!({"query": "{ viewer { "}).to_string();
    let response = post_raw(
        &app,
        "application/json",
        "application/graphql-response+json",
        broken.clone(),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/graphql-response+json"
    );
    let response = post_raw(&app, "application/json", "application/json", broken).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn cors_answers_only_allowed_origins() {
    let app = small_limits().await;
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com")
        .await
        .expect("preflight");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let other = preflight("https://evil.example").await.expect("preflight");
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // None configured: no CORS headers at all.
    let closed = TestApp::sqlite_with(|s| s.serve.cors_origins.clear()).await;
    let response = closed
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", closed.base))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off_without_suggestions() {
    let app = TestApp::sqlite_with(|s| {
        s.serve.no_introspection = true;
        s.serve.no_graphiql = true;
    })
    .await;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "{ __schema { types { name } } }",
            json!({}),
        )
        .await;
    // Disabled introspection answers null: no type leaks.
    assert_eq!(body["data"]["__schema"], Value::Null, "{body}");
    assert!(!body.to_string().contains("QueryRoot"), "{body}");
    let (_, typo) = app
        .gql(Some(&app.leader()), "{ viewr { role } }", json!({}))
        .await;
    let text = typo.to_string();
    assert!(!text.to_lowercase().contains("did you mean"), "{text}");
    assert_eq!(
        typo["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    // GraphiQL is gone; the console is switched off on its own (pages.rs).
    for path in ["/graphiql", "/graphiql/assets/boot.js"] {
        let graphiql = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(graphiql.status(), 404, "{path}");
    }
    // On by default.
    let dev = TestApp::sqlite().await;
    let (_, schema) = dev
        .gql(
            Some(&dev.leader()),
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        schema["data"]["__schema"]["queryType"]["name"], "QueryRoot",
        "{schema}"
    );
}

#[tokio::test]
async fn a_flooding_principal_is_rate_limited_alone() {
    let app = TestApp::sqlite_with(|s| {
        s.serve.rate_limit_per_second = 1;
        s.serve.rate_limit_burst = 2;
    })
    .await;
    let add = r#"mutation { addInsight(text: "again") { id } }"#;
    for _ in 0..2 {
        let (status, body) = app.gql(Some(&app.admin()), add, json!({})).await;
        assert_eq!(status, 200, "{body}");
    }
    // The third within the second is refused before it runs.
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(app.admin())
        .json(&json!({"query": add}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 1);
    assert_eq!(app.count("insight").await, 2);

    // While it floods, another person and another organization are served.
    let app = &app;
    let admin = app.admin();
    let flood: Vec<_> = (0..50)
        .map(|_| app.gql(Some(&admin), "{ viewer { role } }", json!({})))
        .collect();
    let tokens = [
        app.person("acme", "LEADER", "someone-else"),
        app.jwt("other", "ADMIN"),
    ];
    let others: Vec<_> = tokens
        .iter()
        .map(|token| app.gql(Some(token), "{ viewer { role } }", json!({})))
        .collect();
    let (flooded, served) = tokio::join!(
        futures::future::join_all(flood),
        futures::future::join_all(others)
    );
    assert!(flooded.iter().all(|(status, _)| *status == 429));
    assert!(
        served.iter().all(|(status, _)| *status == 200),
        "{served:?}"
    );
}

#[tokio::test]
async fn past_the_deadline_the_answer_is_timeout_and_nothing_is_half_written() {
    let app = TestApp::sqlite_with(|s| s.serve.request_timeout_ms = 1).await;
    let tickets: Vec<Value> = (0..1_000)
        .map(|i| {
            json!({"source": "helpdesk", "externalId": format!("T{i}"), "customer": {"source": "crm", "externalId": format!("C{}", i % 50)},
                "reason": "login", "channel": "chat", "priority": "LOW", "team": "tier1", "openedAt": "2026-01-05T00:00:00Z"})
        })
        .collect();
    let (status, body) = app
        .gql(
            Some(&app.admin()),
            "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
            json!({"input": tickets}),
        )
        .await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
    // The batch is one transaction: dropped at the deadline, it left nothing.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let stored = app.count("ticket").await;
    assert!(
        stored == 0 || stored == 1_000,
        "half a batch stored: {stored}"
    );
}

/// Headers over 64 KiB: 431 with the JSON error, before the credential is
/// read (a 1 MB Authorization header). Only what does not fit hyper's 2 MiB
/// buffer gets its bare 431. The same process answers afterwards.
#[tokio::test]
async fn oversized_headers_are_refused_with_a_json_error() {
    let app = small_limits().await;
    let ask = |authorization: String| {
        app.client
            .post(format!("{}/graphql", app.base))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
    };
    let response = ask(format!("Bearer {}", "a".repeat(1_000_000)))
        .await
        .expect("answered");
    assert_eq!(response.status(), 431);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["path"], "headers", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 65536")),
        "{body}"
    );

    let many = (0..200).fold(
        app.client.get(format!("{}/healthz", app.base)),
        |request, i| request.header(format!("x-filler-{i}"), "b".repeat(400)),
    );
    let response = many.send().await.expect("answered");
    assert_eq!(response.status(), 431, "80 KB over 200 headers");

    match ask(format!("Bearer {}", "a".repeat(3 << 20))).await {
        Ok(response) => assert_eq!(response.status(), 431, "past hyper's buffer"),
        Err(err) => assert!(err.is_request(), "closed while sending: {err}"),
    }
    let (status, body) = app
        .gql(Some(&app.admin()), "{ __typename }", json!({}))
        .await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("QueryRoot"))
    );
}

/// A client that does not finish its headers within
/// `--header-read-timeout-ms` loses the connection.
#[tokio::test]
async fn slow_headers_lose_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::sqlite_with(|s| s.serve.header_read_timeout_ms = 300).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    socket
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: app")
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        socket.read_to_end(&mut buffer),
    )
    .await
    .expect("closed well before 5 s");
    // Ok (end of stream) or Err (reset): either way the server closed it.
    drop(read);
    assert!(started.elapsed() >= std::time::Duration::from_millis(250));
    assert!(
        buffer.is_empty() || String::from_utf8_lossy(&buffer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buffer)
    );
    let (status, _) = app
        .gql(Some(&app.admin()), "{ __typename }", json!({}))
        .await;
    assert_eq!(status, 200, "a complete request is served");
}

/// GraphQL over HTTP: a body without a query is not a GraphQL request
/// (HTTP 400, path naming it), alone or inside a batch, and nothing runs.
#[tokio::test]
async fn a_body_without_a_query_is_400() {
    let app = small_limits().await;
    for (body, path) in [
        (json!({}), "query"),
        (json!({"variables": {"a": 1}}), "query"),
        (json!({"query": "   "}), "query"),
        (
            json!([{"query": r#"mutation { addInsight(text: "x") { id } }"#}, {"operationName": "A"}]),
            "[1].query",
        ),
    ] {
        let response = post_raw(
            &app,
            "application/json",
            "application/json",
            body.to_string(),
        )
        .await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.expect("json");
        assert_eq!(
            (
                &answer["errors"][0]["extensions"]["code"],
                &answer["errors"][0]["extensions"]["path"]
            ),
            (&json!("BAD_USER_INPUT"), &json!(path)),
            "{body}: {answer}"
        );
    }
    assert_eq!(
        app.count("insight").await,
        0,
        "the batch's mutation did not run"
    );
}
