//! The load harness: the release server as its own process on the large
//! PostgreSQL data set (20,000 customers, 100,000 tickets, 1,000,000
//! touchpoints; seeded once and kept as `jg_bench_kept`), driven over
//! loopback HTTP for a bounded time per workload, beside the database's own
//! ceiling and, for the journey read, PostGraphile, measured in the same run:
//!
//!     cargo bench --bench load -- [--seconds 15] [--concurrency 32]
//!         [--pool 8] [--ingest-records 100000] [--only journey,summary,...]
//!         [--peer postgraphile] [--rounds 3]
//!
//! Workloads (random customers of the data set; leader JWT for reads, a
//! partner token with `ingest:write` for ingest):
//! - `journey`: a customer and its latest 50 journey events, with the typed
//!   fields of each event; raw: pgbench `-M prepared`, same concurrency,
//!   the customer row and the very page statement the server sends
//!   (captured through the driver's metric hook, the customer id made a
//!   pgbench variable). With `--peer postgraphile`: PostGraphile 5 (preset
//!   amber, installed from the npm registry into `target/postgraphile` with
//!   Node 22) on the same database, as one process and as one process per
//!   core (Node's cluster), asked for the same customers' latest 50
//!   touchpoints by the same load generator; ours, each PostGraphile and
//!   pgbench take turns, `--rounds` times (3 by default with a peer).
//! - `summary`: `Customer.summary` of a random customer; raw: pgbench running
//!   the very statements the summary service sends (captured likewise).
//! - `outreachQueue` (first 50), `frictionPoints` (all kinds, 90 days) and
//!   `kpis`, by 2 dashboards at once; raw: none (the analytics bench has the
//!   per-statement reference).
//! - `ingest`: batches of 1,000 touchpoints, 4 writers; raw: the same rows
//!   as plain multi-row INSERTs through the same driver (then deleted).
//!
//! Prints, per workload: requests/s, p50 and p99 latency, the server's
//! peak RSS during it (all its processes), the server's CPU per request
//! and the CPU of the PostgreSQL backends serving the bench database per
//! request (ms, from `/proc`; per batch for ingest), and ours / raw. With a
//! peer, each side's medians over the rounds and ours against the faster
//! PostGraphile. Needs `pgbench` and `JOURNEYGRAPH_BENCH_POSTGRES_URL` (or
//! `JOURNEYGRAPH_TEST_POSTGRES_URL`); `--peer` needs npm the first time.
//! Loopback only; every phase stops by itself.

mod support;

use journeygraph::global_id::{self, Kind};
use journeygraph::service::{journey, summary};
use journeygraph::time::{DAY_MS, now_millis};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::dataset::{self, DataSet, Lcg};
use support::plain_insert::{self, BATCH};
use support::postgraphile::{self, POSTGRAPHILE};
use support::procfs::{Processes, Usage};

const SECRET: &str = "load-bench-secret-load-bench-secret-0123456789";
const ALL: [&str; 6] = [
    "journey",
    "summary",
    "outreachQueue",
    "frictionPoints",
    "kpis",
    "ingest",
];

struct Args {
    seconds: u64,
    concurrency: usize,
    pool: u32,
    ingest_records: usize,
    only: Vec<String>,
    /// `--peer postgraphile`: the journey read against PostGraphile too.
    peer: bool,
    /// Interleaved rounds of the journey read (3 with a peer, else 1).
    rounds: Option<usize>,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 15,
        concurrency: 32,
        pool: 8,
        ingest_records: 100_000,
        only: ALL.map(String::from).to_vec(),
        peer: false,
        rounds: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let value = it.next().unwrap_or_default();
        let number = value.parse::<u64>().ok();
        match (arg.as_str(), number) {
            ("--seconds", Some(n)) => a.seconds = n.clamp(1, 600),
            ("--concurrency", Some(n)) => a.concurrency = n.clamp(1, 256) as usize,
            ("--pool", Some(n)) => a.pool = n.clamp(1, 256) as u32,
            ("--ingest-records", Some(n)) => {
                a.ingest_records = (n as usize).max(BATCH) / BATCH * BATCH
            }
            ("--only", _) => a.only = value.split(',').map(str::to_owned).collect(),
            ("--rounds", Some(n)) => a.rounds = Some(n.clamp(1, 20) as usize),
            ("--peer", _) if value == "postgraphile" => a.peer = true,
            ("--peer", _) => panic!("--peer: only postgraphile is known, not {value:?}"),
            _ => {}
        }
    }
    a
}

/// What one side of a workload measured.
#[derive(Clone, Copy, Default)]
struct Figures {
    requests: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    peak_rss_mb: Option<f64>,
    /// Server CPU (user + system) per request, in ms.
    cpu_ms: Option<f64>,
    /// CPU of the PostgreSQL backends serving the bench database per
    /// request, in ms.
    pg_cpu_ms: Option<f64>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

fn figures(mut ms: Vec<f64>, elapsed: Duration, errors: u64) -> Figures {
    ms.sort_by(f64::total_cmp);
    Figures {
        requests: ms.len(),
        per_second: ms.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(&ms, 0.5),
        p99_ms: percentile(&ms, 0.99),
        errors,
        peak_rss_mb: None,
        cpu_ms: None,
        pg_cpu_ms: None,
    }
}

/// Posts bodies made by `body(worker, rng)` with `concurrency` workers for
/// `seconds`; a reply counts when it is 200 with no `errors` and `accept`
/// holds for its `data`.
async fn drive<D, B, A>(
    url: &str,
    credential: &str,
    concurrency: usize,
    seconds: u64,
    body: B,
    accept: A,
) -> Figures
where
    D: DeserializeOwned + 'static,
    B: Fn(&mut Lcg) -> Value + Send + Sync + 'static,
    A: Fn(&D) -> bool + Send + Sync + 'static,
{
    let (body, accept) = (Arc::new(body), Arc::new(accept));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (client, body, accept, errors) =
            (client.clone(), body.clone(), accept.clone(), errors.clone());
        let (url, credential) = (url.to_owned(), credential.to_owned());
        workers.push(tokio::spawn(async move {
            let mut rng = Lcg(0x9E37_79B9_7F4A_7C15 ^ w as u64);
            let mut ms = Vec::new();
            while Instant::now() < until {
                let payload = body(&mut rng);
                let sent = Instant::now();
                let reply = client
                    .post(&url)
                    .bearer_auth(&credential)
                    .json(&payload)
                    .send()
                    .await;
                let ok = match reply {
                    Ok(r) if r.status().is_success() => match r.json::<Reply<D>>().await {
                        Ok(Reply {
                            data: Some(data),
                            errors: None,
                        }) => accept(&data),
                        _ => false,
                    },
                    _ => false,
                };
                if ok {
                    ms.push(sent.elapsed().as_secs_f64() * 1000.0);
                } else if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("  first failed request: {payload}");
                }
            }
            ms
        }));
    }
    let mut ms = Vec::new();
    for w in workers {
        ms.extend(w.await.expect("worker"));
    }
    figures(ms, started.elapsed(), errors.load(Ordering::Relaxed))
}

/// A GraphQL answer as the load generator reads it: `data` decoded into
/// `D`, which names only what a workload checks (serde skips the rest
/// without building it), and whether there were errors.
#[derive(Deserialize)]
struct Reply<D> {
    data: Option<D>,
    errors: Option<IgnoredAny>,
}

/// What the journey workload checks of each answer: the customer, and a
/// page of events, each with its id (the events' other fields are read
/// over and skipped). Decoding the whole answer into a `serde_json::Value`
/// cost the load generator, which shares the two cores with the server and
/// PostgreSQL, about a fifth of the server's CPU per request.
#[derive(Deserialize)]
struct JourneyReply {
    customer: JourneyCustomer,
}

#[derive(Deserialize)]
struct JourneyCustomer {
    id: String,
    journey: JourneyPage,
}

#[derive(Deserialize)]
struct JourneyPage {
    edges: Vec<JourneyEdge>,
}

#[derive(Deserialize)]
struct JourneyEdge {
    node: JourneyNode,
}

#[derive(Deserialize)]
struct JourneyNode {
    id: String,
}

/// An organization-wide question as dashboards ask it: two clients at once,
/// for at least 10 s; a reply counts when `data[field]` is there.
async fn dashboard(
    url: &str,
    jwt: &str,
    seconds: u64,
    body: Value,
    field: &'static str,
) -> Figures {
    drive(
        url,
        jwt,
        2,
        seconds.max(10),
        move |_| body.clone(),
        move |d: &Value| !d[field].is_null(),
    )
    .await
}

/// pgbench with `script` at `concurrency` for `seconds`, prepared
/// statements; latencies from its per-transaction log.
fn pgbench(
    url: &str,
    script: &str,
    vars: &[(&str, i64)],
    concurrency: usize,
    seconds: u64,
) -> Figures {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("script.sql");
    std::fs::write(&file, script).expect("script");
    let mut cmd = std::process::Command::new("pgbench");
    cmd.args(["-n", "-M", "prepared", "-j", "2", "--log"])
        .arg(format!("--log-prefix={}", dir.path().join("tx").display()))
        .arg(format!("-c{concurrency}"))
        .arg(format!("-T{seconds}"))
        .arg("-f")
        .arg(&file);
    for (name, value) in vars {
        cmd.arg("-D").arg(format!("{name}={value}"));
    }
    let out = cmd
        .arg(url)
        .stderr(Stdio::inherit())
        .output()
        .expect("pgbench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pgbench failed:\n{stdout}");
    let failed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("number of failed transactions: "))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let mut ms = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("logs").flatten() {
        if !entry.file_name().to_string_lossy().starts_with("tx") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("log");
        ms.extend(text.lines().filter_map(|l| {
            let micros: f64 = l.split_whitespace().nth(2)?.parse().ok()?;
            Some(micros / 1000.0)
        }));
    }
    figures(ms, Duration::from_secs(seconds), failed)
}

const JOURNEY_QUERY: &str = "query($id: ID!) { customer(id: $id) { id displayName annualValue \
    journey(first: 50) { pageInfo { hasNextPage endCursor } edges { node { __typename id kind \
    occurredAt department channel source externalId \
    ... on SupportEvent { reason team priority openedAt resolvedAt } \
    ... on DealEvent { stage amount owner outcome } \
    ... on CampaignEvent { campaignName campaignChannel openedAt clickedAt } \
    ... on OnboardingEvent { stepName stepPosition completedAt } \
    ... on FeedbackEvent { metric score comment } } } } } }";

const SUMMARY_QUERY: &str = "query($id: ID!) { customer(id: $id) { id displayName summary { \
    stage departmentsTouched firstTouchAt lastTouchAt openTickets healthScore \
    activeFrictionKinds healthFactors { factor points detail } } } }";

/// The journey read as PostGraphile (preset amber) serves it: the customer
/// by its row id and its latest 50 touchpoints through the foreign key,
/// with the same event fields as ours.
const PEER_JOURNEY_QUERY: &str = "query($id: BigInt!) { customerByRowId(rowId: $id) { id displayName annualValueCents \
    touchpointsByOrgIdAndCustomerId(first: 50, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC]) { pageInfo { hasNextPage endCursor } \
    edges { node { id kind occurredAt department channel source externalId recordKind recordId } } } } }";

/// What the peer's journey workload checks of each answer, as for ours.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PeerReply {
    customer_by_row_id: PeerCustomer,
}

#[derive(Deserialize)]
struct PeerCustomer {
    id: String,
    #[serde(rename = "touchpointsByOrgIdAndCustomerId")]
    touchpoints: PeerPage,
}

#[derive(Deserialize)]
struct PeerPage {
    edges: Vec<PeerEdge>,
}

#[derive(Deserialize)]
struct PeerEdge {
    node: PeerNode,
}

#[derive(Deserialize)]
struct PeerNode {
    id: String,
}

/// The statements one read of the customer `sample` sends (captured
/// through the driver's metric hook), as a pgbench script: the customer
/// row, then each SELECT with the customer id made the variable `:cid`.
async fn captured_script<F>(url: &str, sample: i64, read: F) -> String
where
    F: AsyncFnOnce(&DatabaseConnection),
{
    let settings = journeygraph::config::DatabaseSettings {
        database_url: url.to_owned(),
        database_read_url: None,
        db_max_connections: 1,
        sqlite_busy_timeout_ms: 30_000,
        statement_timeout_ms: 0,
    };
    let mut db = journeygraph::db::connect(&settings).await.expect("connect");
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = seen.clone();
    db.set_metric_callback(move |info| {
        if let Ok(mut s) = sink.lock() {
            s.push(info.statement.to_string());
        }
    });
    read(&db).await;
    let mut script = String::from(
        "\\set cid random(:lo, :hi)\nSELECT * FROM customer WHERE org_id = :org AND id = :cid;\n",
    );
    let statements = seen.lock().map(|s| s.clone()).unwrap_or_default();
    for sql in statements
        .iter()
        .filter(|s| s.trim_start().starts_with("SELECT"))
    {
        let with_variable = replace_number(sql, sample, ":cid");
        assert!(
            with_variable != *sql,
            "a statement without the customer: {sql}"
        );
        script.push_str(&with_variable);
        script.push_str(";\n");
    }
    script
}

/// The journey page statement the server sends for `first: 50`.
async fn journey_script(url: &str, org: i64, sample: i64) -> String {
    captured_script(url, sample, async |db| {
        let args = journey::JourneyArgs {
            first: 50,
            after: None,
            departments: Vec::new(),
            from: None,
            to: None,
        };
        journey::load_pages(db, org, &[sample], &args)
            .await
            .expect("journey");
    })
    .await
}

/// The statements the summary service sends for one customer.
async fn summary_script(url: &str, org: i64, sample: i64) -> String {
    captured_script(url, sample, async |db| {
        summary::summaries(db, org, &[sample], now_millis())
            .await
            .expect("summary");
    })
    .await
}

/// `sql` with every literal `number` (not part of a longer number or name)
/// replaced by `by`.
fn replace_number(sql: &str, number: i64, by: &str) -> String {
    let needle = number.to_string();
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut rest = 0;
    for (at, _) in sql.match_indices(&needle) {
        let end = at + needle.len();
        let joined = |i: Option<&u8>| i.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if at < rest
            || joined(at.checked_sub(1).and_then(|i| bytes.get(i)))
            || joined(bytes.get(end))
        {
            continue;
        }
        out.push_str(&sql[rest..at]);
        out.push_str(by);
        rest = end;
    }
    out.push_str(&sql[rest..]);
    out
}

/// The server as a child process; killed when dropped.
struct Server {
    child: tokio::process::Child,
    base: String,
}

async fn start_server(url: &str, pool: u32) -> Server {
    let port = support::free_port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_journeygraph"))
        .env("DATABASE_URL", url)
        .env("JOURNEYGRAPH_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--no-graphiql", "--rate-limit-per-second", "0"])
        .args([
            "--sweep-interval-secs",
            "0",
            "--request-timeout-ms",
            "60000",
        ])
        .args(["--db-max-connections", &pool.to_string()])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready");
}

/// Runs the CLI against the data set and returns its first stdout line.
fn cli(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_journeygraph"))
        .env("DATABASE_URL", url)
        .env("JOURNEYGRAPH_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .expect("cli");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

async fn scalar(db: &DatabaseConnection, sql: String) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row")
        .try_get("", "v")
        .expect("v")
}

/// Removes what the ingest workload wrote (so the kept data set stays the
/// size the analytics bench expects).
async fn remove_ingested(db: &DatabaseConnection, org: i64) {
    db.execute_unprepared(&format!(
        "DELETE FROM touchpoint WHERE org_id = {org} AND source IN ('load', 'load-raw')"
    ))
    .await
    .expect("delete");
    db.execute_unprepared("VACUUM ANALYZE touchpoint")
        .await
        .expect("vacuum");
}

/// Runs `run` and adds what the server (`server`) and the PostgreSQL
/// backends spent during it, per request.
async fn measured(
    server: Option<&Usage>,
    backends: &Usage,
    run: impl std::future::Future<Output = Figures>,
) -> Figures {
    if let Some(s) = server {
        s.begin();
    }
    backends.begin();
    let mut f = run.await;
    let n = f.requests.max(1) as f64;
    if let Some(s) = server {
        let spent = s.spent();
        f.cpu_ms = Some(spent.cpu_ms / n);
        f.peak_rss_mb = Some(spent.peak_rss_mb);
    }
    f.pg_cpu_ms = Some(backends.spent().cpu_ms / n);
    f
}

/// `pgbench` with `script`, and what its backends spent per transaction.
async fn measured_pgbench(
    backends: &Usage,
    url: &str,
    script: &str,
    vars: [(&'static str, i64); 3],
    concurrency: usize,
    seconds: u64,
) -> Figures {
    let (url, script) = (url.to_owned(), script.to_owned());
    let run =
        tokio::task::spawn_blocking(move || pgbench(&url, &script, &vars, concurrency, seconds));
    measured(None, backends, async { run.await.expect("pgbench") }).await
}

/// The figures of several interleaved rounds of one side.
struct Rounds(Vec<Figures>);

impl Rounds {
    /// Each figure's median over the rounds.
    fn median(&self) -> Figures {
        let of = |f: fn(&Figures) -> Option<f64>| {
            let mut v: Vec<f64> = self.0.iter().filter_map(f).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied()
        };
        Figures {
            requests: self.0.iter().map(|f| f.requests).sum::<usize>() / self.0.len().max(1),
            per_second: of(|f| Some(f.per_second)).unwrap_or(f64::NAN),
            p50_ms: of(|f| Some(f.p50_ms)).unwrap_or(f64::NAN),
            p99_ms: of(|f| Some(f.p99_ms)).unwrap_or(f64::NAN),
            errors: self.0.iter().map(|f| f.errors).sum(),
            peak_rss_mb: of(|f| f.peak_rss_mb),
            cpu_ms: of(|f| f.cpu_ms),
            pg_cpu_ms: of(|f| f.pg_cpu_ms),
        }
    }

    /// Each round's requests per second, in order.
    fn rates(&self) -> String {
        self.0
            .iter()
            .map(|f| format!("{:.0}", f.per_second))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// PostGraphile running for the journey read, with what it spends.
struct PeerSide {
    peer: postgraphile::Peer,
    usage: Usage,
    /// First customer id and how many there are.
    customers: (i64, u64),
}

impl PeerSide {
    fn name(&self) -> String {
        match self.peer.workers {
            1 => "PostGraphile, 1 process".to_owned(),
            n => format!("PostGraphile, {n} processes"),
        }
    }

    /// The journey read as PostGraphile serves it, same customers, same
    /// page size, same event fields (the typed records have no foreign
    /// key to follow, so it returns the events' own columns).
    fn journey(
        &self,
        concurrency: usize,
        seconds: u64,
    ) -> impl std::future::Future<Output = Figures> + '_ {
        let (lo, span) = self.customers;
        drive(
            &self.peer.graphql,
            "",
            concurrency,
            seconds,
            move |rng: &mut Lcg| json!({"query": PEER_JOURNEY_QUERY, "variables": {"id": (lo + rng.next(span) as i64).to_string()}}),
            |d: &PeerReply| {
                let c = &d.customer_by_row_id;
                !c.id.is_empty() && c.touchpoints.edges.iter().all(|e| !e.node.id.is_empty())
            },
        )
    }
}

/// PostGraphile as one process and as one process per core, each warmed
/// up like ours.
async fn start_peers(url: &str, pool: u32, customers: (i64, u64)) -> Vec<PeerSide> {
    let home = postgraphile::install();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut sides = Vec::new();
    for workers in [1, cores] {
        let peer = postgraphile::start(&home, url, workers, pool).await;
        let pid = peer.child.id().expect("pid");
        eprintln!("{} at {} (pid {pid})", POSTGRAPHILE, peer.graphql);
        let side = PeerSide {
            peer,
            usage: Usage::watch(Processes::Tree(pid)),
            customers,
        };
        side.journey(4, 2).await;
        sides.push(side);
    }
    sides
}

struct Row {
    workload: String,
    ours: Figures,
    raw: Option<Figures>,
}

#[tokio::main]
async fn main() {
    let a = args();
    let Some((_admin, url)) = support::postgres_database(dataset::KEPT, false).await else {
        return;
    };
    eprintln!("data set:");
    let DataSet { db, org, anchor } = dataset::open(url.clone(), dataset::Size::default()).await;
    remove_ingested(&db, org).await;
    let lo = scalar(
        &db,
        format!("SELECT MIN(id) AS v FROM customer WHERE org_id = {org}"),
    )
    .await;
    let hi = scalar(
        &db,
        format!("SELECT MAX(id) AS v FROM customer WHERE org_id = {org}"),
    )
    .await;
    let jwt = cli(
        &url,
        &[
            "token", "mint", "--org", "bench", "--role", "leader", "--sub", "load", "--ttl", "12h",
        ],
    );
    let token = cli(
        &url,
        &[
            "api-token",
            "create",
            "--org",
            "bench",
            "--name",
            "load",
            "--scopes",
            "ingest:write",
        ],
    );
    let server = start_server(&url, a.pool).await;
    let pid = server.child.id().expect("pid");
    let graphql = format!("{}/graphql", server.base);
    let usage = Usage::watch(Processes::Tree(pid));
    let backends = Usage::watch(Processes::Backends(dataset::KEPT.to_owned()));
    let vars = [("org", org), ("lo", lo), ("hi", hi)];
    let span = (hi - lo + 1) as u64;
    let c = a.concurrency;
    eprintln!(
        "server pid {pid}, pool {}, customers {lo}..={hi}, {} s per workload",
        a.pool, a.seconds
    );
    let by_id = move |query: &'static str| move |rng: &mut Lcg| json!({"query": query, "variables": {"id": global_id::encode(Kind::Customer, lo + rng.next(span) as i64)}});
    // Warm the server's and the database's caches alike.
    drive(
        &graphql,
        &jwt,
        4,
        2,
        by_id(JOURNEY_QUERY),
        |_: &IgnoredAny| true,
    )
    .await;

    let mut rows = Vec::new();
    let mut peer_rows = Vec::new();
    let mut journey_rounds = None;
    let wanted = |w: &str| a.only.iter().any(|o| o == w);
    if wanted("journey") {
        let peers = if a.peer {
            start_peers(&url, a.pool, (lo, span)).await
        } else {
            Vec::new()
        };
        let rounds = a.rounds.unwrap_or(if a.peer { 3 } else { 1 });
        let journey_raw = journey_script(&url, org, lo + (hi - lo) / 2).await;
        let mut ours = Vec::new();
        let mut raw = Vec::new();
        let mut theirs = vec![Vec::new(); peers.len()];
        for round in 1..=rounds {
            eprintln!("journey read, concurrency {c}, round {round} of {rounds} ...");
            let accept = |d: &JourneyReply| {
                !d.customer.id.is_empty()
                    && d.customer
                        .journey
                        .edges
                        .iter()
                        .all(|e| !e.node.id.is_empty())
            };
            let run = drive(&graphql, &jwt, c, a.seconds, by_id(JOURNEY_QUERY), accept);
            ours.push(measured(Some(&usage), &backends, run).await);
            for (peer, figures) in peers.iter().zip(&mut theirs) {
                eprintln!("  {} ...", peer.name());
                figures
                    .push(measured(Some(&peer.usage), &backends, peer.journey(c, a.seconds)).await);
            }
            raw.push(measured_pgbench(&backends, &url, &journey_raw, vars, c, a.seconds).await);
        }
        let (ours, raw) = (Rounds(ours), Rounds(raw));
        for (peer, figures) in peers.iter().zip(theirs) {
            peer_rows.push((peer.name(), Rounds(figures)));
        }
        rows.push(Row {
            workload: format!("journey read (c={c})"),
            ours: ours.median(),
            raw: Some(raw.median()),
        });
        journey_rounds = Some((ours, raw));
    }
    if wanted("summary") {
        eprintln!("customer summary, concurrency {c} ...");
        let run = drive(
            &graphql,
            &jwt,
            c,
            a.seconds,
            by_id(SUMMARY_QUERY),
            |d: &Value| d["customer"]["summary"]["healthScore"].is_number(),
        );
        let ours = measured(Some(&usage), &backends, run).await;
        let script = summary_script(&url, org, lo + (hi - lo) / 2).await;
        let raw = measured_pgbench(&backends, &url, &script, vars, c, a.seconds).await;
        rows.push(Row {
            workload: format!("customer summary (c={c})"),
            ours,
            raw: Some(raw),
        });
    }
    let window = json!({"from": chrono::DateTime::from_timestamp_millis(anchor - 90 * DAY_MS).map(|t| t.to_rfc3339()),
                        "to": chrono::DateTime::from_timestamp_millis(anchor).map(|t| t.to_rfc3339())});
    if wanted("frictionPoints") {
        eprintln!("frictionPoints (all kinds, 90 days), concurrency 2 ...");
        let body = json!({"query": "query($w: WindowInput!) { frictionPoints(window: $w, first: 100) { kind subject occurrences affectedCustomers rate baselineRate lift medianDelayHours revenueAtRisk impactScore previousRate } }", "variables": {"w": window}});
        let run = dashboard(&graphql, &jwt, a.seconds, body, "frictionPoints");
        let ours = measured(Some(&usage), &backends, run).await;
        rows.push(Row {
            workload: "frictionPoints, all kinds (c=2)".into(),
            ours,
            raw: None,
        });
    }
    if wanted("outreachQueue") {
        eprintln!("outreachQueue (first 50), concurrency 2 ...");
        let body = json!({"query": "{ outreachQueue(first: 50) { edges { node { priority severity customer { id displayName } } } } }"});
        let run = dashboard(&graphql, &jwt, a.seconds, body, "outreachQueue");
        let ours = measured(Some(&usage), &backends, run).await;
        rows.push(Row {
            workload: "outreachQueue, first 50 (c=2)".into(),
            ours,
            raw: None,
        });
    }
    if wanted("kpis") {
        eprintln!("kpis (90 days), concurrency 2 ...");
        let fields = [
            "contactRate",
            "repeatContactRate",
            "fcrRate",
            "medianFirstResponseHours",
            "medianResolutionHours",
            "slaAttainment",
            "csatAverage",
            "csatPercent",
            "nps",
            "cesAverage",
            "onboardingCompletionRate",
            "medianTimeToValueDays",
        ]
        .map(|f| format!("{f} {{ value previous }}"))
        .join(" ");
        let body = json!({"query": format!("query($w: WindowInput!) {{ kpis(window: $w) {{ {fields} }} }}"), "variables": {"w": window}});
        let run = dashboard(&graphql, &jwt, a.seconds, body, "kpis");
        let ours = measured(Some(&usage), &backends, run).await;
        rows.push(Row {
            workload: "kpis (c=2)".into(),
            ours,
            raw: None,
        });
    }
    if wanted("ingest") {
        let records = a.ingest_records;
        eprintln!("ingest: {records} touchpoints in batches of {BATCH}, 4 writers ...");
        let next = Arc::new(AtomicU64::new(0));
        let batches = (records / BATCH) as u64;
        let body = move |_: &mut Lcg| {
            let n = next.fetch_add(1, Ordering::SeqCst);
            let input: Vec<Value> = (0..BATCH as u64)
                .map(|i| {
                    let k = n * BATCH as u64 + i;
                    json!({"source": "load", "externalId": format!("L-{k}"),
                        "customer": {"source": "crm", "externalId": format!("C-{:06}", k % span)},
                        "department": "PRODUCT", "kind": "login", "channel": "web",
                        "occurredAt": chrono::DateTime::from_timestamp_millis(plain_insert::BASE_MS + k as i64 * 1000).map(|t| t.to_rfc3339()),
                        "attributes": {"page": "/home"}})
                })
                .collect();
            json!({"query": "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }", "variables": {"input": input}})
        };
        let run = async {
            let started = Instant::now();
            let (ms, failed) = drive_batches(&graphql, &token, 4, batches, body).await;
            figures(ms, started.elapsed(), failed)
        };
        let mut ours = measured(Some(&usage), &backends, run).await;
        ours.per_second *= BATCH as f64;
        let target = plain_insert::Target {
            org_id: org,
            first_customer: lo,
            customers: span as usize,
            source: "load-raw",
        };
        let raw_rate = plain_insert::touchpoints(&db, &target, records, 4).await;
        let raw = Figures {
            per_second: raw_rate,
            p50_ms: f64::NAN,
            p99_ms: f64::NAN,
            ..Default::default()
        };
        rows.push(Row {
            workload: "ingest touchpoints/s (4 writers)".into(),
            ours,
            raw: Some(raw),
        });
        remove_ingested(&db, org).await;
    }
    drop(server);

    println!(
        "\nload on {} customers / {} tickets / {} touchpoints (PostgreSQL), server pool {}, {} s per workload",
        hi - lo + 1,
        dataset::count(&db, "ticket").await,
        dataset::count(&db, "touchpoint").await,
        a.pool,
        a.seconds
    );
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>7} {:>9} {:>8} {:>8} | {:>10} {:>9} {:>9} {:>8} {:>7}",
        "workload",
        "ours /s",
        "p50 ms",
        "p99 ms",
        "errors",
        "RSS MB",
        "CPU ms",
        "PG ms",
        "raw /s",
        "p50 ms",
        "p99 ms",
        "PG ms",
        "ratio"
    );
    for r in rows {
        print_side(&r.workload, &r.ours);
        print!(" |");
        match r.raw {
            Some(raw) => println!(
                " {:>10.1} {:>9.1} {:>9.1} {:>8.3} {:>7.2}",
                raw.per_second,
                raw.p50_ms,
                raw.p99_ms,
                raw.pg_cpu_ms.unwrap_or(f64::NAN),
                r.ours.per_second / raw.per_second
            ),
            None => println!(" {:>10} {:>9} {:>9} {:>8} {:>7}", "-", "-", "-", "-", "-"),
        }
    }
    if let Some((ours, raw)) = journey_rounds {
        print_peers(&ours, &raw, &peer_rows);
    }
}

/// One row's figures of a side (ours or the peer's), up to the raw part.
fn print_side(name: &str, o: &Figures) {
    print!(
        "{:<34} {:>10.1} {:>9.1} {:>9.1} {:>7} {:>9.0} {:>8.3} {:>8.3}",
        name,
        o.per_second,
        o.p50_ms,
        o.p99_ms,
        o.errors,
        o.peak_rss_mb.unwrap_or(f64::NAN),
        o.cpu_ms.unwrap_or(f64::NAN),
        o.pg_cpu_ms.unwrap_or(f64::NAN)
    );
}

/// The journey read beside PostGraphile: each side's medians over the
/// interleaved rounds, each round's rate, and ours against the faster
/// PostGraphile.
fn print_peers(ours: &Rounds, raw: &Rounds, peers: &[(String, Rounds)]) {
    let rounds = ours.0.len();
    println!(
        "\njourney read, median of {rounds} interleaved round(s); CPU ms per request: server (all its processes), PostgreSQL (the backends), whole stack (both)"
    );
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>7} {:>9} {:>8} {:>8} {:>8}   rounds /s",
        "side", "req/s", "p50 ms", "p99 ms", "errors", "RSS MB", "CPU ms", "PG ms", "stack"
    );
    let stack = |f: &Figures| f.cpu_ms.unwrap_or(f64::NAN) + f.pg_cpu_ms.unwrap_or(f64::NAN);
    let line = |name: &str, r: &Rounds| {
        let m = r.median();
        print_side(name, &m);
        println!(" {:>8.3}   {}", stack(&m), r.rates());
    };
    line("journeygraph", ours);
    for (name, r) in peers {
        line(name, r);
    }
    let m = raw.median();
    println!(
        "{:<34} {:>10.1} {:>9.1} {:>9.1} {:>7} {:>9} {:>8} {:>8.3} {:>8}   {}",
        "raw SQL (pgbench, our statements)",
        m.per_second,
        m.p50_ms,
        m.p99_ms,
        m.errors,
        "-",
        "-",
        m.pg_cpu_ms.unwrap_or(f64::NAN),
        "-",
        raw.rates()
    );
    let faster = peers
        .iter()
        .map(|(name, r)| (name, r.median()))
        .max_by(|a, b| a.1.per_second.total_cmp(&b.1.per_second));
    if let Some((name, p)) = faster {
        let o = ours.median();
        println!(
            "ours / {name} (the faster): req/s {:.2}, whole-stack CPU per request {:.2}, PostgreSQL CPU per request {:.2}, RSS {:.2}",
            o.per_second / p.per_second,
            stack(&o) / stack(&p),
            o.pg_cpu_ms.unwrap_or(f64::NAN) / p.pg_cpu_ms.unwrap_or(f64::NAN),
            o.peak_rss_mb.unwrap_or(f64::NAN) / p.peak_rss_mb.unwrap_or(f64::NAN),
        );
    }
}

/// Sends exactly `batches` requests made by `body` with `concurrency`
/// workers; returns the latencies of the accepted ones and the failures.
async fn drive_batches<B>(
    url: &str,
    credential: &str,
    concurrency: usize,
    batches: u64,
    body: B,
) -> (Vec<f64>, u64)
where
    B: Fn(&mut Lcg) -> Value + Send + Sync + 'static,
{
    let body = Arc::new(body);
    let sent = Arc::new(AtomicU64::new(0));
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, body, sent) = (client.clone(), body.clone(), sent.clone());
        let (url, credential) = (url.to_owned(), credential.to_owned());
        workers.push(tokio::spawn(async move {
            let (mut ms, mut failed, mut rng) = (Vec::new(), 0, Lcg(1));
            while sent.fetch_add(1, Ordering::SeqCst) < batches {
                let payload = body(&mut rng);
                let at = Instant::now();
                let reply: Option<Value> = match client
                    .post(&url)
                    .bearer_auth(&credential)
                    .json(&payload)
                    .send()
                    .await
                {
                    Ok(r) => r.json().await.ok(),
                    Err(_) => None,
                };
                match reply {
                    Some(v) if v["data"]["ingestTouchpoints"]["created"] == BATCH as u64 => {
                        ms.push(at.elapsed().as_secs_f64() * 1000.0)
                    }
                    other => {
                        failed += 1;
                        if failed == 1 {
                            eprintln!("  failed batch: {}", other.unwrap_or(Value::Null));
                        }
                    }
                }
            }
            (ms, failed)
        }));
    }
    let (mut ms, mut failed) = (Vec::new(), 0);
    for w in workers {
        let (m, f) = w.await.expect("worker");
        ms.extend(m);
        failed += f;
    }
    (ms, failed)
}
