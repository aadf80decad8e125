//! `TestApp`: the real router on port 0 over a fresh database — a SQLite
//! temp file, or a PostgreSQL database copied from a migrated template when
//! `JOURNEYGRAPH_TEST_POSTGRES_URL` is set — and an HTTP client.
#![allow(dead_code)]

pub mod cluster;
pub mod process;
pub mod ws;

use journeygraph::app::{App, Settings};
use journeygraph::auth::jwt::Claims;
use journeygraph::config::{
    AlertSettings, AuthSettings, DatabaseSettings, JwtAlgorithm, LimitSettings, ServeSettings,
};
use journeygraph::service::organization;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const ISSUER: &str = "journeygraph";
pub const AUDIENCE: &str = "journeygraph";

pub struct TestApp {
    pub base: String,
    /// The database's URL, for the binary's CLI.
    pub database_url: String,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    /// Organization `acme` (the viewer's) and `other`.
    pub org_id: i64,
    pub other_org_id: i64,
    /// The server's signal bus (to sweep in tests).
    pub alerts: journeygraph::service::alerts::Alerts,
    /// SQL statements the server's connection has run.
    statements: Arc<AtomicU64>,
    _dir: Option<tempfile::TempDir>,
}

pub fn settings(database_url: String) -> Settings {
    Settings {
        database: DatabaseSettings {
            database_url,
            database_read_url: None,
            db_max_connections: 8,
            sqlite_busy_timeout_ms: 10_000,
            statement_timeout_ms: 10_000,
        },
        auth: AuthSettings {
            jwt_algorithm: JwtAlgorithm::Hs256,
            jwt_secret: Some(SECRET.to_owned().into()),
            jwt_secret_file: None,
            jwt_public_key_file: None,
            jwt_private_key_file: None,
            jwt_issuer: ISSUER.into(),
            jwt_audience: AUDIENCE.into(),
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
            no_graphiql: false,
            no_console: false,
            no_introspection: false,
            cors_origins: vec!["https://app.example.com".into()],
            demo: false,
            demo_customers: 0,
            request_timeout_ms: 10_000,
            header_read_timeout_ms: 30_000,
            rate_limit_per_second: 0,
            rate_limit_burst: 1,
            limits: LimitSettings::default(),
            alerts: AlertSettings {
                sweep_interval_secs: 0,
                webhook_allow_private: true,
                webhook_retry_base_ms: 1_000,
                webhook_max_attempts: 3,
                webhook_timeout_ms: 2_000,
                ws_recheck_secs: 1,
                max_sockets_per_principal: 20,
                ..AlertSettings::default()
            },
        },
    }
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::sqlite_with(|_| {}).await
    }

    /// A SQLite app whose settings `customize` changes first (limits, flags).
    pub async fn sqlite_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let mut settings = settings(url);
        customize(&mut settings);
        TestApp::start(settings, Some(dir)).await
    }

    /// None (and a "skipped" line) when no PostgreSQL is configured; a
    /// failure instead when `JOURNEYGRAPH_REQUIRE_POSTGRES=1`.
    pub async fn postgres(test: &str) -> Option<TestApp> {
        TestApp::postgres_with(test, |_| {}).await
    }

    /// A PostgreSQL app whose settings `customize` changes first.
    pub async fn postgres_with(
        test: &str,
        customize: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let url = postgres_url(test)?;
        let db_url = fresh_postgres_database(&url).await;
        let mut settings = settings(db_url);
        customize(&mut settings);
        Some(TestApp::start(settings, None).await)
    }

    /// The app on `settings`, migrated, with organizations `acme` and `other`.
    pub async fn start(settings: Settings, dir: Option<tempfile::TempDir>) -> TestApp {
        let database_url = settings.database.database_url.clone();
        let mut db = journeygraph::db::connect(&settings.database)
            .await
            .expect("connect");
        journeygraph::db::migrate(&db).await.expect("migrate");
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let app = App::build_with(&settings, db).await.expect("app builds");
        let port = app.port();
        let db = app.db.clone();
        let alerts = app.alerts.clone();
        tokio::spawn(app.run_until_stopped());
        let org_id = organization::create(&db, "acme", "Acme")
            .await
            .expect("org")
            .id;
        let other_org_id = organization::create(&db, "other", "Other")
            .await
            .expect("org")
            .id;
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            database_url,
            db,
            client: reqwest::Client::new(),
            org_id,
            other_org_id,
            alerts,
            statements,
            _dir: dir,
        }
    }

    /// A valid token for `org` with `role`.
    pub fn jwt(&self, org: &str, role: &str) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        sign(&claims(org, role, now, now + 3600))
    }

    /// A valid token for the person `sub` of `org` with `role`.
    pub fn person(&self, org: &str, role: &str, sub: &str) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = claims(org, role, now, now + 3600);
        claims.sub = sub.into();
        sign(&claims)
    }

    /// Statements run so far (every query of the server and of test setup).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::SeqCst)
    }

    pub fn admin(&self) -> String {
        self.jwt("acme", "ADMIN")
    }

    /// A partner token of `acme` with `scopes` (GraphQL enum names) and
    /// optional departments, created through the API by an admin.
    pub async fn api_token(&self, scopes: &[&str], departments: Option<&[&str]>) -> String {
        let (_, body) = self
            .gql(
                Some(&self.admin()),
                "mutation($s: [Scope!]!, $d: [Department!]) { createApiToken(name: \"partner\", scopes: $s, departments: $d) { secret } }",
                json!({"s": scopes, "d": departments}),
            )
            .await;
        body["data"]["createApiToken"]["secret"]
            .as_str()
            .unwrap_or_else(|| panic!("token created: {body}"))
            .to_owned()
    }

    /// Revokes the partner token `secret` (found by its prefix) as an admin.
    pub async fn revoke_token(&self, secret: &str) {
        let (_, tokens) = self
            .gql(
                Some(&self.admin()),
                "{ apiTokens { id prefix } }",
                json!({}),
            )
            .await;
        let id = tokens["data"]["apiTokens"]
            .as_array()
            .expect("tokens")
            .iter()
            .find(|t| secret.starts_with(t["prefix"].as_str().expect("prefix")))
            .expect("the token is listed")["id"]
            .clone();
        let (_, body) = self
            .gql(
                Some(&self.admin()),
                "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
                json!({"id": id}),
            )
            .await;
        assert!(
            body["data"]["revokeApiToken"]["revokedAt"].is_string(),
            "{body}"
        );
    }

    /// Seeds organization `demo` as `serve --demo` does (seed 42, anchored
    /// at today's midnight UTC) with `customers` customers; the anchor.
    pub async fn seed_demo(&self, customers: u32) -> i64 {
        use journeygraph::service::demo::{self, DemoPlan};
        let org = organization::ensure(&self.db, "demo", "Demo Company")
            .await
            .expect("org");
        let now = journeygraph::time::now_millis();
        let plan = DemoPlan {
            customers,
            seed: 42,
            anchor: now - now.rem_euclid(journeygraph::time::DAY_MS),
        };
        demo::seed(&self.db, org.id, &plan, |_| {})
            .await
            .expect("seed");
        plan.anchor
    }

    /// Runs an ingest `mutation` with `input` as `token`; the test fails on any error.
    pub async fn ingest(&self, token: &str, mutation: &str, input: Value) {
        let (_, body) = self
            .gql(Some(token), mutation, json!({"input": input}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }

    /// Merges the customers known to the "crm" source as `merged` into
    /// the one known as `survivor`, as an admin; the test fails on any error.
    pub async fn merge_crm_customers(&self, survivor: &str, merged: &str) {
        let mut ids = Vec::new();
        for external in [survivor, merged] {
            let (_, body) = self
                .gql(
                    Some(&self.admin()),
                    r#"query($e: String!) { customerByIdentity(source: "crm", externalId: $e) { id } }"#,
                    json!({"e": external}),
                )
                .await;
            ids.push(body["data"]["customerByIdentity"]["id"].clone());
        }
        let (_, body) = self
            .gql(
                Some(&self.admin()),
                "mutation($s: ID!, $m: ID!) { mergeCustomers(survivorId: $s, mergedId: $m) { survivor { id } } }",
                json!({"s": ids[0], "m": ids[1]}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }

    /// Number of rows in `table`.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }

    pub fn leader(&self) -> String {
        self.jwt("acme", "LEADER")
    }

    /// POST /graphql with an optional bearer token; (status, body).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json body"))
    }
}

/// The global id of customer row `id`, as the API writes it.
pub fn customer_id(id: i64) -> String {
    journeygraph::global_id::encode(journeygraph::global_id::Kind::Customer, id)
}

pub fn claims(org: &str, role: &str, nbf: u64, exp: u64) -> Claims {
    Claims {
        sub: "tester".into(),
        org: org.into(),
        role: role.into(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        exp,
        nbf,
        iat: nbf,
    }
}

pub fn sign(claims: &Claims) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

/// The configured PostgreSQL server URL, or None after saying the test is skipped.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("JOURNEYGRAPH_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("JOURNEYGRAPH_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!(
                    "{test}: JOURNEYGRAPH_REQUIRE_POSTGRES=1 but JOURNEYGRAPH_TEST_POSTGRES_URL is not set"
                );
            }
            eprintln!(
                "{test}: skipped on PostgreSQL: set JOURNEYGRAPH_TEST_POSTGRES_URL to run it"
            );
            None
        }
    }
}

static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `server` with its database name replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server, String::new()),
    };
    let root = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(base);
    format!("{root}/{name}{query}")
}

/// (Re)creates the database `name` on `server`, optionally from `template`,
/// and returns its URL. Concurrent copies of one template can briefly
/// collide ("source database is being accessed"), so creation retries.
pub async fn create_database(server: &str, name: &str, template: Option<&str>) -> String {
    let admin = Database::connect(server)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop");
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
        None => format!("CREATE DATABASE {name}"),
    };
    let mut tries = 0;
    while let Err(err) = admin.execute_unprepared(&sql).await {
        tries += 1;
        assert!(tries < 50, "create database {name}: {err}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    admin.close().await.ok();
    with_database(server, name)
}

/// Drops the `jg_<kind>_<pid>...` databases of test processes that have
/// exited, so repeated runs on one server do not pile up databases.
async fn drop_databases_of_finished_runs(server: &str) {
    let admin = Database::connect(server)
        .await
        .expect("connect to PostgreSQL");
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'jg\\_%'",
        ))
        .await
        .expect("list databases");
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
    admin.close().await.ok();
}

/// A new database copied from a migrated template (made once per process).
pub async fn fresh_postgres_database(server: &str) -> String {
    let pid = std::process::id();
    let template = TEMPLATE
        .get_or_init(|| async {
            drop_databases_of_finished_runs(server).await;
            let name = format!("jg_tmpl_{pid}");
            let tmpl = Database::connect(create_database(server, &name, None).await)
                .await
                .expect("connect template");
            journeygraph::db::migrate(&tmpl)
                .await
                .expect("migrate template");
            tmpl.close().await.ok();
            name
        })
        .await;
    let name = format!("jg_test_{pid}_{}", COUNTER.fetch_add(1, Ordering::SeqCst));
    create_database(server, &name, Some(template)).await
}

/// Runs an async test body against SQLite and (when configured) PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::TestApp::sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::postgres(stringify!($name)).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
}

/// Test data written through the real ingest service.
pub mod data {
    use journeygraph::domain::{Department, TicketPriority};
    use journeygraph::service::ingest::{self, records::*};
    use sea_orm::DatabaseConnection;

    /// 2026-01-01T00:00:00Z plus `hours`, in epoch ms.
    pub fn at(hours: i64) -> i64 {
        1_767_225_600_000 + hours * 3_600_000
    }

    pub fn customer(external_id: &str) -> CustomerRef {
        CustomerRef {
            source: "crm".into(),
            external_id: external_id.into(),
            email: Some(format!("{external_id}@example.com")),
            display_name: Some(format!("Customer {external_id}")),
            segment: Some("SMB".into()),
            plan: None,
            annual_value_cents: Some(1_000_000),
        }
    }

    pub fn touchpoint(
        cust: &str,
        id: &str,
        department: Department,
        hours: i64,
    ) -> TouchpointRecord {
        TouchpointRecord {
            source: "product".into(),
            external_id: id.into(),
            customer: customer(cust),
            department,
            kind: "login".into(),
            channel: Some("web".into()),
            occurred_at: at(hours),
            attributes: None,
        }
    }

    pub fn ticket(cust: &str, id: &str, opened_h: i64, resolved_h: Option<i64>) -> TicketRecord {
        TicketRecord {
            source: "helpdesk".into(),
            external_id: id.into(),
            customer: customer(cust),
            reason: "login_issue".into(),
            channel: "chat".into(),
            priority: TicketPriority::High,
            team: "tier1".into(),
            opened_at: at(opened_h),
            first_response_at: None,
            resolved_at: resolved_h.map(at),
            reopened_count: 0,
        }
    }

    pub async fn touchpoints(db: &DatabaseConnection, org: i64, records: Vec<TouchpointRecord>) {
        ingest::touchpoints(db, org, &records)
            .await
            .expect("ingest touchpoints");
    }

    pub async fn tickets(db: &DatabaseConnection, org: i64, records: Vec<TicketRecord>) {
        ingest::tickets(db, org, &records)
            .await
            .expect("ingest tickets");
    }
}
