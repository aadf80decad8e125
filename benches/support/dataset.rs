//! The large data set the analytics and load benches share: the demo
//! organization for N customers, topped up through the ingest service to the
//! target numbers of tickets and touchpoints. A kept PostgreSQL database
//! names its anchor (the data set's "now") in the organization's name, so a
//! later run reuses it instead of seeding again.

use journeygraph::config::DatabaseSettings;
use journeygraph::domain::{Department, TicketPriority};
use journeygraph::service::demo::catalog::{REASONS, SOURCE_CRM};
use journeygraph::service::demo::{self, DemoPlan};
use journeygraph::service::ingest::records::{CustomerRef, TicketRecord, TouchpointRecord};
use journeygraph::service::{ingest, organization};
use journeygraph::time::{DAY_MS, HOUR_MS, now_millis};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::time::Instant;

/// The PostgreSQL database the load bench and `analytics --keep` keep the
/// data set in.
pub const KEPT: &str = "jg_bench_kept";

/// How big the data set is.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub customers: u32,
    pub tickets: u64,
    pub touchpoints: u64,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            customers: 20_000,
            tickets: 100_000,
            touchpoints: 1_000_000,
        }
    }
}

/// An opened data set: its connection, organization and anchor.
pub struct DataSet {
    pub db: DatabaseConnection,
    pub org: i64,
    pub anchor: i64,
}

/// How the organization `bench` names its anchor. "v2": timestamps spread
/// over the whole 180 days. The first seed's generator gave at most 2^31
/// ms (24.9 days), so the top-up tickets and touchpoints all fell in the
/// last 25 days.
const NAME_PREFIX: &str = "Bench v2 anchor=";

/// Opens the data set at `url`: reuses the organization `bench` when a
/// kept run left it there, else seeds it. A data set of an older seed is
/// emptied and seeded again.
pub async fn open(url: String, size: Size) -> DataSet {
    let settings = DatabaseSettings {
        database_url: url,
        database_read_url: None,
        db_max_connections: 8,
        sqlite_busy_timeout_ms: 30_000,
        statement_timeout_ms: 0,
    };
    // Planned as the server plans organization-wide analytics.
    let db = journeygraph::db::connect_analytics(&settings)
        .await
        .expect("connect");
    journeygraph::db::migrate(&db).await.expect("migrate");
    if let Some(kept) = organization::find_by_slug(&db, "bench").await.expect("org") {
        if let Some(anchor) = kept
            .name
            .strip_prefix(NAME_PREFIX)
            .and_then(|a| a.parse().ok())
        {
            eprintln!("  reusing the kept data set");
            return DataSet {
                db,
                org: kept.id,
                anchor,
            };
        }
        assert_eq!(
            db.get_database_backend(),
            sea_orm::DbBackend::Postgres,
            "only a PostgreSQL data set is kept"
        );
        eprintln!(
            "  the kept data set is of an older seed ({}): seeding again",
            kept.name
        );
        db.execute_unprepared("TRUNCATE organization RESTART IDENTITY CASCADE")
            .await
            .expect("truncate");
    }
    let anchor = now_millis() - HOUR_MS;
    let org = organization::create(&db, "bench", &format!("{NAME_PREFIX}{anchor}"))
        .await
        .expect("org")
        .id;
    seed(&db, org, size, anchor).await;
    DataSet { db, org, anchor }
}

/// A small deterministic generator (the top-up records; each load worker
/// has its own).
pub struct Lcg(pub u64);

impl Lcg {
    /// A value in `[0, bound)`: the high 64 bits of state x bound, so a
    /// bound past 2^32 (180 days in milliseconds is 1.6 x 10^10) gets the
    /// whole range.
    pub fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((u128::from(self.0) * u128::from(bound)) >> 64) as u64
    }
}

pub fn customer(index: u64) -> CustomerRef {
    CustomerRef {
        source: SOURCE_CRM.into(),
        external_id: format!("C-{index:06}"),
        email: None,
        display_name: None,
        segment: None,
        plan: None,
        annual_value_cents: None,
    }
}

pub async fn count(db: &DatabaseConnection, table: &str) -> u64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n") as u64
}

/// The demo organization, topped up to the target counts.
async fn seed(db: &DatabaseConnection, org: i64, size: Size, anchor: i64) {
    let started = Instant::now();
    let plan = DemoPlan {
        customers: size.customers,
        seed: 7,
        anchor,
    };
    demo::seed(db, org, &plan, |done| {
        if done % 2_000 == 0 {
            eprint!("\r  demo customers {done}/{}", size.customers);
        }
    })
    .await
    .expect("demo");
    eprintln!();
    let mut rng = Lcg(42);
    let customers = u64::from(size.customers);
    let mut made = 0u64;
    while count(db, "ticket").await < size.tickets {
        let batch: Vec<TicketRecord> = (0..1_000)
            .map(|_| {
                made += 1;
                let (reason, _, team) = REASONS[rng.next(REASONS.len() as u64) as usize];
                let opened = anchor - 1 - rng.next(180 * DAY_MS as u64) as i64;
                let resolved = opened + (1 + rng.next(120) as i64) * HOUR_MS;
                TicketRecord {
                    source: "bench".into(),
                    external_id: format!("T-{made}"),
                    customer: customer(rng.next(customers)),
                    reason: reason.into(),
                    channel: ["chat", "email", "phone"][rng.next(3) as usize].into(),
                    priority: TicketPriority::Normal,
                    team: team.into(),
                    opened_at: opened,
                    first_response_at: Some(opened + HOUR_MS),
                    resolved_at: (resolved < anchor).then_some(resolved),
                    reopened_count: 0,
                }
            })
            .collect();
        ingest::tickets(db, org, &batch).await.expect("tickets");
        eprint!("\r  tickets {made} more");
    }
    eprintln!();
    let mut made = 0u64;
    let mut have = count(db, "touchpoint").await;
    while have < size.touchpoints {
        let n = (size.touchpoints - have).min(1_000);
        let batch: Vec<TouchpointRecord> = (0..n)
            .map(|_| {
                made += 1;
                TouchpointRecord {
                    source: "bench".into(),
                    external_id: format!("P-{made}"),
                    customer: customer(rng.next(customers)),
                    department: Department::Product,
                    kind: ["login", "doc_view", "report_run"][rng.next(3) as usize].into(),
                    channel: Some("web".into()),
                    occurred_at: anchor - 1 - rng.next(180 * DAY_MS as u64) as i64,
                    attributes: None,
                }
            })
            .collect();
        ingest::touchpoints(db, org, &batch)
            .await
            .expect("touchpoints");
        have += n;
        if made % 50_000 < 1_000 {
            eprint!("\r  touchpoints {have}/{}", size.touchpoints);
        }
    }
    eprintln!();
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.expect("analyze");
    }
    eprintln!(
        "  seeded {} customers, {} tickets, {} touchpoints in {:.0} s",
        count(db, "customer").await,
        count(db, "ticket").await,
        count(db, "touchpoint").await,
        started.elapsed().as_secs_f64()
    );
}
