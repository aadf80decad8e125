//! Analytics follow `DATABASE_READ_URL` to a real streaming replica, and
//! journeys stay on the primary, so a write is seen by the next journey
//! read. The harness makes its own primary (`initdb`) and a streaming
//! replica of it (`pg_basebackup -R`); pausing the replica's replay shows
//! who answers what: a ticket written while it is paused is on the
//! journey at once, and in the analytics only once replay resumes.
//! (`read_replica.rs` checks the routing on SQLite, with a second file.)
//!
//! Runs where the PostgreSQL tests run (`JOURNEYGRAPH_TEST_POSTGRES_URL`)
//! and the server's binaries are installed; `JOURNEYGRAPH_REQUIRE_POSTGRES=1`
//! makes their absence a failure.

mod common;

use common::TestApp;
use common::cluster::{self, Cluster, eventually};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::time::Duration;

async fn one_text(db: &DatabaseConnection, sql: &str) -> String {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row")
        .try_get_by_index::<String>(0)
        .expect("text")
}

const TICKETS: &str =
    "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";

fn ticket(id: &str, hours_ago: i64) -> Value {
    json!({"source": "helpdesk", "externalId": id, "customer": {"source": "crm", "externalId": "C-1"},
        "reason": "billing", "channel": "chat", "priority": "LOW", "team": "t1",
        "openedAt": (chrono::Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc3339()})
}

/// Tickets in the analytics (`contactReasons`, read from the replica).
async fn analytics_tickets(app: &TestApp) -> i64 {
    let now = chrono::Utc::now();
    let window = json!({"from": (now - chrono::Duration::days(2)).to_rfc3339(), "to": (now + chrono::Duration::hours(1)).to_rfc3339()});
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "query($w: WindowInput!) { contactReasons(window: $w, first: 5) { reason tickets } }",
            json!({"w": window}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["contactReasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["tickets"].as_i64().expect("tickets"))
        .sum()
}

/// Tickets on C-1's journey (read from the primary).
async fn journey_tickets(app: &TestApp) -> usize {
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            r#"{ customerByIdentity(source: "crm", externalId: "C-1") { journey(first: 50) { edges { node { kind } } } } }"#,
            json!({}),
        )
        .await;
    body["data"]["customerByIdentity"]["journey"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["kind"] == "ticket_opened")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_follow_the_read_url_to_a_streaming_replica() {
    const TEST: &str = "analytics_follow_the_read_url_to_a_streaming_replica";
    if common::postgres_url(TEST).is_none() {
        return;
    }
    let Some(bin) = cluster::binaries() else {
        assert!(
            std::env::var("JOURNEYGRAPH_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "{TEST}: JOURNEYGRAPH_REQUIRE_POSTGRES=1 but no PostgreSQL binaries under /usr/lib/postgresql"
        );
        eprintln!("{TEST}: skipped: no PostgreSQL binaries under /usr/lib/postgresql");
        return;
    };
    let primary = Cluster::primary(&bin);
    let admin = Database::connect(primary.url("postgres"))
        .await
        .expect("primary");
    admin
        .execute_unprepared("CREATE DATABASE jg")
        .await
        .expect("create database");
    let replica = Cluster::replica_of(&primary);
    let standby = Database::connect(replica.url("postgres"))
        .await
        .expect("replica");
    assert_eq!(
        one_text(&standby, "SELECT pg_is_in_recovery()::text").await,
        "true"
    );
    let mut settings = common::settings(primary.url("jg"));
    settings.database.database_read_url = Some(replica.url("jg"));
    let app = TestApp::start(settings, None).await;

    // Replay caught up with everything the primary has written.
    let caught_up = || async {
        let written = one_text(&admin, "SELECT pg_current_wal_lsn()::text").await;
        let replayed = one_text(
            &standby,
            &format!("SELECT (pg_last_wal_replay_lsn() >= '{written}'::pg_lsn)::text"),
        )
        .await;
        replayed == "true"
    };

    app.ingest(&app.admin(), TICKETS, json!([ticket("T-1", 3)]))
        .await;
    eventually("replay", Duration::from_secs(20), caught_up).await;
    assert_eq!(analytics_tickets(&app).await, 1);
    assert_eq!(journey_tickets(&app).await, 1);
    // The replica answered: its sessions include the server's pool.
    let sessions = one_text(
        &standby,
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = 'jg'",
    )
    .await;
    assert_ne!(sessions, "0", "the server reads from the replica");

    // Replay paused: a new ticket is on the journey at once (primary), and
    // not in the analytics (replica) until replay resumes.
    standby
        .execute_unprepared("SELECT pg_wal_replay_pause()")
        .await
        .expect("pause");
    app.ingest(&app.admin(), TICKETS, json!([ticket("T-2", 2)]))
        .await;
    assert_eq!(
        journey_tickets(&app).await,
        2,
        "a write, then a journey read"
    );
    assert_eq!(
        analytics_tickets(&app).await,
        1,
        "the paused replica answers"
    );
    standby
        .execute_unprepared("SELECT pg_wal_replay_resume()")
        .await
        .expect("resume");
    eventually("replay", Duration::from_secs(20), caught_up).await;
    assert_eq!(analytics_tickets(&app).await, 2);
    admin.close().await.ok();
    standby.close().await.ok();
}
