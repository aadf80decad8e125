//! Hostile query text: argument values and selection sets nested far past
//! the limit, on GET (with and without a credential), POST and the
//! subscription socket, at depths up to the query length limit and past
//! it. Each depth is answered with its exact refusal (or, within the
//! limit, the parser's and validation's answer), nothing is written, and
//! the same server answers afterwards. Also: the standard introspection
//! query passes the default limits while a data query as deep does not.

mod common;

use common::TestApp;
use common::ws::Client;
use serde_json::{Value, json};
use std::time::Duration;

/// The default nesting limit, and the query length limit.
const MAX_NESTING: usize = 64;
const MAX_QUERY_CHARS: usize = 15_000;

/// Three ways to nest brackets `depth` deep in one query: an argument's
/// list of lists, its object of objects, and selection sets.
fn hostile(shape: &str, depth: usize) -> String {
    let inner = depth - 3;
    match shape {
        "lists" => format!(
            "{{ customers(first: 1, filter: {{search: {}1{}}}) {{ edges {{ cursor }} }} }}",
            "[".repeat(inner),
            "]".repeat(inner)
        ),
        "objects" => format!(
            "{{ customers(first: 1, filter: {{search: {}1{}}}) {{ edges {{ cursor }} }} }}",
            "{a:".repeat(inner),
            "}".repeat(inner)
        ),
        // `{`, `{` of customers, then the nested selections.
        _ => format!(
            "{{ customers(first: 1) {{ edges {}cursor{} }} }}",
            "{ node ".repeat(inner + 1),
            " }".repeat(inner + 1)
        ),
    }
}

/// The limit a refusal should name, if the text is refused before parsing.
fn expected_limit(query: &str, depth: usize) -> Option<&'static str> {
    if query.chars().count() > MAX_QUERY_CHARS {
        Some("queryLength")
    } else if depth > MAX_NESTING {
        Some("nesting")
    } else {
        None
    }
}

fn assert_answer(body: &Value, query: &str, depth: usize, what: &str) {
    let error = &body["errors"][0];
    let code = &error["extensions"]["code"];
    match expected_limit(query, depth) {
        Some(limit) => {
            assert_eq!(code, "BAD_USER_INPUT", "{what} at depth {depth}: {body}");
            assert_eq!(
                error["extensions"]["limit"], limit,
                "{what} at depth {depth}: {body}"
            )
        }
        // Parsed and refused: by the depth limit, or by validation (a list
        // is no String, an object no String, and `node` has no field `node`).
        None => assert!(
            (code == "BAD_USER_INPUT" && error["extensions"]["limit"] == "depth")
                || code == "GRAPHQL_VALIDATION_FAILED"
                || (code == "BAD_USER_INPUT" && error["extensions"]["limit"].is_null()),
            "{what} at depth {depth}: {body}"
        ),
    }
    assert!(body["data"].is_null(), "{what} at depth {depth}: {body}");
}

const DEPTHS: [usize; 8] = [10, 63, 64, 65, 500, 2_000, 7_000, 100_000];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nesting_on_every_path_is_refused_and_the_server_keeps_answering() {
    let app = TestApp::sqlite().await;
    let leader = app.leader();
    let mut tried = 0;
    for shape in ["lists", "objects", "selections"] {
        for depth in DEPTHS {
            let query = hostile(shape, depth);
            // POST with a credential.
            let (status, body) = app.gql(Some(&leader), &query, json!({})).await;
            assert_eq!(status, 200);
            assert_answer(&body, &query, depth, &format!("POST {shape}"));
            tried += 1;
            // GET without a credential: refused before anything parses.
            let url = reqwest::Url::parse_with_params(
                &format!("{}/graphql", app.base),
                [("query", query.as_str())],
            )
            .expect("url");
            // A URL past 64 KB is not a URL an HTTP client sends.
            if url.as_str().len() < 60_000 {
                let anonymous = app.client.get(url.clone()).send().await.expect("get");
                let status = anonymous.status().as_u16();
                let body: Value = anonymous.json().await.expect("json");
                assert_eq!(status, 401, "GET {shape} {depth}: {body}");
                assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
                // GET with a credential: the same answer as POST.
                let response = app
                    .client
                    .get(url)
                    .bearer_auth(&leader)
                    .send()
                    .await
                    .expect("get");
                let body: Value = response.json().await.expect("json");
                assert_answer(&body, &query, depth, &format!("GET {shape}"));
                tried += 2;
            }
        }
    }
    // The subscription socket: the same texts as subscriptions.
    let mut socket = Client::authenticated(&app.base, &leader).await;
    for shape in ["lists", "objects", "selections"] {
        for depth in DEPTHS.into_iter().filter(|d| *d < 100_000) {
            let query = format!("subscription {}", hostile(shape, depth));
            let id = format!("{shape}{depth}");
            socket
                .send(json!({"type": "subscribe", "id": id, "payload": {"query": query}}))
                .await;
            let answer = loop {
                let message = socket
                    .next_message(Duration::from_secs(5))
                    .await
                    .expect("an answer")
                    .expect("the socket stays open");
                if message["type"] != "complete" {
                    break message;
                }
            };
            assert_eq!(answer["id"], id.as_str(), "{answer}");
            // Refused as the document is read: a result with errors only.
            assert_eq!(answer["type"], "next", "{answer}");
            let body = answer["payload"].clone();
            assert_answer(&body, &query, depth, &format!("socket {shape}"));
            tried += 1;
        }
    }
    eprintln!("hostile nesting: {tried} requests over POST, GET and the socket");
    assert_eq!(tried, 83, "24 POST, 19 GET pairs, 21 socket");
    // The same server, still answering.
    let (_, body) = app
        .gql(Some(&leader), "{ viewer { organization } }", json!({}))
        .await;
    assert_eq!(body["data"]["viewer"]["organization"], "acme", "{body}");
    assert_eq!(app.count("insight").await, 0);
}

#[tokio::test]
async fn introspection_passes_the_default_limits_and_data_queries_do_not_get_its_depth() {
    let app = TestApp::sqlite().await;
    let introspection = include_str!("fixtures/introspection.graphql");
    let (status, body) = app.gql(Some(&app.leader()), introspection, json!({})).await;
    assert_eq!(status, 200);
    assert!(body["errors"].is_null(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Customer"), "{body}");
    // Thirteen fields deep in data: refused under the default 12.
    let deep = format!("{{ viewer {}org{} }}", "{ org ".repeat(12), " }".repeat(12));
    let (_, body) = app.gql(Some(&app.leader()), &deep, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["limit"], "depth", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "the query nests 13 fields deep; the limit is 12"
    );
}
