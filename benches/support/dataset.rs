//! The large data set the analytics and load benches share: the demo
//! organization for N customers, topped up through the ingest service to the
//! target numbers of tickets and touchpoints. A kept PostgreSQL database
//! names its anchor (the data set's "now") in the organization's name, so a
//! later run reuses it instead of seeding again.

use journeygraph::config::DatabaseSettings;
use journeygraph::domain::{Department, TicketPriority};
use journeygraph::service::demo::catalog::{self, REASONS, SOURCE_CRM};
use journeygraph::service::demo::{self, DemoPlan};
use journeygraph::service::ingest::records::{CustomerRef, TicketRecord, TouchpointRecord};
use journeygraph::service::{ingest, organization};
use journeygraph::time::{DAY_MS, HOUR_MS, now_millis};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement,
};
use std::time::Instant;

/// The PostgreSQL database the load bench and `analytics --keep` keep the
/// data set in.
pub const KEPT: &str = "jg_bench_kept";

/// The days of one demo era: the demo writes each customer's life within
/// the 180 days before its anchor.
const ERA_DAYS: u32 = 180;

/// How big the data set is.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub customers: u32,
    pub tickets: u64,
    pub touchpoints: u64,
    /// The history, in days: a multiple of 180. Each 180 days (an era)
    /// has its own customers (an equal share), and the top-up tickets and
    /// touchpoints of a day go to that day's era's customers, so every
    /// day of a longer history is as busy as a day of the 180.
    pub days: u32,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            customers: 20_000,
            tickets: 100_000,
            touchpoints: 1_000_000,
            days: ERA_DAYS,
        }
    }
}

impl Size {
    /// `by` times the customers, tickets and touchpoints of `self`.
    pub fn times(self, by: u32) -> Size {
        Size {
            customers: self.customers * by,
            tickets: self.tickets * u64::from(by),
            touchpoints: self.touchpoints * u64::from(by),
            days: self.days,
        }
    }

    /// `self` over `by` times its days, at the same daily activity.
    pub fn longer(self, by: u32) -> Size {
        Size {
            days: self.days * by,
            ..self.times(by)
        }
    }

    fn eras(&self) -> u32 {
        (self.days / ERA_DAYS).max(1)
    }

    /// Customers per era.
    fn per_era(&self) -> u32 {
        self.customers / self.eras()
    }

    /// The customer index of the `slot`-th customer (of [`Self::per_era`])
    /// of the era `at` (epoch ms) falls in.
    fn customer_at(&self, anchor: i64, at: i64, slot: u64) -> u64 {
        let era = ((anchor - 1 - at) / (i64::from(ERA_DAYS) * DAY_MS))
            .clamp(0, i64::from(self.eras()) - 1);
        era as u64 * u64::from(self.per_era()) + slot
    }

    /// A random instant of the history: anchor - 1 - up to `days`.
    fn instant(&self, rng: &mut Lcg, anchor: i64) -> i64 {
        anchor - 1 - rng.next(u64::from(self.days) * DAY_MS as u64) as i64
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
    // Named with its anchor once complete: an interrupted seed is seeded
    // again by the next run, not reused.
    let org = organization::create(&db, "bench", "Bench seeding")
        .await
        .expect("org")
        .id;
    seed(&db, org, size, anchor).await;
    entity::organization::Entity::update_many()
        .col_expr(
            entity::organization::Column::Name,
            Expr::value(format!("{NAME_PREFIX}{anchor}")),
        )
        .filter(entity::organization::Column::Id.eq(org))
        .exec(&db)
        .await
        .expect("name the data set");
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

/// The demo organization, topped up to the target counts: two writers at
/// once (the customers in two halves, then the top-ups), as a busy
/// organization's partner systems would.
async fn seed(db: &DatabaseConnection, org: i64, size: Size, anchor: i64) {
    let started = Instant::now();
    // Defined once here: two writers defining them at once would race.
    ingest::define_onboarding_steps(db, org, &catalog::step_definitions())
        .await
        .expect("steps");
    let per_era = size.per_era();
    let demo_era = |era: u32, half: u32| async move {
        let plan = DemoPlan {
            customers: per_era,
            seed: 7,
            anchor: anchor - i64::from(era * ERA_DAYS) * DAY_MS,
        };
        let (first, middle) = (era * per_era, era * per_era + per_era / 2);
        let indices = if half == 0 {
            first..middle
        } else {
            middle..first + per_era
        };
        demo::seed_customers(db, org, &plan, indices, |done| {
            if done % 1_000 == 0 {
                eprint!(
                    "\r  demo customers: era {era}, at {done} of {}",
                    size.customers
                );
            }
        })
        .await
        .expect("demo");
    };
    for era in 0..size.eras() {
        futures::join!(demo_era(era, 0), demo_era(era, 1));
    }
    eprintln!();
    let more = size.tickets.saturating_sub(count(db, "ticket").await);
    futures::join!(
        top_up_tickets(db, org, size, anchor, Share::of(more, 0)),
        top_up_tickets(db, org, size, anchor, Share::of(more, 1))
    );
    eprintln!();
    let more = size
        .touchpoints
        .saturating_sub(count(db, "touchpoint").await);
    futures::join!(
        top_up_touchpoints(db, org, size, anchor, Share::of(more, 0)),
        top_up_touchpoints(db, org, size, anchor, Share::of(more, 1))
    );
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

/// One writer's part of the top-ups: how many records and its own
/// generator and key prefix.
#[derive(Clone, Copy)]
struct Share {
    writer: u64,
    records: u64,
}

impl Share {
    /// Writer `writer`'s half of `records`.
    fn of(records: u64, writer: u64) -> Share {
        Share {
            writer,
            records: records / 2 + if writer == 0 { records % 2 } else { 0 },
        }
    }
}

/// Writes `share.records` records made by `make` (given the writer's
/// generator and the record's number) in batches of 1,000 through `write`.
async fn top_up<R>(
    what: &str,
    share: Share,
    mut make: impl FnMut(&mut Lcg, u64) -> R,
    write: impl AsyncFn(Vec<R>),
) {
    let mut rng = Lcg(42 + share.writer);
    let mut made = 0u64;
    while made < share.records {
        let n = (share.records - made).min(1_000);
        let batch: Vec<R> = (0..n)
            .map(|_| {
                made += 1;
                make(&mut rng, made)
            })
            .collect();
        write(batch).await;
        if made % 50_000 < 1_000 {
            eprint!(
                "\r  {what}: writer {} at {made} of {}",
                share.writer, share.records
            );
        }
    }
}

/// Tickets of random reasons and customers over the history.
async fn top_up_tickets(db: &DatabaseConnection, org: i64, size: Size, anchor: i64, share: Share) {
    let slots = u64::from(size.per_era());
    let make = |rng: &mut Lcg, made: u64| {
        let (reason, _, team) = REASONS[rng.next(REASONS.len() as u64) as usize];
        let opened = size.instant(rng, anchor);
        let resolved = opened + (1 + rng.next(120) as i64) * HOUR_MS;
        TicketRecord {
            source: "bench".into(),
            external_id: format!("T-{}-{made}", share.writer),
            customer: customer(size.customer_at(anchor, opened, rng.next(slots))),
            reason: reason.into(),
            channel: ["chat", "email", "phone"][rng.next(3) as usize].into(),
            priority: TicketPriority::Normal,
            team: team.into(),
            opened_at: opened,
            first_response_at: Some(opened + HOUR_MS),
            resolved_at: (resolved < anchor).then_some(resolved),
            reopened_count: 0,
        }
    };
    top_up("tickets", share, make, async |batch: Vec<TicketRecord>| {
        ingest::tickets(db, org, &batch).await.expect("tickets");
    })
    .await;
}

/// Product touchpoints (logins, doc views, reports) of random customers
/// over the history.
async fn top_up_touchpoints(
    db: &DatabaseConnection,
    org: i64,
    size: Size,
    anchor: i64,
    share: Share,
) {
    let slots = u64::from(size.per_era());
    let make = |rng: &mut Lcg, made: u64| {
        // Drawn in this order: the order the measured data sets were seeded in.
        let slot = rng.next(slots);
        let kind = ["login", "doc_view", "report_run"][rng.next(3) as usize];
        let at = size.instant(rng, anchor);
        TouchpointRecord {
            source: "bench".into(),
            external_id: format!("P-{}-{made}", share.writer),
            customer: customer(size.customer_at(anchor, at, slot)),
            department: Department::Product,
            kind: kind.into(),
            channel: Some("web".into()),
            occurred_at: at,
            attributes: None,
        }
    };
    top_up(
        "touchpoints",
        share,
        make,
        async |batch: Vec<TouchpointRecord>| {
            ingest::touchpoints(db, org, &batch)
                .await
                .expect("touchpoints");
        },
    )
    .await;
}
