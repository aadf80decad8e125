//! Ingest throughput: touchpoints in batches of 1,000 through the HTTP API
//! with a partner token, beside the same rows written by plain multi-row
//! INSERTs through the same driver. The ratio is the figure that matters.
//!
//!     cargo bench --bench ingest -- [--records N] [--backend sqlite|postgres|both] [--suppressed N]
//!
//! `--suppressed N` puts N entries (of nobody the bench sends) on the
//! organization's suppression list first, so every batch pays the
//! screening an organization that has erased people pays.
//!
//! PostgreSQL: `JOURNEYGRAPH_BENCH_POSTGRES_URL` (or
//! `JOURNEYGRAPH_TEST_POSTGRES_URL`) names the server; the bench creates and
//! drops its own database. Loopback only; it stops by itself.

mod support;

use support::plain_insert::{self, BASE_MS, BATCH};

use journeygraph::app::{App, Settings};
use journeygraph::config::{
    AuthSettings, DatabaseSettings, JwtAlgorithm, LimitSettings, ServeSettings,
};
use journeygraph::domain::Scope;
use journeygraph::service::{api_token, organization};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

const CUSTOMERS: usize = 10_000;

struct Args {
    records: usize,
    backends: Vec<&'static str>,
    suppressed: usize,
}

fn args() -> Args {
    let mut records = 1_000_000;
    let mut suppressed = 0;
    let mut backends = vec!["sqlite", "postgres"];
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--records" => records = it.next().and_then(|v| v.parse().ok()).unwrap_or(records),
            "--suppressed" => {
                suppressed = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            }
            "--backend" => {
                backends = match it.next().as_deref() {
                    Some("sqlite") => vec!["sqlite"],
                    Some("postgres") => vec!["postgres"],
                    _ => vec!["sqlite", "postgres"],
                }
            }
            _ => {}
        }
    }
    Args {
        records,
        backends,
        suppressed,
    }
}

fn settings(database_url: String) -> Settings {
    Settings {
        database: DatabaseSettings {
            database_url,
            database_read_url: None,
            db_max_connections: 8,
            sqlite_busy_timeout_ms: 30_000,
            statement_timeout_ms: 0,
        },
        auth: AuthSettings {
            jwt_algorithm: JwtAlgorithm::Hs256,
            jwt_secret: Some(
                "bench-secret-bench-secret-bench-secret-0123"
                    .to_owned()
                    .into(),
            ),
            jwt_secret_file: None,
            jwt_public_key_file: None,
            jwt_private_key_file: None,
            jwt_issuer: "journeygraph".into(),
            jwt_audience: "journeygraph".into(),
            jwt_leeway_secs: 30,
            jwt_jwks_url: None,
            jwt_jwks_refresh_secs: 300,
            jwt_jwks_min_refetch_secs: 30,
            jwt_org_claim: "org".into(),
            jwt_role_claim: "role".into(),
            jwt_role_map: None,
        },
        serve: ServeSettings {
            bind: "127.0.0.1:0".parse().expect("addr"),
            no_migrate: false,
            no_graphiql: true,
            no_console: true,
            no_introspection: false,
            cors_origins: Vec::new(),
            demo: false,
            demo_customers: 0,
            request_timeout_ms: 10_000,
            header_read_timeout_ms: 30_000,
            rate_limit_per_second: 0,
            rate_limit_burst: 1,
            limits: LimitSettings::default(),
            alerts: journeygraph::config::AlertSettings {
                sweep_interval_secs: 0,
                ..Default::default()
            },
        },
    }
}

/// The request body of one batch, written straight as JSON text: the load
/// generator shares the two cores with the server and the database, and
/// building a `serde_json::Value` tree per batch cost it more than this.
fn batch_body(start: usize) -> String {
    let mut items = String::with_capacity(BATCH * 300);
    for n in start..start + BATCH {
        if n > start {
            items.push(',');
        }
        let at = chrono::DateTime::from_timestamp_millis(BASE_MS + n as i64 * 1000)
            .expect("time")
            .to_rfc3339();
        let customer = n % CUSTOMERS;
        items.push_str(&format!(
            r#"{{"source":"product","externalId":"E-{n}","customer":{{"source":"crm","externalId":"C-{customer}"}},"department":"PRODUCT","kind":"login","channel":"web","occurredAt":"{at}","attributes":{{"page":"/home"}}}}"#
        ));
    }
    format!(
        r#"{{"query":"mutation($input: [TouchpointInput!]!) {{ ingestTouchpoints(input: $input) {{ created }} }}","variables":{{"input":[{items}]}}}}"#
    )
}

async fn through_api(app_base: &str, token: &str, records: usize, concurrency: usize) -> f64 {
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, next, url, token) = (
            client.clone(),
            next.clone(),
            format!("{app_base}/graphql"),
            token.to_owned(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let start = next.fetch_add(BATCH, std::sync::atomic::Ordering::SeqCst);
                if start >= records {
                    break;
                }
                let body: Value = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(batch_body(start))
                    .send()
                    .await
                    .expect("send")
                    .json()
                    .await
                    .expect("json");
                assert_eq!(
                    body["data"]["ingestTouchpoints"]["created"], BATCH as u64,
                    "{body}"
                );
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    records as f64 / started.elapsed().as_secs_f64()
}

/// The same rows as plain multi-row INSERTs into another organization
/// with pre-made customers.
async fn plain_inserts(
    db: &DatabaseConnection,
    org_id: i64,
    records: usize,
    concurrency: usize,
) -> f64 {
    let backend = db.get_database_backend();
    let mut customer_sql = String::from(
        "INSERT INTO customer (org_id, display_name, annual_value_cents, created_at) VALUES ",
    );
    customer_sql.push_str(&vec![format!("({org_id}, 'c', 0, 0)"); CUSTOMERS].join(", "));
    db.execute_unprepared(&customer_sql)
        .await
        .expect("customers");
    let first_customer: i64 = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT MIN(id) AS id FROM customer WHERE org_id = {org_id}"),
        ))
        .await
        .expect("q")
        .expect("row")
        .try_get("", "id")
        .expect("id");
    let target = plain_insert::Target {
        org_id,
        first_customer,
        customers: CUSTOMERS,
        source: "product",
    };
    plain_insert::touchpoints(db, &target, records, concurrency).await
}

/// A PostgreSQL with autovacuum off (as on this project's test machines)
/// never refreshes statistics, and the planner, believing the tables empty,
/// stops using the key index for lookups. Production runs autovacuum; the
/// bench does its analyze part every 5 s when the server does not.
async fn autovacuum_substitute(db: &DatabaseConnection) -> Option<tokio::task::JoinHandle<()>> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return None;
    }
    let row = db
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SHOW autovacuum",
        ))
        .await
        .expect("show")
        .expect("row");
    if row.try_get::<String>("", "autovacuum").expect("setting") == "on" {
        return None;
    }
    eprintln!("postgres: autovacuum is off on this server; analyzing every 5 s in its place");
    let db = db.clone();
    Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            let _ = db
                .execute_unprepared("ANALYZE touchpoint, customer, customer_identity")
                .await;
        }
    }))
}

/// Puts `entries` hashes of nobody on `org_id`'s suppression list.
async fn suppress(db: &DatabaseConnection, org_id: i64, entries: usize) {
    let key = journeygraph::service::erasure_key::ensure(db, org_id)
        .await
        .expect("key");
    for chunk in (0..entries).collect::<Vec<_>>().chunks(1_000) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                let hash = key.email(&format!("erased-{i}@example.com"));
                format!("({org_id}, '{hash}', 'email', 'cust_bench', 'bench', 0)")
            })
            .collect();
        db.execute_unprepared(&format!(
            "INSERT INTO suppression (org_id, hash, kind, customer_ref, created_by, created_at) VALUES {}",
            rows.join(", ")
        ))
        .await
        .expect("suppression entries");
    }
}

async fn run(backend: &str, url: String, records: usize, suppressed: usize) -> Option<(f64, f64)> {
    let concurrency = std::env::var("JOURNEYGRAPH_BENCH_CONCURRENCY")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(if backend == "sqlite" { 2 } else { 4 });
    let app = App::build(&settings(url)).await.expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db.clone();
    tokio::spawn(app.run_until_stopped());
    let org = organization::create(&db, "bench", "Bench")
        .await
        .expect("org");
    let raw_org = organization::create(&db, "raw", "Raw").await.expect("org");
    let new = api_token::NewToken {
        name: "bench".into(),
        scopes: vec![Scope::IngestWrite],
        departments: None,
        expires_in_days: api_token::DEFAULT_EXPIRY_DAYS,
    };
    let (_, token) = api_token::create_in_org(
        &db,
        &journeygraph::service::audit::Actor::named(org.id, "bench"),
        &new,
    )
    .await
    .expect("token");
    if suppressed > 0 {
        suppress(&db, org.id, suppressed).await;
        eprintln!("{backend}: {suppressed} entries on the suppression list");
    }
    let analyzer = autovacuum_substitute(&db).await;
    eprintln!("{backend}: {records} touchpoints through the API, concurrency {concurrency} ...");
    let ours = through_api(&base, &token, records, concurrency).await;
    if let Some(task) = analyzer {
        task.abort();
    }
    eprintln!("{backend}: the same rows as plain INSERTs ...");
    let raw = plain_inserts(&db, raw_org.id, records, concurrency).await;
    Some((ours, raw))
}

#[tokio::main]
async fn main() {
    let args = args();
    let mut rows = Vec::new();
    for backend in &args.backends {
        match *backend {
            "sqlite" => {
                let dir = tempfile::tempdir().expect("dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bench.db").display()
                );
                if let Some(r) = run("sqlite", url, args.records, args.suppressed).await {
                    rows.push(("SQLite", r));
                }
            }
            _ => {
                let Some((admin, url)) = support::fresh_postgres("jg_bench").await else {
                    continue;
                };
                if let Some(r) = run("postgres", url, args.records, args.suppressed).await {
                    rows.push(("PostgreSQL", r));
                }
                support::drop_postgres(&admin, "jg_bench").await;
            }
        }
    }
    println!(
        "\ningest of {} touchpoints, batches of {BATCH}",
        args.records
    );
    println!(
        "{:<12} {:>16} {:>18} {:>8}",
        "backend", "API records/s", "plain INSERT r/s", "ratio"
    );
    for (name, (ours, raw)) in rows {
        println!("{name:<12} {ours:>16.0} {raw:>18.0} {:>8.2}", ours / raw);
    }
}
