//! Every `graphql` block of README.md and docs/ runs, as written, against
//! the demo a newcomer gets from `serve --demo` (organization `demo`, 2,000
//! customers, seed 42, anchored at today 00:00 UTC), in document order.
//!
//! A block runs with the variables of a ```` ```json variables ```` block
//! right after it, as an ADMIN of the demo. It fails on any error or on an
//! answer with nothing in it. A ```` ```json answer ```` block after it
//! quotes the demo's answer: each field it shows must be in the real answer
//! with that value (a number to the decimals it is written with; a list's
//! first elements). This is how the docs quote demo figures: only in such
//! blocks, so a figure that changes fails here. Subscriptions are opened
//! over the socket and must be accepted.
//!
//! `JOURNEYGRAPH_DOCS_SHOW=1 cargo test --test docs_examples -- --nocapture`
//! prints every answer, to write a quote from.
//!
//! The docs' windows are `lastDays`, which end at today 00:00 UTC, where
//! the demo ends: the figures are the same whichever day the demo is seeded
//! and asked, as long as that is the same day.

mod common;

use common::TestApp;
use common::ws::Client;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One `graphql` block, with what follows it.
#[derive(Debug)]
struct Example {
    /// `file:line` of the block's opening fence.
    at: String,
    query: String,
    variables: Value,
    answer: Option<Value>,
}

/// The documents, README.md first, then docs/ by name.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut all = vec![root.join("README.md")];
    all.extend(docs);
    all
}

/// The fenced blocks of `text`: (line of the fence, info string, body).
fn fenced_blocks(text: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (number, line) in text.lines().enumerate() {
        let fence = line.trim_start();
        match open.take() {
            None if fence.starts_with("```") => {
                open = Some((number + 1, fence[3..].trim().to_owned(), String::new()));
            }
            None => {}
            Some(block) if fence.starts_with("```") => blocks.push(block),
            Some((at, info, mut body)) => {
                body.push_str(line);
                body.push('\n');
                open = Some((at, info, body));
            }
        }
    }
    assert!(open.is_none(), "a fence is never closed");
    blocks
}

/// The examples of one document.
fn examples(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).expect("read doc");
    let name = path.file_name().expect("name").to_string_lossy();
    let mut examples: Vec<Example> = Vec::new();
    for (line, info, body) in fenced_blocks(&text) {
        let at = format!("{name}:{line}");
        let json = |body: &str| -> Value {
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{at}: not JSON: {e}"))
        };
        match info.as_str() {
            "graphql" => examples.push(Example {
                at,
                query: body,
                variables: Value::Object(Default::default()),
                answer: None,
            }),
            "json variables" => {
                let example = examples
                    .last_mut()
                    .expect("variables after a graphql block");
                example.variables = json(&body);
            }
            "json answer" => {
                let example = examples
                    .last_mut()
                    .expect("an answer after a graphql block");
                example.answer = Some(json(&body));
            }
            _ => {}
        }
    }
    examples
}

/// Whether `actual` holds everything `quoted` shows; the first difference.
fn quoted_in(quoted: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (quoted, actual) {
        (Value::Object(quoted), Value::Object(actual)) => {
            for (key, value) in quoted {
                let inner = format!("{path}.{key}");
                let found = actual
                    .get(key)
                    .ok_or(format!("{inner} is not in the answer"))?;
                quoted_in(value, found, &inner)?;
            }
            Ok(())
        }
        (Value::Array(quoted), Value::Array(actual)) => {
            if quoted.len() > actual.len() {
                return Err(format!("{path} has {} entries", actual.len()));
            }
            quoted
                .iter()
                .zip(actual)
                .enumerate()
                .try_for_each(|(i, (q, a))| quoted_in(q, a, &format!("{path}[{i}]")))
        }
        (Value::Number(q), Value::Number(a)) => {
            let written = q.to_string();
            let decimals = written.split_once('.').map_or(0, |(_, d)| d.len());
            let tolerance = 0.5 * 10f64.powi(-(decimals as i32)) + 1e-9;
            let (q, a) = (
                q.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            if (q - a).abs() <= tolerance {
                Ok(())
            } else {
                Err(format!("{path} is {a}, the docs say {written}"))
            }
        }
        (q, a) if q == a => Ok(()),
        (q, a) => Err(format!("{path} is {a}, the docs say {q}")),
    }
}

/// Whether an answer's `data` has something in it: a field that is not
/// null, not an empty list and not a connection without edges.
fn has_content(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => match fields.get("edges") {
            Some(edges) => has_content(edges),
            None => fields.values().any(has_content),
        },
        _ => true,
    }
}

async fn seeded_demo(app: TestApp) -> TestApp {
    app.seed_demo(2_000).await;
    app
}

async fn run(app: &TestApp, token: &str, example: &Example) -> Result<(), String> {
    if example.query.trim_start().starts_with("subscription") {
        let mut client = Client::authenticated(&app.base, token).await;
        client.subscribe("docs", &example.query).await;
        return match client.next_message(Duration::from_millis(300)).await {
            None => Ok(()),
            Some(answer) => Err(format!("the subscription was answered {answer:?}")),
        };
    }
    let (status, body) = app
        .gql(Some(token), &example.query, example.variables.clone())
        .await;
    if status != 200 || body.get("errors").is_some() {
        return Err(format!("HTTP {status}: {body}"));
    }
    let data = &body["data"];
    if std::env::var_os("JOURNEYGRAPH_DOCS_SHOW").is_some() {
        // For writing a quote: the whole answer.
        println!(
            "{}:\n{}",
            example.at,
            serde_json::to_string_pretty(data).unwrap_or_default()
        );
    }
    if !has_content(data) {
        return Err(format!("an empty answer: {data}"));
    }
    match &example.answer {
        Some(quoted) => quoted_in(quoted, data, "data"),
        None => Ok(()),
    }
}

/// Every block against the demo seeded on `app`'s database.
async fn every_graphql_block_of_the_docs_runs_and_quotes_the_demo_right(app: TestApp) {
    let all: Vec<Example> = documents().iter().flat_map(|p| examples(p)).collect();
    assert!(all.len() >= 15, "only {} graphql blocks found", all.len());
    let app = seeded_demo(app).await;
    let token = app.jwt("demo", "ADMIN");
    let mut failures = Vec::new();
    for example in &all {
        if let Err(why) = run(&app, &token, example).await {
            failures.push(format!("{}: {why}", example.at));
        }
    }
    let quoted = all.iter().filter(|e| e.answer.is_some()).count();
    println!(
        "{} graphql blocks ran, {quoted} with a quoted answer",
        all.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} blocks failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn quoting_compares_to_the_decimals_written_and_names_the_difference() {
    let actual = serde_json::json!({"a": [{"rate": 0.43678, "n": 398, "k": "X"}, {"n": 1}]});
    let ok = serde_json::json!({"a": [{"rate": 0.437, "n": 398}]});
    assert_eq!(quoted_in(&ok, &actual, "data"), Ok(()));
    let off = serde_json::json!({"a": [{"rate": 0.436}]});
    assert_eq!(
        quoted_in(&off, &actual, "data"),
        Err("data.a[0].rate is 0.43678, the docs say 0.436".into())
    );
    let missing = serde_json::json!({"a": [{"n": 398}, {"n": 1}, {"n": 2}]});
    assert_eq!(
        quoted_in(&missing, &actual, "data"),
        Err("data.a has 2 entries".into())
    );
    assert!(!has_content(
        &serde_json::json!({"x": {"edges": []}, "y": null})
    ));
    assert!(has_content(&serde_json::json!({"x": {"edges": [{}]}})));
}

on_both_databases!(every_graphql_block_of_the_docs_runs_and_quotes_the_demo_right);
