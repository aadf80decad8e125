//! Every analytic on a large organization: the demo data set for N
//! customers, topped up through the ingest service to the target numbers of
//! tickets and touchpoints, then each analytic run several times through its
//! service function (what a resolver calls). Prints the median per analytic
//! and backend, beside one reference written as a single raw SQL statement.
//!
//!     cargo bench --bench analytics -- [--customers 20000] [--tickets 100000]
//!         [--touchpoints 1000000] [--runs 5] [--backend sqlite|postgres|both]
//!         [--at-once 1]
//!
//! `--only TEXT` runs only the analytics whose name contains TEXT.
//! `--at-once N` runs N copies of each analytic at once (N dashboards
//! asking together) and times until the last one answers.
//!
//! How cost grows (PostgreSQL only), each analytic over the same 90-day
//! window at each size:
//!
//!     cargo bench --bench analytics -- --grow days|customers [--scales 1,4,10]
//!
//! `days`: 1x, 4x, 10x the 180 days of history at the same daily activity
//! (each 180 days has its own 20,000 customers, 100,000 tickets and
//! 1,000,000 touchpoints); `customers`: 1x, 4x, 10x the customers, tickets
//! and touchpoints in the same 180 days. Each size is kept in a database of
//! its own (`jg_bench_days_4` ...; 1x is `jg_bench_kept`) and reused by the
//! next run; drop them with `dropdb` when done.
//!
//! PostgreSQL: `JOURNEYGRAPH_BENCH_POSTGRES_URL` (or
//! `JOURNEYGRAPH_TEST_POSTGRES_URL`) names the server; the bench creates and
//! drops its own database. With `--keep` it keeps it (`jg_bench_kept`) and a
//! later `--keep` run reuses it without seeding again (to study plans with
//! EXPLAIN between runs). Loopback only; it stops by itself.

mod support;

use journeygraph::auth::Viewer;
use journeygraph::domain::{FrictionKind, Role};
use journeygraph::service::buckets::Width;
use journeygraph::service::window::{Window, median};
use journeygraph::service::{
    contact_reasons, friction, funnel, handoff, kpi, outreach, paths, summary,
};
use journeygraph::time::{DAY_MS, HOUR_MS, now_millis};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::BTreeMap;
use std::time::Instant;
use support::dataset::Size;

/// The direction a growth run grows the data set in.
#[derive(Clone, Copy, Debug)]
enum Grow {
    /// More days of history at the same daily activity.
    Days,
    /// More customers, tickets and touchpoints in the same days.
    Customers,
}

impl Grow {
    fn name(self) -> &'static str {
        match self {
            Grow::Days => "days",
            Grow::Customers => "customers",
        }
    }

    fn size(self, base: Size, scale: u32) -> Size {
        match self {
            Grow::Days => base.longer(scale),
            Grow::Customers => base.times(scale),
        }
    }
}

struct Args {
    size: Size,
    runs: usize,
    backends: Vec<&'static str>,
    keep: bool,
    at_once: usize,
    grow: Option<Grow>,
    scales: Vec<u32>,
    only: Option<&'static str>,
}

fn args() -> Args {
    let mut a = Args {
        size: Size::default(),
        runs: 5,
        backends: vec!["sqlite", "postgres"],
        keep: false,
        at_once: 1,
        grow: None,
        scales: vec![1, 4, 10],
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if arg == "--keep" {
            a.keep = true;
            continue;
        }
        let value = it.next();
        let number = || value.as_deref().and_then(|v| v.parse::<u64>().ok());
        match arg.as_str() {
            "--customers" => a.size.customers = number().map_or(a.size.customers, |n| n as u32),
            "--tickets" => a.size.tickets = number().unwrap_or(a.size.tickets),
            "--touchpoints" => a.size.touchpoints = number().unwrap_or(a.size.touchpoints),
            "--runs" => a.runs = number().map_or(a.runs, |n| n.max(1) as usize),
            "--only" => a.only = value.map(|v| &*Box::leak(v.into_boxed_str())),
            "--at-once" => a.at_once = number().map_or(a.at_once, |n| n.max(1) as usize),
            "--grow" => {
                a.grow = match value.as_deref() {
                    Some("days") => Some(Grow::Days),
                    Some("customers") => Some(Grow::Customers),
                    other => panic!("--grow days|customers, not {other:?}"),
                }
            }
            "--scales" => {
                a.scales = value
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .map(|n| n.trim().parse().expect("--scales 1,4,10"))
                    .collect()
            }
            "--backend" => {
                a.backends = match value.as_deref() {
                    Some("sqlite") => vec!["sqlite"],
                    Some("postgres") => vec!["postgres"],
                    _ => vec!["sqlite", "postgres"],
                }
            }
            _ => {}
        }
    }
    a
}

/// REPEAT_CONTACT per reason as one SQL statement: the reference for the
/// cost of our item query plus aggregation.
fn raw_repeat_contact(db: &DatabaseConnection, org: i64, w: Window) -> Statement {
    let sql = format!(
        "SELECT t.reason, COUNT(DISTINCT t.customer_id) AS exposed, COUNT(DISTINCT CASE WHEN EXISTS (
           SELECT 1 FROM ticket e WHERE e.org_id = t.org_id AND e.customer_id = t.customer_id AND e.reason = t.reason
           AND e.opened_at >= t.opened_at - {lookback} AND (e.opened_at < t.opened_at OR (e.opened_at = t.opened_at AND e.id < t.id)))
           THEN t.customer_id END) AS affected
         FROM ticket t WHERE t.org_id = {org} AND t.opened_at >= {from} AND t.opened_at < {to} GROUP BY t.reason",
        lookback = 168 * HOUR_MS,
        from = w.from,
        to = w.to
    );
    Statement::from_string(db.get_database_backend(), sql)
}

/// The same counts as `raw_repeat_contact`, as the fastest single statement
/// we know: the previous same-reason ticket from one window-function sort.
fn raw_repeat_contact_lag(db: &DatabaseConnection, org: i64, w: Window) -> Statement {
    let sql = format!(
        "SELECT t.reason, COUNT(DISTINCT t.customer_id) AS exposed,
           COUNT(DISTINCT CASE WHEN t.prev_at >= t.opened_at - {lookback} THEN t.customer_id END) AS affected
         FROM (SELECT customer_id, reason, opened_at,
                 LAG(opened_at) OVER (PARTITION BY customer_id, reason ORDER BY opened_at, id) AS prev_at
               FROM ticket WHERE org_id = {org} AND opened_at >= {start} AND opened_at < {to}) t
         WHERE t.opened_at >= {from} GROUP BY t.reason",
        lookback = 168 * HOUR_MS,
        start = w.from - 168 * HOUR_MS,
        from = w.from,
        to = w.to
    );
    Statement::from_string(db.get_database_backend(), sql)
}

/// A reference statement written as raw SQL.
type RawStatement = fn(&DatabaseConnection, i64, Window) -> Statement;

type Timings = BTreeMap<&'static str, f64>;

/// How each analytic is timed: `runs` runs of `at_once` copies at once,
/// only those whose name contains `only` when it is set.
#[derive(Clone, Copy)]
struct Timing {
    runs: usize,
    at_once: usize,
    only: Option<&'static str>,
}

impl Timing {
    /// Times `work` into `t` as `name` (the median milliseconds of the
    /// runs, each until its last copy is done), unless `--only` leaves it
    /// out.
    async fn record<F, Fut>(self, t: &mut Timings, name: &'static str, work: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        if self.only.is_some_and(|only| !name.contains(only)) {
            return;
        }
        let mut ms = Vec::with_capacity(self.runs);
        for _ in 0..self.runs {
            let started = Instant::now();
            futures::future::join_all((0..self.at_once).map(|_| work())).await;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        t.insert(name, median(ms).unwrap_or(f64::NAN));
    }
}

async fn measure(db: &DatabaseConnection, org: i64, timing: Timing, anchor: i64) -> Timings {
    let viewer = Viewer::person(org, "bench".into(), "bench".into(), Role::Leader);
    let w = Window::new(anchor - 90 * DAY_MS, anchor, now_millis()).expect("window");
    let p = friction::Params::default();
    let mut t = Timings::new();
    let v = &viewer;
    timing
        .record(&mut t, "kpis", || async {
            kpi::kpis(db, v, w, None, kpi::Wanted::ALL)
                .await
                .expect("kpis");
        })
        .await;
    // 26 weekly buckets: the half year before the anchor's Monday.
    let monday = {
        let day = anchor - anchor.rem_euclid(DAY_MS);
        // 1970-01-01 was a Thursday: days since a Monday are (days + 3) % 7.
        day - ((day / DAY_MS + 3) % 7) * DAY_MS
    };
    let weeks = Window::new(monday - 26 * 7 * DAY_MS, monday, now_millis()).expect("weeks");
    timing
        .record(&mut t, "kpiTrend (26 weeks)", || async {
            let points = kpi::kpi_trend(db, v, weeks, Width::Week, None, kpi::Wanted::ALL)
                .await
                .expect("kpi trend");
            assert_eq!(points.len(), 26);
        })
        .await;
    timing
        .record(&mut t, "contactReasonTrend (26 weeks)", || async {
            contact_reasons::contact_reason_trend(db, v, weeks, Width::Week)
                .await
                .expect("reason trend");
        })
        .await;
    timing
        .record(&mut t, "frictionTrend (26 weeks, every kind)", || async {
            for kind in FrictionKind::ALL {
                friction::friction_trend(db, v, weeks, Width::Week, *kind, None, &p, 100)
                    .await
                    .expect("friction trend");
            }
        })
        .await;
    timing
        .record(&mut t, "contactReasons", || async {
            contact_reasons::contact_reasons(db, v, w, 20)
                .await
                .expect("reasons");
        })
        .await;
    timing
        .record(&mut t, "handoffMatrix", || async {
            handoff::handoff_matrix(db, v, w).await.expect("handoff");
        })
        .await;
    timing
        .record(&mut t, "journeyPaths (4 steps)", || async {
            paths::journey_paths(db, v, w, 4, 20).await.expect("paths");
        })
        .await;
    let steps: Vec<String> = ["campaign_delivered", "ticket_opened", "ticket_resolved"]
        .map(String::from)
        .to_vec();
    timing
        .record(&mut t, "funnel (3 steps)", || async {
            funnel::funnel(db, v, w, &steps, 14).await.expect("funnel");
        })
        .await;
    for kind in FrictionKind::ALL {
        let name: &'static str = Box::leak(format!("frictionPoints {kind}").into_boxed_str());
        timing
            .record(&mut t, name, || async {
                friction::friction_points(db, v, w, &[*kind], &p, 1, 100)
                    .await
                    .expect("friction");
            })
            .await;
    }
    timing
        .record(&mut t, "frictionPoints (all kinds)", || async {
            friction::friction_points(db, v, w, &[], &p, 1, 100)
                .await
                .expect("friction");
        })
        .await;
    let references: [(&'static str, RawStatement); 2] = [
        ("raw SQL: REPEAT_CONTACT per reason", raw_repeat_contact),
        (
            "raw SQL: REPEAT_CONTACT per reason, LAG",
            raw_repeat_contact_lag,
        ),
    ];
    for (name, statement) in references {
        timing
            .record(&mut t, name, || async {
                db.query_all_raw(statement(db, org, w)).await.expect("raw");
            })
            .await;
    }
    timing
        .record(&mut t, "outreachQueue (first 50)", || async {
            outreach::queue(db, v, &[], 50, None).await.expect("queue");
        })
        .await;
    timing
        .record(&mut t, "outreachEffectiveness", || async {
            outreach::effectiveness(db, v, w).await.expect("effect");
        })
        .await;
    let ids: Vec<i64> = (1..=100).map(|i| i * 7).collect();
    timing
        .record(&mut t, "Customer.summary x 100", || async {
            summary::summaries(db, org, &ids, now_millis())
                .await
                .expect("summaries");
        })
        .await;
    t
}

impl Args {
    fn timing(&self) -> Timing {
        Timing {
            runs: self.runs,
            at_once: self.at_once,
            only: self.only,
        }
    }
}

async fn run(url: String, size: Size, timing: Timing) -> Timings {
    let set = support::dataset::open(url, size).await;
    let timings = measure(&set.db, set.org, timing, set.anchor).await;
    set.db.close().await.expect("close");
    timings
}

/// Every analytic at each scale of `grow`, then how it grew.
async fn growth(a: &Args, grow: Grow) {
    let mut results: Vec<(u32, Size, Timings)> = Vec::new();
    for &scale in &a.scales {
        let size = grow.size(a.size, scale);
        let name = if scale == 1 {
            support::dataset::KEPT.to_owned()
        } else {
            format!("jg_bench_{}_{scale}", grow.name())
        };
        let Some((_admin, url)) = support::postgres_database(&name, false).await else {
            return;
        };
        eprintln!("{scale}x ({name}): {size:?}");
        results.push((scale, size, run(url, size, a.timing()).await));
    }
    println!(
        "\nhow cost grows with {}: each analytic over the same 90-day window, PostgreSQL, {} at once, median of {} runs, ms",
        grow.name(),
        a.at_once,
        a.runs
    );
    for (scale, size, _) in &results {
        println!(
            "  {scale}x: {} customers, {} tickets, {} touchpoints over {} days",
            size.customers, size.tickets, size.touchpoints, size.days
        );
    }
    print!("{:<44}", "analytic");
    for (scale, ..) in &results {
        print!("{:>10}", format!("{scale}x"));
    }
    if let [(first, ..), .., (last, ..)] = results.as_slice() {
        print!("{:>12}", format!("{last}x/{first}x"));
    }
    println!();
    let Some((_, _, first)) = results.first() else {
        return;
    };
    for key in first.keys() {
        print!("{key:<44}");
        let ms: Vec<f64> = results
            .iter()
            .map(|(.., t)| t.get(key).copied().unwrap_or(f64::NAN))
            .collect();
        for m in &ms {
            print!("{m:>10.1}");
        }
        if let [first, .., last] = ms.as_slice() {
            print!("{:>12.2}", last / first);
        }
        println!();
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    if let Some(grow) = a.grow {
        growth(&a, grow).await;
        return;
    }
    let mut results: Vec<(&str, Timings)> = Vec::new();
    for backend in &a.backends {
        if *backend == "sqlite" {
            eprintln!("sqlite:");
            let dir = tempfile::tempdir().expect("dir");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            );
            results.push(("SQLite", run(url, a.size, a.timing()).await));
            continue;
        }
        let name = if a.keep {
            support::dataset::KEPT
        } else {
            "jg_bench_analytics"
        };
        let Some((admin, url)) = support::postgres_database(name, !a.keep).await else {
            continue;
        };
        eprintln!("postgres:");
        results.push(("PostgreSQL", run(url, a.size, a.timing()).await));
        if !a.keep {
            support::drop_postgres(&admin, name).await;
        }
    }
    println!(
        "\nanalytics over a 90-day window: {} customers, {} tickets, {} touchpoints; {} at once, median of {} runs, ms",
        a.size.customers, a.size.tickets, a.size.touchpoints, a.at_once, a.runs
    );
    print!("{:<44}", "analytic");
    for (name, _) in &results {
        print!("{name:>12}");
    }
    println!();
    let Some((_, first)) = results.first() else {
        return;
    };
    for key in first.keys() {
        print!("{key:<44}");
        for (_, t) in &results {
            print!("{:>12.1}", t.get(key).copied().unwrap_or(f64::NAN));
        }
        println!();
    }
    for (name, t) in &results {
        if let (Some(ours), Some(raw)) = (
            t.get("frictionPoints REPEAT_CONTACT"),
            t.get("raw SQL: REPEAT_CONTACT per reason, LAG"),
        ) {
            println!(
                "{name}: frictionPoints REPEAT_CONTACT (both windows, baselines) / the raw LAG statement (one window) = {:.2}",
                ours / raw
            );
        }
    }
}
