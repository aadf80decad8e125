//! Two server processes on one PostgreSQL database: a subscriber connected
//! to replica B receives the signal of tickets ingested through replica A
//! (LISTEN/NOTIFY), exactly one replica sweeps (the advisory lock), and
//! when it stops the other takes over.

mod common;

use common::ws::Client;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "replicas-test-secret-replicas-test-secret-01";

fn journeygraph(db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_journeygraph"));
    cmd.env("DATABASE_URL", db)
        .env("JOURNEYGRAPH_JWT_SECRET", SECRET)
        .env("RUST_LOG", "info");
    cmd
}

/// A running replica and its base URL; killed when dropped.
struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &str) -> Replica {
    let mut child = journeygraph(db)
        .args([
            "--log-format",
            "json",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--sweep-interval-secs",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut logs = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert!(
            logs.read_line(&mut line).expect("read") > 0,
            "the replica exited"
        );
        if let Ok(entry) = serde_json::from_str::<Value>(&line)
            && entry["fields"]["message"] == "serving"
        {
            break entry["fields"]["port"].as_u64().expect("port");
        }
    };
    // Keep draining the logs so the replica never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while logs.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    Replica {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

/// The value of an unlabelled metric on `/metrics` (0 when absent).
async fn metric(base: &str, name: &str) -> f64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map(|v| v.trim().parse().expect("number"))
        .unwrap_or(0.0)
}

async fn post(base: &str, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

fn ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_signals_and_one_sweeps() {
    let Some(server) = common::postgres_url("two_replicas_share_signals_and_one_sweeps") else {
        return;
    };
    let db = common::fresh_postgres_database(&server).await;
    let created = journeygraph(&db)
        .args(["org", "create", "acme", "--name", "Acme"])
        .output()
        .expect("org");
    assert!(created.status.success(), "{created:?}");
    let minted = journeygraph(&db)
        .args([
            "token", "mint", "--org", "acme", "--role", "admin", "--sub", "ops",
        ])
        .output()
        .expect("mint");
    let admin = String::from_utf8(minted.stdout)
        .expect("utf8")
        .trim()
        .to_owned();

    let a = start(&db);
    let b = start(&db);

    // Subscribed on B, ingested through A.
    let mut subscriber = Client::authenticated(&b.base, &admin).await;
    subscriber
        .subscribe(
            "1",
            "subscription { frictionDetected { kind subject origin } }",
        )
        .await;
    let ticket = |id: &str, hours: i64| {
        json!({"source": "helpdesk", "externalId": id,
        "customer": {"source": "crm", "externalId": "C1"}, "reason": "billing", "channel": "email",
        "priority": "HIGH", "team": "tier1", "openedAt": ago(hours), "resolvedAt": ago(hours - 1)})
    };
    let tickets = "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";
    let body = post(
        &a.base,
        &admin,
        tickets,
        json!({"input": [ticket("T1", 30)]}),
    )
    .await;
    assert_eq!(body["data"]["ingestTickets"]["created"], 1, "{body}");
    let sent = Instant::now();
    post(
        &a.base,
        &admin,
        tickets,
        json!({"input": [ticket("T2", 2)]}),
    )
    .await;
    let data = subscriber
        .next_data(Duration::from_secs(1))
        .await
        .expect("the signal crosses replicas within 1 s");
    assert!(sent.elapsed() < Duration::from_secs(1));
    assert_eq!(
        data["frictionDetected"],
        json!({"kind": "REPEAT_CONTACT", "subject": "billing", "origin": "INGEST"})
    );

    // A won deal past its handoff deadline: the sweep (every second) raises it once.
    post(&a.base, &admin, "mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }", json!({"input": [
        {"source": "crm", "externalId": "D1", "customer": {"source": "crm", "externalId": "C2"},
         "owner": "ana", "stage": "won", "amount": 1.0, "openedAt": ago(300), "closedAt": ago(100), "outcome": "WON"}]})).await;
    let data = subscriber
        .next_data(Duration::from_secs(5))
        .await
        .expect("the sweep raises the handoff");
    assert_eq!(
        data["frictionDetected"],
        json!({"kind": "HANDOFF_DELAY", "subject": "ana", "origin": "SWEEP"})
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        subscriber.next_data(Duration::from_millis(200)).await,
        None,
        "raised once"
    );

    // Exactly one replica sweeps.
    let sweeps = [
        metric(&a.base, "journeygraph_sweeps_total").await,
        metric(&b.base, "journeygraph_sweeps_total").await,
    ];
    let leaders = [
        metric(&a.base, "journeygraph_sweep_leader").await,
        metric(&b.base, "journeygraph_sweep_leader").await,
    ];
    assert!(
        sweeps.iter().filter(|n| **n > 0.0).count() == 1,
        "sweeps per replica: {sweeps:?}"
    );
    assert_eq!(leaders.iter().sum::<f64>(), 1.0, "leaders: {leaders:?}");

    // The leader stops; the other replica takes over within a few ticks.
    let (leader, follower) = if sweeps[0] > 0.0 { (a, b) } else { (b, a) };
    drop(leader);
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&follower.base, "journeygraph_sweeps_total").await == 0.0 {
        assert!(Instant::now() < deadline, "no takeover");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        metric(&follower.base, "journeygraph_sweep_leader").await,
        1.0
    );
}
