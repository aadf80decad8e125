//! The support KPIs of each window: contact rate, first-contact resolution,
//! repeat contacts, response and resolution times, SLA attainment.

use super::{SLA_HOURS, Scope, int};
use crate::error::AppResult;
use crate::service::active_days::push_may_touch_between;
use crate::service::buckets::{push_windows, span};
use crate::service::sql::SqlBuilder;
use crate::service::ticket_sql::{follows_within, sequenced};
use crate::service::window::{Window, ratio};
use crate::time::{DAY_MS, HOUR_MS};
use sea_orm::QueryResult;

/// "Within 7 days": repeat contacts and first-contact resolution.
const REPEAT_WINDOW_MS: i64 = 7 * DAY_MS;

/// The tickets opened in one window: their durations and SLA outcomes.
#[derive(Clone, Debug, Default)]
pub struct TicketTimes {
    /// first_response_at - opened_at, in hours, where there is one.
    pub first_responses: Vec<f64>,
    /// resolved_at - opened_at, in hours, where there is one.
    pub resolutions: Vec<f64>,
    /// Decided tickets: resolved within target by T, or the deadline is at or before T.
    pub sla_decided: i64,
    /// Decided tickets resolved within target.
    pub sla_met: i64,
}

impl TicketTimes {
    fn add(&mut self, row: &QueryResult) {
        let at = |column| row.try_get_by::<Option<i64>, _>(column).ok().flatten();
        let (Some(opened), Some(as_of)) = (at("opened_at"), at("as_of")) else {
            return;
        };
        let hours = |t: i64| (t - opened) as f64 / HOUR_MS as f64;
        let resolved = at("resolved_at");
        self.first_responses
            .extend(at("first_response_at").map(hours));
        self.resolutions.extend(resolved.map(hours));
        let priority = row.try_get_by::<String, _>("priority").unwrap_or_default();
        let Some((_, target)) = SLA_HOURS.iter().find(|(p, _)| *p == priority) else {
            return;
        };
        let deadline = opened + target * HOUR_MS;
        let met = resolved.is_some_and(|r| r <= as_of && r <= deadline);
        if met || deadline <= as_of {
            self.sla_decided += 1;
            self.sla_met += i64::from(met);
        }
    }
}

/// Appends `CASE WHEN <at> + within <= x.as_of THEN <then> ELSE <otherwise> END`
/// summed: a count split by whether the 7 days after `at` are over at the
/// window's as-of time (an item is decided once they are).
fn sum_by_maturity(sql: &mut SqlBuilder, at: &str, then: &str, otherwise: &str) {
    sql.push(&format!("COALESCE(SUM(CASE WHEN {at} + "))
        .bind(REPEAT_WINDOW_MS)
        .push(&format!(
            " <= x.as_of THEN {then} ELSE {otherwise} END), 0)"
        ));
}

impl Scope<'_> {
    /// Tickets opened in a window / active customers (>= 1 touchpoint in it).
    pub(super) async fn contact_rate(&self, windows: &[Window]) -> AppResult<Vec<Option<f64>>> {
        let n = windows.len();
        let mut sql = self.sql();
        sql.push("SELECT b.i, CAST(COUNT(*) AS BIGINT) AS n FROM ");
        push_windows(&mut sql, windows);
        sql.push(" JOIN ticket t ON t.opened_at >= b.lo AND t.opened_at < b.hi");
        self.filter(&mut sql, "t");
        sql.push(" GROUP BY b.i");
        let tickets = self.per_window(sql.build(), n, |c: &mut i64, row| *c = int(row, "n"));
        // Active customers: one index probe per customer and window
        // (stopping at its first touchpoint in it), not a scan of the
        // windows' touchpoints.
        let mut sql = self.sql();
        sql.push("SELECT b.i, CAST(COUNT(*) AS BIGINT) AS n FROM ");
        push_windows(&mut sql, windows);
        sql.push(" CROSS JOIN customer c WHERE c.org_id = ")
            .bind(self.org);
        if let Some(segment) = self.segment {
            sql.push(" AND c.segment = ").bind(segment.to_owned());
        }
        // Only customers whose active days meet the window are probed.
        push_may_touch_between(&mut sql, "c", "b.lo", "b.hi");
        sql.push(" AND EXISTS (SELECT 1 FROM touchpoint tp WHERE tp.org_id = c.org_id AND tp.customer_id = c.id AND tp.occurred_at >= b.lo AND tp.occurred_at < b.hi) GROUP BY b.i");
        let active = self.per_window(sql.build(), n, |c: &mut i64, row| *c = int(row, "n"));
        let (tickets, active) = futures::try_join!(tickets, active)?;
        Ok(tickets
            .into_iter()
            .zip(active)
            .map(|(t, a)| ratio(t, a))
            .collect())
    }

    /// Tickets resolved in a window with no same-reason ticket of the
    /// customer opened within 7 days after the resolution / tickets resolved
    /// in it. Undecided (7 days not over at T, no repeat yet) are left out.
    pub(super) async fn fcr(&self, windows: &[Window]) -> AppResult<Vec<Option<f64>>> {
        let (earliest, _) = span(windows);
        let mut sql = self.sql();
        sql.push("WITH x AS MATERIALIZED (SELECT b.i, b.lo, b.as_of, t.id, t.customer_id, t.reason, t.resolved_at FROM ");
        push_windows(&mut sql, windows);
        sql.push(" JOIN ticket t ON t.resolved_at >= b.lo AND t.resolved_at < b.hi");
        self.filter(&mut sql, "t");
        // The repeated ones are counted by a WHERE EXISTS of their own:
        // PostgreSQL hashes the tickets by (customer, reason) once (EXPLAIN:
        // Hash Semi Join) instead of probing the index once per resolved
        // ticket. The lower bound on r.opened_at is implied (it is at or
        // after a resolution in a window); it lets the hashed side skip
        // older tickets. Two aggregates per window, so no plan can re-run
        // one per row of the other.
        let at = "x.resolved_at";
        sql.push(") SELECT a.i, CAST(a.matured + COALESCE(r.unmatured, 0) AS BIGINT) AS decided, ")
            .push("CAST(a.matured - COALESCE(r.matured, 0) AS BIGINT) AS resolved_first FROM (SELECT x.i, ");
        sum_by_maturity(&mut sql, at, "1", "0");
        sql.push(" AS matured FROM x GROUP BY x.i) a LEFT JOIN (SELECT x.i, ");
        sum_by_maturity(&mut sql, at, "1", "0");
        sql.push(" AS matured, ");
        sum_by_maturity(&mut sql, at, "0", "1");
        sql.push(" AS unmatured FROM x WHERE EXISTS (SELECT 1 FROM ticket r WHERE r.org_id = ")
            .bind(self.org)
            .push(" AND r.customer_id = x.customer_id AND r.reason = x.reason AND r.id <> x.id ")
            .push("AND r.opened_at >= x.resolved_at AND r.opened_at <= x.resolved_at + ")
            .bind(REPEAT_WINDOW_MS)
            .push(" AND r.opened_at <= x.as_of AND r.opened_at >= ")
            .bind(earliest)
            .push(") GROUP BY x.i) r ON r.i = a.i");
        self.ratios(sql.build(), windows.len(), "resolved_first", "decided")
            .await
    }

    /// Customers with a ticket opened in a window that follows, within 7
    /// days, an earlier same-reason ticket of theirs (earlier by
    /// (opened_at, id), possibly before the window) / customers with a ticket
    /// opened in it. The tickets are sequenced once for every window.
    pub(super) async fn repeat_contact(&self, windows: &[Window]) -> AppResult<Vec<Option<f64>>> {
        let (from, to) = span(windows);
        let mut sql = self.sql();
        sql.push("SELECT b.i, CAST(COUNT(DISTINCT t.customer_id) AS BIGINT) AS contacted, ")
            .push("CAST(COUNT(DISTINCT CASE WHEN ");
        follows_within(&mut sql, REPEAT_WINDOW_MS);
        sql.push(" THEN t.customer_id END) AS BIGINT) AS repeated FROM ");
        sequenced(&mut sql, self.org, from, to, REPEAT_WINDOW_MS);
        sql.push(" JOIN ");
        push_windows(&mut sql, windows);
        sql.push(" ON t.opened_at >= b.lo AND t.opened_at < b.hi");
        self.filter(&mut sql, "t");
        sql.push(" GROUP BY b.i");
        self.ratios(sql.build(), windows.len(), "repeated", "contacted")
            .await
    }

    /// The tickets opened in each window, with the times the response,
    /// resolution and SLA figures need.
    pub(super) async fn ticket_times(&self, windows: &[Window]) -> AppResult<Vec<TicketTimes>> {
        let mut sql = self.sql();
        sql.push("SELECT b.i, b.as_of, t.priority, t.opened_at, t.first_response_at, t.resolved_at FROM ");
        push_windows(&mut sql, windows);
        sql.push(" JOIN ticket t ON t.opened_at >= b.lo AND t.opened_at < b.hi");
        self.filter(&mut sql, "t");
        self.per_window(sql.build(), windows.len(), TicketTimes::add)
            .await
    }
}
