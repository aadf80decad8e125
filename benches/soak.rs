//! Soak: the release server as its own process on 127.0.0.1 (SQLite demo
//! data), a bounded mixed load for `--seconds`, and three checks printed at
//! the end: no 5xx, the server's memory flat, and as many rows stored as
//! were acknowledged.
//!
//!     cargo bench --bench soak -- [--seconds 60] [--concurrency 8]
//!
//! The load: 70% journey reads (a random customer and its latest 20
//! events, leader JWT), 5% KPIs, 25% ingest batches of 20 new touchpoints
//! (the demo partner token). The rate limit is switched off for the run.

mod support;

use journeygraph::global_id::{self, Kind};
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const CUSTOMERS: u64 = 300;
const PORT: u16 = 18_917;

struct Args {
    seconds: u64,
    concurrency: usize,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 60,
        concurrency: 8,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--seconds", Some(v)) => a.seconds = v.clamp(1, 3_600),
            ("--concurrency", Some(v)) => a.concurrency = v.clamp(1, 256) as usize,
            _ => {}
        }
    }
    a
}

/// Resident memory of `pid` in MB.
fn rss_mb(pid: u32) -> Option<f64> {
    support::procfs::rss_kb(pid).map(|kb| kb as f64 / 1024.0)
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    acknowledged: AtomicU64,
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("dir");
    let db_path = dir.path().join("soak.db");
    let url = format!("sqlite://{}?mode=rwc", db_path.display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_journeygraph"))
        .args([
            "serve",
            "--demo",
            "--demo-customers",
            &CUSTOMERS.to_string(),
        ])
        .args([
            "--database-url",
            &url,
            "--bind",
            &format!("127.0.0.1:{PORT}"),
        ])
        .args(["--rate-limit-per-second", "0", "--no-graphiql"])
        .arg("--jwt-secret-file")
        .arg(dir.path().join("secret"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server starts");
    let pid = server.id().expect("pid");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let (mut jwt, mut token) = (String::new(), String::new());
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.split("Leader JWT (7 days): ").nth(1) {
            jwt = rest.trim().to_owned();
        }
        if let Some(rest) = line.split("replaced at each start): ").nth(1) {
            token = rest.trim().to_owned();
        }
        if !jwt.is_empty() && !token.is_empty() {
            break;
        }
    }
    assert!(!jwt.is_empty() && !token.is_empty(), "credentials printed");
    let base = format!("http://127.0.0.1:{PORT}/graphql");
    eprintln!(
        "soak: {} s, concurrency {}, server pid {pid}",
        a.seconds, a.concurrency
    );

    let tally = Arc::new(Tally::default());
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let next_key = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(a.seconds);
    let mut workers = Vec::new();
    for w in 0..a.concurrency {
        let (tally, latencies, next_key) = (tally.clone(), latencies.clone(), next_key.clone());
        let (base, jwt, token) = (base.clone(), jwt.clone(), token.clone());
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ (w as u64);
            while Instant::now() < until {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let roll = (seed >> 33) % 100;
                let customer = 1 + (seed >> 40) % CUSTOMERS;
                let (credential, body, ingest) = if roll < 25 {
                    let first = next_key.fetch_add(20, Ordering::SeqCst);
                    let input: Vec<Value> = (first..first + 20)
                        .map(|k| json!({"source": "soak", "externalId": format!("S-{k}"),
                            "customer": {"source": "crm", "externalId": format!("C-{:06}", k % CUSTOMERS)},
                            "department": "PRODUCT", "kind": "login", "occurredAt": "2026-01-05T00:00:00Z"}))
                        .collect();
                    (&token, json!({"query": "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }", "variables": {"input": input}}), true)
                } else if roll < 30 {
                    (&jwt, json!({"query": "{ kpis(window: {from: \"2026-10-01T00:00:00Z\", to: \"2026-11-01T00:00:00Z\"}) { contactRate { value } } }"}), false)
                } else {
                    (&jwt, json!({"query": format!("{{ customer(id: \"{}\") {{ displayName journey(first: 20) {{ edges {{ node {{ kind occurredAt }} }} }} }} }}", global_id::encode(Kind::Customer, customer as i64))}), false)
                };
                let started = Instant::now();
                let Ok(response) = client.post(&base).bearer_auth(credential).json(&body).send().await else {
                    tally.server_errors.fetch_add(1, Ordering::SeqCst);
                    continue;
                };
                let status = response.status().as_u16();
                let reply: Value = response.json().await.unwrap_or(Value::Null);
                if let Ok(mut l) = latencies.lock() {
                    l.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                match status {
                    500.. => tally.server_errors.fetch_add(1, Ordering::SeqCst),
                    400.. => tally.client_errors.fetch_add(1, Ordering::SeqCst),
                    _ => tally.ok.fetch_add(1, Ordering::SeqCst),
                };
                if ingest && let Some(created) = reply["data"]["ingestTouchpoints"]["created"].as_u64() {
                    tally.acknowledged.fetch_add(created, Ordering::SeqCst);
                }
            }
        }));
    }
    let mut rss = vec![rss_mb(pid).unwrap_or(f64::NAN)];
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(5)).await;
        rss.push(rss_mb(pid).unwrap_or(f64::NAN));
    }
    for w in workers {
        w.await.expect("worker");
    }
    let _ = server.kill().await;

    let db = sea_orm::Database::connect(&url).await.expect("open");
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM touchpoint WHERE source = 'soak'",
        ))
        .await
        .expect("count")
        .expect("row");
    let stored: i64 = row.try_get("", "n").expect("n");
    let mut ms = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        ms.get(((ms.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let requests = ms.len() as f64;
    println!(
        "\nsoak: {} s at concurrency {} against the release server (SQLite, {CUSTOMERS} demo customers)",
        a.seconds, a.concurrency
    );
    println!(
        "requests {:.0} ({:.0}/s), p50 {:.1} ms, p99 {:.1} ms",
        requests,
        requests / a.seconds as f64,
        pct(0.5),
        pct(0.99)
    );
    println!(
        "2xx {}, 4xx {}, 5xx or no answer {}",
        tally.ok.load(Ordering::SeqCst),
        tally.client_errors.load(Ordering::SeqCst),
        tally.server_errors.load(Ordering::SeqCst)
    );
    println!(
        "server RSS MB every 5 s: {}",
        rss.iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "touchpoints acknowledged {}, stored {}",
        tally.acknowledged.load(Ordering::SeqCst),
        stored
    );
}
