//! `Customer.summary`: where a customer stands now, and a health score a
//! person can explain.
//!
//! Stage (our definition):
//! - ADOPTED: completed the organization's last onboarding step;
//! - ONBOARDING: a WON deal or a started step, not adopted yet;
//! - PROSPECT: an OPEN deal and nothing won;
//! - LOST: only LOST deals;
//! - UNKNOWN: none of the above (e.g. marketing touches only).
//!
//! Health score = 100 minus the factors, floored at 0:
//! - each active friction kind (see `signals`): 10 x its severity (30 for a
//!   slow resolution, a repeat contact or low satisfaction; 20 for a
//!   channel switch, a handoff delay or a stalled step; 10 for going dark);
//! - each open ticket: 5, at most 15.

use super::friction::Params;
use super::signals::{self, SIGNAL_KINDS, Scope, Signal, severity};
use super::sql::SqlBuilder;
use crate::domain::{Department, FrictionKind};
use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::collections::{BTreeSet, HashMap};

/// Points one open ticket takes off the health score, and the most all do.
pub const OPEN_TICKET_POINTS: i64 = 5;
pub const OPEN_TICKETS_MAX_POINTS: i64 = 15;

/// Lifecycle stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Prospect,
    Onboarding,
    Adopted,
    Lost,
    Unknown,
}

/// One reason the health score is below 100.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthFactor {
    /// `open_tickets` or a friction kind (`REPEAT_CONTACT`).
    pub factor: String,
    /// Points taken off (negative).
    pub points: i64,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub stage: Stage,
    pub departments: Vec<Department>,
    pub first_touch: Option<i64>,
    pub last_touch: Option<i64>,
    pub open_tickets: i64,
    pub signals: Vec<Signal>,
    pub health_score: i64,
    pub factors: Vec<HealthFactor>,
}

#[derive(Default)]
struct Facts {
    departments: BTreeSet<Department>,
    first_touch: Option<i64>,
    last_touch: Option<i64>,
    open_tickets: i64,
    won: i64,
    open_deals: i64,
    lost: i64,
    steps_started: i64,
    adopted: bool,
}

/// The summaries of `customer_ids` (survivors of `org`), judged at `now`.
pub async fn summaries(
    db: &DatabaseConnection,
    org: i64,
    customer_ids: &[i64],
    now: i64,
) -> AppResult<HashMap<i64, Summary>> {
    let mut facts: HashMap<i64, Facts> = customer_ids
        .iter()
        .map(|id| (*id, Facts::default()))
        .collect();
    let backend = db.get_database_backend();
    // `SELECT x.customer_id, <columns> FROM <table> x` of these customers,
    // `<condition>` (bound to `now` when it ends with a comparison), grouped.
    let select = |columns: &str, from: &str, condition: &str, group: &str| {
        let mut sql = SqlBuilder::new(backend);
        sql.push(&format!(
            "SELECT x.customer_id, {columns} FROM {from} x WHERE x.org_id = "
        ))
        .bind(org)
        .push(" AND x.customer_id IN ")
        .bind_list(customer_ids.iter().copied())
        .push(" AND ")
        .push(condition);
        if condition.ends_with("<= ") {
            sql.bind(now);
        }
        sql.push(" GROUP BY x.customer_id").push(group);
        sql
    };
    let touches = select(
        "x.department, MIN(x.occurred_at) AS first_touch, MAX(x.occurred_at) AS last_touch",
        "touchpoint",
        "x.occurred_at <= ",
        ", x.department",
    );
    for row in db.query_all_raw(touches.build()).await? {
        let f = entry(&mut facts, row.try_get_by("customer_id")?)?;
        let department: String = row.try_get_by("department")?;
        f.departments.insert(
            department
                .parse()
                .map_err(|e: crate::domain::UnknownValue| AppError::Internal(e.into()))?,
        );
        let first: i64 = row.try_get_by("first_touch")?;
        let last: i64 = row.try_get_by("last_touch")?;
        f.first_touch = Some(f.first_touch.map_or(first, |t| t.min(first)));
        f.last_touch = Some(f.last_touch.map_or(last, |t| t.max(last)));
    }
    let tickets = select("COUNT(*) AS n", "ticket", "x.resolved_at IS NULL", "");
    for row in db.query_all_raw(tickets.build()).await? {
        entry(&mut facts, row.try_get_by("customer_id")?)?.open_tickets = row.try_get_by("n")?;
    }
    let deals = select(
        "SUM(CASE WHEN x.outcome = 'WON' THEN 1 ELSE 0 END) AS won, SUM(CASE WHEN x.outcome = 'OPEN' THEN 1 ELSE 0 END) AS open, SUM(CASE WHEN x.outcome = 'LOST' THEN 1 ELSE 0 END) AS lost",
        "deal",
        "x.opened_at <= ",
        "",
    );
    for row in db.query_all_raw(deals.build()).await? {
        let f = entry(&mut facts, row.try_get_by("customer_id")?)?;
        f.won = row.try_get_by("won")?;
        f.open_deals = row.try_get_by("open")?;
        f.lost = row.try_get_by("lost")?;
    }
    let steps = select(
        "COUNT(*) AS started, SUM(CASE WHEN x.completed_at IS NOT NULL AND x.step_id = (SELECT s.id FROM onboarding_step s WHERE s.org_id = x.org_id ORDER BY s.position DESC, s.id DESC LIMIT 1) THEN 1 ELSE 0 END) AS adopted",
        "onboarding_progress",
        "x.started_at <= ",
        "",
    );
    for row in db.query_all_raw(steps.build()).await? {
        let f = entry(&mut facts, row.try_get_by("customer_id")?)?;
        f.steps_started = row.try_get_by("started")?;
        f.adopted = row.try_get_by::<i64, _>("adopted")? > 0;
    }
    let mut by_customer: HashMap<i64, Vec<Signal>> = HashMap::new();
    let active = signals::active(
        db,
        org,
        Scope::Customers(customer_ids),
        SIGNAL_KINDS,
        now,
        &Params::default(),
    )
    .await?;
    for s in active {
        by_customer.entry(s.customer_id).or_default().push(s);
    }
    Ok(facts
        .into_iter()
        .map(|(id, f)| {
            let signals = by_customer.remove(&id).unwrap_or_default();
            (id, summarize(f, signals))
        })
        .collect())
}

fn entry(facts: &mut HashMap<i64, Facts>, id: i64) -> AppResult<&mut Facts> {
    facts
        .get_mut(&id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("row for an unasked customer {id}")))
}

fn summarize(f: Facts, signals: Vec<Signal>) -> Summary {
    let stage = if f.adopted {
        Stage::Adopted
    } else if f.won > 0 || f.steps_started > 0 {
        Stage::Onboarding
    } else if f.open_deals > 0 {
        Stage::Prospect
    } else if f.lost > 0 {
        Stage::Lost
    } else {
        Stage::Unknown
    };
    let mut factors = Vec::new();
    let kinds: BTreeSet<FrictionKind> = signals.iter().map(|s| s.kind).collect();
    for kind in SIGNAL_KINDS.iter().filter(|k| kinds.contains(k)) {
        let subjects: BTreeSet<&str> = signals
            .iter()
            .filter(|s| s.kind == *kind)
            .map(|s| s.subject.as_str())
            .collect();
        factors.push(HealthFactor {
            factor: kind.as_str().to_owned(),
            points: -10 * severity(*kind),
            detail: subjects.into_iter().collect::<Vec<_>>().join(", "),
        });
    }
    if f.open_tickets > 0 {
        factors.push(HealthFactor {
            factor: "open_tickets".to_owned(),
            points: -(f.open_tickets * OPEN_TICKET_POINTS).min(OPEN_TICKETS_MAX_POINTS),
            detail: format!("{} open ticket(s)", f.open_tickets),
        });
    }
    let health_score = (100 + factors.iter().map(|f| f.points).sum::<i64>()).max(0);
    Summary {
        stage,
        departments: f.departments.into_iter().collect(),
        first_touch: f.first_touch,
        last_touch: f.last_touch,
        open_tickets: f.open_tickets,
        signals,
        health_score,
        factors,
    }
}
