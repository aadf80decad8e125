//! Friction signals active *now*: what `Customer.summary` shows and what the
//! outreach queue is built from. docs/analytics.md defines friction over a
//! window; a signal is the same condition judged at the present instant for
//! one customer. Our definitions (also in the README):
//!
//! - SLOW_RESOLUTION: an open ticket (no resolved_at) past its SLA target.
//!   Since: the target deadline. Subject: the team.
//! - ONBOARDING_STALL: a started, uncompleted step past expected_days x
//!   factor. Since: that deadline. Subject: the step.
//! - HANDOFF_DELAY: a WON deal closed more than [72 h] ago with no
//!   ONBOARDING touchpoint since closed_at. Since: the deadline. Subject: owner.
//! - GOING_DARK: completed the last onboarding step and no touchpoint in the
//!   last [30 days]. Since: last touch + 30 days (or the completion). Subject: segment.
//! - REPEAT_CONTACT, CHANNEL_SWITCH, LOW_SATISFACTION: the triggering ticket
//!   or response happened within the last [`RECENT_DAYS`] days (same
//!   conditions as the analytics). Since: that record's time.
//!
//! The *_CONTACT kinds describe contacts that already happened and are not
//! signals. Each kind carries a severity used for the outreach queue's
//! priority (severity x annual value) and for the health score.

use super::friction::Params;
use super::kpi::SLA_HOURS;
use super::sql::SqlBuilder;
use super::ticket_sql::{Channel, earlier_same_reason};
use crate::domain::FrictionKind;
use crate::error::AppResult;
use crate::time::{DAY_MS, HOUR_MS};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};

/// Event-based signals stay active this many days after their record.
pub const RECENT_DAYS: i64 = 14;

/// Kinds that can be active now, most severe first.
pub const SIGNAL_KINDS: &[FrictionKind] = &[
    FrictionKind::SlowResolution,
    FrictionKind::RepeatContact,
    FrictionKind::LowSatisfaction,
    FrictionKind::ChannelSwitch,
    FrictionKind::HandoffDelay,
    FrictionKind::OnboardingStall,
    FrictionKind::GoingDark,
];

/// How much a kind weighs: 3 = the customer is suffering now, 2 = they
/// are stuck, 1 = they are drifting away.
pub fn severity(kind: FrictionKind) -> i64 {
    match kind {
        FrictionKind::SlowResolution
        | FrictionKind::RepeatContact
        | FrictionKind::LowSatisfaction => 3,
        FrictionKind::GoingDark => 1,
        _ => 2,
    }
}

/// One active signal of one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub customer_id: i64,
    pub kind: FrictionKind,
    /// What it is about (team, step, owner, segment, reason, channels ...).
    pub subject: String,
    /// When it became true.
    pub since: i64,
    /// The record that makes it true: the ticket, progress, deal or
    /// feedback row; the customer for GOING_DARK.
    pub record_id: i64,
}

/// Which customers to judge.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    Organization,
    /// These customers (at most a few hundred: one `IN` list).
    Customers(&'a [i64]),
}

impl Scope<'_> {
    fn filter(self, sql: &mut SqlBuilder, column: &str) {
        if let Scope::Customers(ids) = self {
            sql.push(&format!(" AND {column} IN "))
                .bind_list(ids.iter().copied());
        }
    }
}

/// Every record that makes a signal of `kinds` active at `now` in `org`
/// (several per customer and subject when several records do).
pub async fn active_records(
    db: &impl ConnectionTrait,
    org: i64,
    scope: Scope<'_>,
    kinds: &[FrictionKind],
    now: i64,
    p: &Params,
) -> AppResult<Vec<Signal>> {
    let mut out = Vec::new();
    for kind in kinds.iter().copied().filter(|k| SIGNAL_KINDS.contains(k)) {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        match kind {
            FrictionKind::SlowResolution => slow_resolution(&mut sql, org, scope, now),
            FrictionKind::OnboardingStall => onboarding_stall(&mut sql, org, scope, now, p),
            FrictionKind::HandoffDelay => handoff_delay(&mut sql, org, scope, now, p),
            FrictionKind::GoingDark => going_dark(&mut sql, org, scope, now, p),
            FrictionKind::RepeatContact => repeat(&mut sql, org, scope, now, p, Channel::Any),
            FrictionKind::ChannelSwitch => repeat(&mut sql, org, scope, now, p, Channel::Other),
            _ => low_satisfaction(&mut sql, org, scope, now),
        }
        for row in db.query_all_raw(sql.build()).await? {
            out.push(signal(&row, kind)?);
        }
    }
    Ok(out)
}

/// The signals of `kinds` active at `now` in `org`, one per (customer,
/// kind, subject) with its earliest `since`, ordered by customer, kind,
/// since and subject.
pub async fn active(
    db: &DatabaseConnection,
    org: i64,
    scope: Scope<'_>,
    kinds: &[FrictionKind],
    now: i64,
    p: &Params,
) -> AppResult<Vec<Signal>> {
    let mut out = active_records(db, org, scope, kinds, now, p).await?;
    // One signal per (customer, kind, subject): the earliest.
    out.sort_by(|a, b| {
        (a.customer_id, a.kind, &a.subject, a.since).cmp(&(
            b.customer_id,
            b.kind,
            &b.subject,
            b.since,
        ))
    });
    out.dedup_by(|later, first| {
        (later.customer_id, later.kind, &later.subject)
            == (first.customer_id, first.kind, &first.subject)
    });
    out.sort_by(|a, b| {
        (a.customer_id, a.kind, a.since, &a.subject).cmp(&(
            b.customer_id,
            b.kind,
            b.since,
            &b.subject,
        ))
    });
    Ok(out)
}

fn signal(row: &QueryResult, kind: FrictionKind) -> AppResult<Signal> {
    Ok(Signal {
        customer_id: row.try_get_by("customer_id")?,
        kind,
        subject: row
            .try_get_by::<Option<String>, _>("subject")?
            .unwrap_or_else(|| "unknown".to_owned()),
        since: row.try_get_by("since")?,
        record_id: row.try_get_by("record_id")?,
    })
}

fn slow_resolution(sql: &mut SqlBuilder, org: i64, scope: Scope<'_>, now: i64) {
    sql.push(
        "SELECT * FROM (SELECT t.customer_id, t.id AS record_id, t.team AS subject, t.opened_at + (CASE t.priority",
    );
    for (priority, hours) in SLA_HOURS {
        sql.push(&format!(" WHEN '{priority}' THEN {}", hours * HOUR_MS));
    }
    sql.push(&format!(
        " ELSE {} END) AS since FROM ticket t WHERE t.org_id = ",
        72 * HOUR_MS
    ))
    .bind(org);
    scope.filter(sql, "t.customer_id");
    sql.push(" AND t.resolved_at IS NULL) x WHERE x.since <= ")
        .bind(now);
}

fn onboarding_stall(sql: &mut SqlBuilder, org: i64, scope: Scope<'_>, now: i64, p: &Params) {
    let day = (DAY_MS as f64 * p.onboarding_stall_factor).round() as i64;
    sql.push("SELECT * FROM (SELECT pr.customer_id, pr.id AS record_id, s.name AS subject, pr.started_at + s.expected_days * ")
        .bind(day)
        .push(" AS since FROM onboarding_progress pr JOIN onboarding_step s ON s.id = pr.step_id WHERE pr.org_id = ")
        .bind(org);
    scope.filter(sql, "pr.customer_id");
    sql.push(" AND pr.completed_at IS NULL) x WHERE x.since <= ")
        .bind(now);
}

fn handoff_delay(sql: &mut SqlBuilder, org: i64, scope: Scope<'_>, now: i64, p: &Params) {
    let span = p.handoff_delay_hours * HOUR_MS;
    sql.push("SELECT d.customer_id, d.id AS record_id, d.owner AS subject, d.closed_at + ")
        .bind(span)
        .push(" AS since FROM deal d WHERE d.org_id = ")
        .bind(org);
    scope.filter(sql, "d.customer_id");
    sql.push(" AND d.outcome = 'WON' AND d.closed_at <= ")
        .bind(now - span)
        .push(" AND NOT EXISTS (SELECT 1 FROM touchpoint tp WHERE tp.org_id = d.org_id AND tp.customer_id = d.customer_id ")
        .push("AND tp.department = 'ONBOARDING' AND tp.occurred_at >= d.closed_at AND tp.occurred_at <= ")
        .bind(now)
        .push(")");
}

fn going_dark(sql: &mut SqlBuilder, org: i64, scope: Scope<'_>, now: i64, p: &Params) {
    let quiet = p.going_dark_days * DAY_MS;
    sql.push("SELECT * FROM (SELECT c.id AS customer_id, c.id AS record_id, c.segment AS subject, ")
        .push("(SELECT MAX(tp.occurred_at) FROM touchpoint tp WHERE tp.org_id = c.org_id AND tp.customer_id = c.id AND tp.occurred_at <= ")
        .bind(now)
        .push(") + ")
        .bind(quiet)
        .push(" AS since FROM customer c WHERE c.org_id = ")
        .bind(org);
    scope.filter(sql, "c.id");
    sql.push(" AND c.merged_into IS NULL AND EXISTS (SELECT 1 FROM onboarding_progress pr WHERE pr.org_id = c.org_id ")
        .push("AND pr.customer_id = c.id AND pr.completed_at IS NOT NULL AND pr.completed_at <= ")
        .bind(now - quiet)
        .push(" AND pr.step_id = (SELECT s.id FROM onboarding_step s WHERE s.org_id = ")
        .bind(org)
        .push(" ORDER BY s.position DESC, s.id DESC LIMIT 1))")
        // Kept whole: `since` feeds the filter and the output; pulled up,
        // each use would run its lookup.
        .fence()
        .push(") x WHERE x.since <= ")
        .bind(now);
}

/// REPEAT_CONTACT, or CHANNEL_SWITCH with `Channel::Other`: recent
/// tickets with an earlier same-reason ticket within the lookback.
fn repeat(
    sql: &mut SqlBuilder,
    org: i64,
    scope: Scope<'_>,
    now: i64,
    p: &Params,
    channel: Channel,
) {
    let lookback = match channel {
        Channel::Other => p.channel_switch_hours,
        Channel::Any => p.repeat_contact_hours,
    } * HOUR_MS;
    sql.push("SELECT t.customer_id, t.id AS record_id, ");
    if channel == Channel::Other {
        sql.push("(SELECT e.channel");
        earlier_same_reason(sql, lookback, channel);
        sql.push(" ORDER BY e.opened_at DESC, e.id DESC LIMIT 1) || '->' || t.channel AS subject");
    } else {
        sql.push("t.reason AS subject");
    }
    sql.push(", t.opened_at AS since FROM ticket t WHERE t.org_id = ")
        .bind(org);
    scope.filter(sql, "t.customer_id");
    sql.push(" AND t.opened_at > ")
        .bind(now - RECENT_DAYS * DAY_MS)
        .push(" AND t.opened_at <= ")
        .bind(now)
        .push(" AND EXISTS (SELECT 1");
    earlier_same_reason(sql, lookback, channel);
    sql.push(")");
}

fn low_satisfaction(sql: &mut SqlBuilder, org: i64, scope: Scope<'_>, now: i64) {
    sql.push("SELECT f.customer_id, f.id AS record_id, f.metric AS subject, f.occurred_at AS since FROM feedback f WHERE f.org_id = ")
        .bind(org);
    scope.filter(sql, "f.customer_id");
    sql.push(" AND f.occurred_at > ")
        .bind(now - RECENT_DAYS * DAY_MS)
        .push(" AND f.occurred_at <= ")
        .bind(now)
        .push(" AND ((f.metric = 'CSAT' AND f.score <= 2) OR (f.metric = 'NPS' AND f.score <= 6) OR (f.metric = 'CES' AND f.score <= 3))");
}
