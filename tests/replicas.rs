//! Two server processes on one PostgreSQL database: a subscriber connected
//! to replica B receives the signal of tickets ingested through replica A
//! (LISTEN/NOTIFY), exactly one replica sweeps (the advisory lock), and
//! when it stops the other takes over.

mod common;

use common::process::{acme_admin, journeygraph, metric, serve};
use common::ws::Client;
use serde_json::{Value, json};
use std::process::Child;
use std::time::{Duration, Instant};

const SECRET: &str = "replicas-test-secret-replicas-test-secret-01";

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
    let served = serve(
        journeygraph(db, SECRET, "info"),
        &["--sweep-interval-secs", "1"],
    );
    let (child, port) = served.draining_logs();
    Replica {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
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
    let admin = acme_admin(&db, SECRET);

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
