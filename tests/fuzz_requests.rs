//! Fuzzing the path from request bytes to a validated document, on each
//! way in: a POST body, a GET query string, a WebSocket message. The corpus
//! is one operation per root field of `schema.graphql` (see `seeds`),
//! mutated by `mutate` (edits, splices, bracket runs of up to 3,000,
//! extreme values). Every answer must be a client error or a result: no
//! 5xx, no INTERNAL, no socket closed as an internal error, and the server
//! keeps answering.
//!
//! In `cargo test` each path runs a fixed number of cases from a fixed seed.
//! `JOURNEYGRAPH_FUZZ_SECS=600` runs each path for that long instead (with
//! `-- --test-threads=3` all three at once; the harness otherwise runs one
//! test per core, and on two cores the third path waits its turn), and
//! `JOURNEYGRAPH_FUZZ_SEED=n` picks another seed; a finding prints the seed
//! and case number that replays it.

mod common;
#[path = "fuzz_requests/mutate.rs"]
mod mutate;
#[path = "fuzz_requests/seeds.rs"]
mod seeds;

use common::TestApp;
use common::ws::{Client, Init, TRANSPORT_WS};
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Cases per path in `cargo test`.
const CASES: usize = 1_500;

/// How long (or how many cases) each path runs, and from which seed.
struct Budget {
    seed: u64,
    until: Option<Instant>,
}

impl Budget {
    fn from_env() -> Budget {
        let seed = std::env::var("JOURNEYGRAPH_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_261_203);
        let until = std::env::var("JOURNEYGRAPH_FUZZ_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(|secs| Instant::now() + Duration::from_secs(secs));
        Budget { seed, until }
    }

    fn more(&self, case: usize) -> bool {
        match self.until {
            Some(until) => Instant::now() < until,
            None => case < CASES,
        }
    }
}

/// What one path saw: answers by kind, and anything that broke a rule.
#[derive(Default)]
struct Tally {
    answers: BTreeMap<String, usize>,
    findings: Vec<String>,
}

impl Tally {
    fn saw(&mut self, kind: impl Into<String>) {
        *self.answers.entry(kind.into()).or_default() += 1;
    }

    fn finding(&mut self, seed: u64, case: usize, what: String, input: &[u8]) {
        if self.findings.len() < 20 {
            let input = String::from_utf8_lossy(input);
            let shown: String = input.chars().take(300).collect();
            self.findings
                .push(format!("seed {seed} case {case}: {what}; input {shown:?}"));
        }
    }

    fn report(&self, path: &str, cases: usize, started: Instant) {
        println!(
            "{path}: {cases} cases in {:.0} s; answers {:?}",
            started.elapsed().as_secs_f64(),
            self.answers
        );
        assert!(
            self.findings.is_empty(),
            "{path}: {} findings:\n{}",
            self.findings.len(),
            self.findings.join("\n")
        );
    }
}

/// Whether an HTTP answer is one a client error or a result may have.
fn judge_http(status: u16, body: &[u8]) -> Result<String, String> {
    if !matches!(status, 200 | 400 | 401 | 405 | 413 | 415 | 431) {
        return Err(format!("HTTP {status}"));
    }
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| format!("HTTP {status} without a JSON body ({e})"))?;
    judge_errors(&body["errors"]).map(|code| format!("{status} {code}"))
}

/// The first error's code, unless an error has none or is INTERNAL.
fn judge_errors(errors: &Value) -> Result<String, String> {
    let Some(errors) = errors.as_array() else {
        return Ok("data".into());
    };
    let mut first = None;
    for error in errors {
        let code = error["extensions"]["code"].as_str().unwrap_or("none");
        if code == "INTERNAL" || code == "none" {
            return Err(format!("error {code}: {}", error["message"]));
        }
        first.get_or_insert(code.to_owned());
    }
    Ok(first.unwrap_or_else(|| "data".into()))
}

/// `{ __typename }` still answers.
async fn alive(app: &TestApp) {
    let (status, body) = app
        .gql(Some(&app.admin()), "{ __typename }", json!({}))
        .await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("QueryRoot")),
        "the server stopped answering"
    );
}

fn seeds_and_rng(budget: &Budget, salt: u64) -> (Vec<String>, ChaCha8Rng) {
    let seeds = seeds::operations();
    assert!(seeds.len() > 30, "a seed per root field: {}", seeds.len());
    (seeds, ChaCha8Rng::seed_from_u64(budget.seed ^ salt))
}

#[tokio::test]
async fn post_bodies_answer_client_errors_or_results() {
    let app = TestApp::sqlite().await;
    let budget = Budget::from_env();
    let (seeds, mut rng) = seeds_and_rng(&budget, 1);
    let admin = app.admin();
    let (mut tally, started, mut case) = (Tally::default(), Instant::now(), 0);
    while budget.more(case) {
        let seed = seeds.choose(&mut rng).expect("seeds");
        let other = seeds.choose(&mut rng).expect("seeds");
        let body: Vec<u8> = match case % 4 {
            // The query text mutated, inside a well-formed body.
            0 | 1 => {
                let text = mutate::mutate(&mut rng, seed, other);
                json!({"query": String::from_utf8_lossy(&text), "variables": {"v": 1}})
                    .to_string()
                    .into_bytes()
            }
            // The body's bytes mutated.
            2 => {
                let whole = json!({"query": seed, "variables": {"v": 1}}).to_string();
                mutate::mutate(&mut rng, &whole, other)
            }
            // A batch of two.
            _ => {
                let text = mutate::mutate(&mut rng, seed, other);
                json!([{"query": seed}, {"query": String::from_utf8_lossy(&text)}])
                    .to_string()
                    .into_bytes()
            }
        };
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let answer = response.bytes().await.expect("body");
        let answer = if answer.first() == Some(&b'[') {
            // A batch: judge each answer.
            match serde_json::from_slice::<Vec<Value>>(&answer) {
                Ok(all) => all.iter().try_fold(String::new(), |_, one| {
                    judge_errors(&one["errors"]).map(|c| format!("{status} batch {c}"))
                }),
                Err(e) => Err(format!("a batch answer that is not JSON: {e}")),
            }
        } else {
            judge_http(status, &answer)
        };
        match answer {
            Ok(kind) => tally.saw(kind),
            Err(what) => tally.finding(budget.seed, case, what, &body),
        }
        case += 1;
        if case % 250 == 0 {
            alive(&app).await;
        }
    }
    alive(&app).await;
    tally.report("POST /graphql", case, started);
}

#[tokio::test]
async fn get_query_strings_answer_client_errors_or_results() {
    let app = TestApp::sqlite().await;
    let budget = Budget::from_env();
    let (seeds, mut rng) = seeds_and_rng(&budget, 2);
    let admin = app.admin();
    let (mut tally, started, mut case) = (Tally::default(), Instant::now(), 0);
    while budget.more(case) {
        let seed = seeds.choose(&mut rng).expect("seeds");
        let other = seeds.choose(&mut rng).expect("seeds");
        let text = mutate::mutate(&mut rng, seed, other);
        let variables = mutate::mutate(&mut rng, r#"{"v": 1, "w": [1, {"a": "b"}]}"#, "[[{");
        let encode = |bytes: &[u8]| url::form_urlencoded::byte_serialize(bytes).collect::<String>();
        let url = format!(
            "{}/graphql?query={}&variables={}",
            app.base,
            encode(&text),
            encode(&variables)
        );
        let mut request = app.client.get(url);
        // Half without a credential: GET authenticates before it parses.
        if case % 2 == 0 {
            request = request.bearer_auth(&admin);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let answer = response.bytes().await.expect("body");
        match judge_http(status, &answer) {
            Ok(kind) => tally.saw(kind),
            Err(what) => tally.finding(budget.seed, case, what, &text),
        }
        case += 1;
        if case % 250 == 0 {
            alive(&app).await;
        }
    }
    alive(&app).await;
    tally.report("GET /graphql", case, started);
}

/// An authenticated socket; waits while the server still counts the
/// previous one against the credential.
async fn socket(app: &TestApp, token: &str) -> Client {
    for _ in 0..100 {
        let mut client = Client::connect(&app.base, TRANSPORT_WS).await;
        match client
            .init(json!({"Authorization": format!("Bearer {token}")}))
            .await
        {
            Init::Ack => return client,
            Init::Closed(4429) => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("connection_init: {other:?}"),
        }
    }
    panic!("no socket slot came free");
}

#[tokio::test]
async fn socket_messages_answer_client_errors_or_results() {
    let app = TestApp::sqlite().await;
    let budget = Budget::from_env();
    let (seeds, mut rng) = seeds_and_rng(&budget, 3);
    let token = app.leader();
    let mut client = socket(&app, &token).await;
    let (mut tally, started, mut case) = (Tally::default(), Instant::now(), 0);
    while budget.more(case) {
        let seed = seeds.choose(&mut rng).expect("seeds");
        let other = seeds.choose(&mut rng).expect("seeds");
        let id = format!("c{case}");
        let message = if case % 3 == 2 {
            // The protocol message's bytes mutated.
            let whole = json!({"type": "subscribe", "id": id, "payload": {"query": seed}});
            mutate::mutate(&mut rng, &whole.to_string(), other)
        } else {
            let text = mutate::mutate(&mut rng, seed, other);
            json!({"type": "subscribe", "id": id, "payload": {"query": String::from_utf8_lossy(&text), "variables": {"v": 1}}})
                .to_string()
                .into_bytes()
        };
        // A failed send means the server closed the socket after an earlier
        // message; its close frame is still to be read and judged.
        let _sent = client.send_bytes(message.clone()).await;
        let answer = client.next_message(Duration::from_millis(100)).await;
        let reconnect = match answer {
            // Subscribed (or a message the protocol ignores).
            None => {
                tally.saw("no answer");
                false
            }
            Some(Ok(message)) => {
                let kind = message["type"].as_str().unwrap_or("?").to_owned();
                let errors = match kind.as_str() {
                    "error" => message["payload"].clone(),
                    _ => message["payload"]["errors"].clone(),
                };
                match judge_errors(&errors) {
                    Ok(code) => tally.saw(format!("{kind} {code}")),
                    Err(what) => {
                        tally.finding(budget.seed, case, what, &message.to_string().into_bytes())
                    }
                }
                false
            }
            Some(Err(code)) => {
                match code {
                    // Internal error, or closed without a code.
                    Some(1011) | None => {
                        tally.finding(budget.seed, case, format!("closed {code:?}"), &message)
                    }
                    Some(code) => tally.saw(format!("closed {code}")),
                }
                true
            }
        };
        case += 1;
        // A fresh socket after a close, and now and then so subscriptions
        // do not pile up to the per-socket cap.
        if reconnect || case % 25 == 0 {
            client = socket(&app, &token).await;
        }
        if case % 250 == 0 {
            alive(&app).await;
        }
    }
    alive(&app).await;
    tally.report("WebSocket /graphql/ws", case, started);
}
