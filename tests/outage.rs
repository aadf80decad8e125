//! The database goes away under load (PostgreSQL): while a client keeps
//! ingesting batches and retrying failures with the same keys, every
//! session of the test's database is terminated again and again for two
//! seconds. The service must answer UNAVAILABLE (retryable), never hang or
//! panic, serve again within 5 s of the database coming back, and store
//! every acknowledged batch exactly once.
//!
//! Terminating sessions (`pg_terminate_backend`) hits only this test's
//! database, so it runs beside the other tests. Stopping the whole server
//! (`pg_ctlcluster ... stop`) is not done here: it would take the other
//! tests' databases down with it.

mod common;

use common::TestApp;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const BATCHES: usize = 60;
const PER_BATCH: usize = 10;

fn batch(n: usize) -> Value {
    let tickets: Vec<Value> = (0..PER_BATCH)
        .map(|i| {
            json!({"source": "helpdesk", "externalId": format!("B{n}-{i}"),
                "customer": {"source": "crm", "externalId": format!("C{}", (n * PER_BATCH + i) % 37)},
                "reason": "login", "channel": "chat", "priority": "LOW", "team": "tier1",
                "openedAt": "2026-01-05T00:00:00Z"})
        })
        .collect();
    json!(tickets)
}

/// The name of the test's own database.
async fn database_name(app: &TestApp) -> String {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT current_database() AS name",
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get("", "name").expect("name")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_sessions_lose_nothing_and_the_service_recovers() {
    let Some(server) = common::postgres_url("outage") else {
        return;
    };
    let Some(app) = TestApp::postgres("outage").await else {
        return;
    };
    let database = database_name(&app).await;
    let killer_db = Database::connect(&server).await.expect("connect");

    let outage = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            killer_db
                .execute_raw(Statement::from_string(
                    killer_db.get_database_backend(),
                    format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
                    ),
                ))
                .await
                .expect("terminate");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Instant::now()
    };

    let client = async {
        let admin = app.admin();
        let mutation = "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created unchanged } }";
        let mut codes: BTreeMap<String, usize> = BTreeMap::new();
        let mut acknowledged = Vec::new();
        let mut successes = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        for n in 0..BATCHES {
            loop {
                assert!(Instant::now() < deadline, "gave up; codes seen: {codes:?}");
                let sent = tokio::time::timeout(
                    Duration::from_secs(15),
                    app.gql(Some(&admin), mutation, json!({"input": batch(n)})),
                )
                .await;
                let Ok((_, body)) = sent else {
                    panic!("a request hung for 15 s");
                };
                if body["errors"].is_null() {
                    let report = &body["data"]["ingestTickets"];
                    let stored = report["created"].as_u64().unwrap_or(0)
                        + report["unchanged"].as_u64().unwrap_or(0);
                    assert_eq!(stored, PER_BATCH as u64, "{body}");
                    acknowledged.push(n);
                    successes.push(Instant::now());
                    break;
                }
                let code = body["errors"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("none")
                    .to_owned();
                *codes.entry(code).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        (codes, acknowledged, successes)
    };

    let (outage_ended, (codes, acknowledged, successes)) = tokio::join!(outage, client);
    assert_eq!(acknowledged.len(), BATCHES);
    assert!(
        codes.contains_key("UNAVAILABLE"),
        "no request failed during the outage: {codes:?}"
    );
    assert_eq!(
        codes.keys().collect::<Vec<_>>(),
        vec!["UNAVAILABLE"],
        "failures other than UNAVAILABLE: {codes:?}"
    );
    // Served again within 5 s of the database coming back.
    let first_after = successes
        .iter()
        .find(|at| **at >= outage_ended)
        .expect("a batch succeeded after the outage");
    assert!(
        first_after.duration_since(outage_ended) < Duration::from_secs(5),
        "first success {:?} after the outage",
        first_after.duration_since(outage_ended)
    );
    // Every acknowledged record exactly once.
    assert_eq!(app.count("ticket").await, (BATCHES * PER_BATCH) as i64);
    let events = app.count("touchpoint").await;
    assert_eq!(
        events,
        (BATCHES * PER_BATCH) as i64,
        "one ticket_opened each"
    );
    let (_, ready) = app
        .gql(Some(&app.admin()), "{ viewer { role } }", json!({}))
        .await;
    assert!(ready["errors"].is_null(), "{ready}");
}

/// The whole database refuses connections (as when its server is down) and
/// comes back: `/readyz` turns red, requests answer UNAVAILABLE (HTTP 503)
/// within the pool's 5 s acquire timeout instead of hanging, and both
/// recover by themselves within 5 s of the database returning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_connections_is_unavailable_then_recovers() {
    let Some(server) = common::postgres_url("outage_refused") else {
        return;
    };
    let Some(app) = TestApp::postgres("outage_refused").await else {
        return;
    };
    let database = database_name(&app).await;
    let admin_db = Database::connect(&server).await.expect("connect");
    let run = |sql: String| {
        let admin_db = &admin_db;
        async move {
            admin_db
                .execute_raw(Statement::from_string(admin_db.get_database_backend(), sql))
                .await
                .expect("admin statement");
        }
    };
    let readyz = || async {
        app.client
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    assert_eq!(readyz().await, 200);

    run(format!(
        "ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false"
    ))
    .await;
    run(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ))
    .await;
    let down = Instant::now();
    assert_eq!(readyz().await, 503);
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(15),
        app.gql(Some(&app.admin()), "{ viewer { role } }", json!({})),
    )
    .await
    .expect("an answer, not a hang");
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
    assert!(down.elapsed() < Duration::from_secs(15));

    run(format!(
        "ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true"
    ))
    .await;
    let back = Instant::now();
    loop {
        let (status, body) = app
            .gql(Some(&app.admin()), "{ viewer { role } }", json!({}))
            .await;
        if status == 200 && body["errors"].is_null() {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not serving again: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(readyz().await, 200);
}
