//! KPIs (docs/analytics.md), each computed by set-based SQL over one window and
//! returned beside its value in the previous window of equal length. All
//! times are epoch milliseconds, so every comparison is the same integer SQL
//! on SQLite and PostgreSQL; medians are taken in Rust over the per-item
//! durations the database computed.

use super::sql::SqlBuilder;
use super::ticket_sql::{follows_within, sequenced};
use super::window::{Window, median, ratio};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::time::{DAY_MS, HOUR_MS, now_millis};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};

/// "Within 7 days": repeat contacts and first-contact resolution.
const REPEAT_WINDOW_MS: i64 = 7 * DAY_MS;

/// SLA targets by priority, from opened_at to resolved_at.
pub const SLA_HOURS: [(&str, i64); 4] = [("URGENT", 4), ("HIGH", 24), ("NORMAL", 72), ("LOW", 168)];

/// Every KPI of one window (None where its denominator is empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KpiFigures {
    pub contact_rate: Option<f64>,
    pub csat_percent: Option<f64>,
    pub csat_rate: Option<f64>,
    pub csat_average: Option<f64>,
    pub nps: Option<f64>,
    pub ces_average: Option<f64>,
    pub fcr_rate: Option<f64>,
    pub repeat_contact_rate: Option<f64>,
    pub median_first_response_hours: Option<f64>,
    pub median_resolution_hours: Option<f64>,
    pub sla_attainment: Option<f64>,
    pub median_time_to_value_days: Option<f64>,
    pub onboarding_completion_rate: Option<f64>,
}

/// The KPIs of `window` and of the window before it.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn kpis(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    segment: Option<&str>,
) -> AppResult<(KpiFigures, KpiFigures)> {
    viewer.require_analytics()?;
    let scope = Scope {
        db,
        org: viewer.org_id,
        segment,
    };
    futures::try_join!(
        scope.figures(window),
        scope.figures(window.previous(now_millis()))
    )
}

struct Scope<'a> {
    db: &'a DatabaseConnection,
    org: i64,
    segment: Option<&'a str>,
}

fn int(row: &QueryResult, column: &str) -> i64 {
    row.try_get_by::<Option<i64>, _>(column)
        .ok()
        .flatten()
        .unwrap_or(0)
}

impl Scope<'_> {
    fn sql(&self) -> SqlBuilder {
        SqlBuilder::new(self.db.get_database_backend())
    }

    /// `JOIN customer c ... WHERE alias.org_id = ? AND c.org_id = ? [AND c.segment = ?]`
    fn filter(&self, sql: &mut SqlBuilder, alias: &str) {
        sql.push(&format!(
            " JOIN customer c ON c.id = {alias}.customer_id WHERE {alias}.org_id = "
        ))
        .bind(self.org);
        sql.push(" AND c.org_id = ").bind(self.org);
        if let Some(segment) = self.segment {
            sql.push(" AND c.segment = ").bind(segment.to_owned());
        }
    }

    async fn one(&self, stmt: Statement) -> AppResult<QueryResult> {
        Ok(self
            .db
            .query_one_raw(stmt)
            .await?
            .ok_or_else(|| anyhow::anyhow!("aggregate returned no row"))?)
    }

    /// Column `v` of every row, as f64 after dividing by `unit`.
    async fn values(&self, stmt: Statement, unit: i64) -> AppResult<Vec<f64>> {
        let rows = self.db.query_all_raw(stmt).await?;
        Ok(rows
            .iter()
            .map(|r| int(r, "v") as f64 / unit as f64)
            .collect())
    }

    /// Every KPI of `w`; the statements run at once (on separate pool
    /// connections), so the slowest one sets the pace.
    async fn figures(&self, w: Window) -> AppResult<KpiFigures> {
        let (
            contact_rate,
            (csat_percent, csat_rate, csat_average),
            nps,
            ces_average,
            fcr_rate,
            repeat_contact_rate,
            first_responses,
            resolutions,
            sla_attainment,
            times_to_value,
            onboarding_completion_rate,
        ) = futures::try_join!(
            self.contact_rate(w),
            self.csat(w),
            self.nps(w),
            self.ces(w),
            self.fcr(w),
            self.repeat_contact(w),
            self.ticket_durations(w, "first_response_at"),
            self.ticket_durations(w, "resolved_at"),
            self.sla(w),
            self.time_to_value(w),
            self.onboarding_completion(w),
        )?;
        Ok(KpiFigures {
            contact_rate,
            csat_percent,
            csat_rate,
            csat_average,
            nps,
            ces_average,
            fcr_rate,
            repeat_contact_rate,
            median_first_response_hours: median(first_responses),
            median_resolution_hours: median(resolutions),
            sla_attainment,
            median_time_to_value_days: median(times_to_value),
            onboarding_completion_rate,
        })
    }

    /// Tickets opened in the window / active customers (>= 1 touchpoint in it).
    async fn contact_rate(&self, w: Window) -> AppResult<Option<f64>> {
        let mut sql = self.sql();
        sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ticket t");
        self.filter(&mut sql, "t");
        sql.push(" AND t.opened_at >= ")
            .bind(w.from)
            .push(" AND t.opened_at < ")
            .bind(w.to);
        let tickets = int(&self.one(sql.build()).await?, "n");
        // Active customers: one index probe per customer (stopping at its
        // first touchpoint in the window), not a scan of the window's touchpoints.
        let mut sql = self.sql();
        sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM customer c WHERE c.org_id = ")
            .bind(self.org);
        if let Some(segment) = self.segment {
            sql.push(" AND c.segment = ").bind(segment.to_owned());
        }
        sql.push(" AND EXISTS (SELECT 1 FROM touchpoint tp WHERE tp.org_id = c.org_id AND tp.customer_id = c.id AND tp.occurred_at >= ")
            .bind(w.from)
            .push(" AND tp.occurred_at < ")
            .bind(w.to)
            .push(")");
        let active = int(&self.one(sql.build()).await?, "n");
        Ok(ratio(tickets, active))
    }

    /// Count, sum of scores, and count of scores in `good` for `metric` in the window.
    async fn scores(
        &self,
        w: Window,
        metric: &str,
        good: (i32, i32),
        bad: (i32, i32),
    ) -> AppResult<(i64, i64, i64, i64)> {
        let mut sql = self.sql();
        sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(f.score), 0) AS BIGINT) AS total, ")
            .push("CAST(COALESCE(SUM(CASE WHEN f.score BETWEEN ")
            .bind(good.0)
            .push(" AND ")
            .bind(good.1)
            .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS good, CAST(COALESCE(SUM(CASE WHEN f.score BETWEEN ")
            .bind(bad.0)
            .push(" AND ")
            .bind(bad.1)
            .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS bad FROM feedback f");
        self.filter(&mut sql, "f");
        sql.push(" AND f.metric = ").bind(metric.to_owned());
        sql.push(" AND f.occurred_at >= ")
            .bind(w.from)
            .push(" AND f.occurred_at < ")
            .bind(w.to);
        let row = self.one(sql.build()).await?;
        Ok((
            int(&row, "n"),
            int(&row, "total"),
            int(&row, "good"),
            int(&row, "bad"),
        ))
    }

    /// CSAT: share of 4-5 as a percent and as a fraction, and the mean.
    async fn csat(&self, w: Window) -> AppResult<(Option<f64>, Option<f64>, Option<f64>)> {
        let (n, total, good, _) = self.scores(w, "CSAT", (4, 5), (1, 2)).await?;
        Ok((ratio(good * 100, n), ratio(good, n), ratio(total, n)))
    }

    /// NPS: % promoters (9-10) minus % detractors (0-6).
    async fn nps(&self, w: Window) -> AppResult<Option<f64>> {
        let (n, _, promoters, detractors) = self.scores(w, "NPS", (9, 10), (0, 6)).await?;
        Ok(ratio((promoters - detractors) * 100, n))
    }

    /// Mean CES.
    async fn ces(&self, w: Window) -> AppResult<Option<f64>> {
        let (n, total, _, _) = self.scores(w, "CES", (1, 7), (1, 7)).await?;
        Ok(ratio(total, n))
    }

    /// Tickets resolved in the window with no same-reason ticket of the
    /// customer opened within 7 days after the resolution / tickets resolved
    /// in the window. Undecided (7 days not over at T, no repeat yet) are left out.
    async fn fcr(&self, w: Window) -> AppResult<Option<f64>> {
        let mut sql = self.sql();
        sql.push("WITH x AS MATERIALIZED (SELECT t.id, t.customer_id, t.reason, t.resolved_at FROM ticket t");
        self.filter(&mut sql, "t");
        sql.push(" AND t.resolved_at >= ")
            .bind(w.from)
            .push(" AND t.resolved_at < ")
            .bind(w.to);
        // The repeated ones are counted by a WHERE EXISTS of their own:
        // PostgreSQL hashes the tickets by (customer, reason) once (EXPLAIN:
        // Hash Semi Join) instead of probing the index once per resolved
        // ticket. The lower bound on r.opened_at is implied (it is at or
        // after a resolution in the window); it lets the hashed side skip
        // older tickets. Two one-row aggregates, so no
        // plan can re-run one per row of the other.
        let (at, within) = ("x.resolved_at", REPEAT_WINDOW_MS);
        sql.push(") SELECT CAST(a.matured + r.unmatured AS BIGINT) AS decided, ")
            .push("CAST(a.matured - r.matured AS BIGINT) AS resolved_first FROM (SELECT ")
            .sum_by_maturity(at, within, w.as_of, "1", "0")
            .push(" AS matured FROM x) a CROSS JOIN (SELECT ")
            .sum_by_maturity(at, within, w.as_of, "1", "0")
            .push(" AS matured, ")
            .sum_by_maturity(at, within, w.as_of, "0", "1")
            .push(" AS unmatured FROM x WHERE EXISTS (SELECT 1 FROM ticket r WHERE r.org_id = ")
            .bind(self.org)
            .push(" AND r.customer_id = x.customer_id AND r.reason = x.reason AND r.id <> x.id ")
            .push("AND r.opened_at >= x.resolved_at AND r.opened_at <= x.resolved_at + ")
            .bind(REPEAT_WINDOW_MS)
            .push(" AND r.opened_at <= ")
            .bind(w.as_of)
            .push(" AND r.opened_at >= ")
            .bind(w.from)
            .push(")) r");
        let row = self.one(sql.build()).await?;
        Ok(ratio(int(&row, "resolved_first"), int(&row, "decided")))
    }

    /// Customers with a ticket opened in the window that follows, within 7
    /// days, an earlier same-reason ticket of theirs (earlier by
    /// (opened_at, id), possibly before the window) / customers with a ticket
    /// opened in the window.
    async fn repeat_contact(&self, w: Window) -> AppResult<Option<f64>> {
        let mut sql = self.sql();
        sql.push("SELECT CAST(COUNT(DISTINCT t.customer_id) AS BIGINT) AS contacted, ")
            .push("CAST(COUNT(DISTINCT CASE WHEN ");
        follows_within(&mut sql, REPEAT_WINDOW_MS);
        sql.push(" THEN t.customer_id END) AS BIGINT) AS repeated FROM ");
        sequenced(&mut sql, self.org, w.from, w.to, REPEAT_WINDOW_MS);
        self.filter(&mut sql, "t");
        sql.push(" AND t.opened_at >= ").bind(w.from);
        let row = self.one(sql.build()).await?;
        Ok(ratio(int(&row, "repeated"), int(&row, "contacted")))
    }

    /// `column - opened_at` in hours, for tickets opened in the window that have it.
    async fn ticket_durations(&self, w: Window, column: &str) -> AppResult<Vec<f64>> {
        let mut sql = self.sql();
        sql.push(&format!(
            "SELECT t.{column} - t.opened_at AS v FROM ticket t"
        ));
        self.filter(&mut sql, "t");
        sql.push(&format!(" AND t.{column} IS NOT NULL"));
        sql.push(" AND t.opened_at >= ")
            .bind(w.from)
            .push(" AND t.opened_at < ")
            .bind(w.to);
        self.values(sql.build(), HOUR_MS).await
    }

    /// Decided tickets opened in the window resolved within their SLA target /
    /// decided tickets opened in the window. Decided: resolved within target
    /// by T, or the target deadline is at or before T.
    async fn sla(&self, w: Window) -> AppResult<Option<f64>> {
        let mut sql = self.sql();
        sql.push("SELECT CAST(COALESCE(SUM(CASE WHEN x.met = 1 OR x.deadline <= ")
            .bind(w.as_of)
            .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS decided, CAST(COALESCE(SUM(x.met), 0) AS BIGINT) AS met FROM (")
            .push("SELECT t.opened_at + (CASE t.priority");
        for (priority, hours) in SLA_HOURS {
            sql.push(" WHEN ")
                .bind(priority.to_owned())
                .push(" THEN ")
                .bind(hours * HOUR_MS);
        }
        sql.push(" END) AS deadline, CASE WHEN t.resolved_at IS NOT NULL AND t.resolved_at <= ")
            .bind(w.as_of)
            .push(" AND t.resolved_at <= t.opened_at + (CASE t.priority");
        for (priority, hours) in SLA_HOURS {
            sql.push(" WHEN ")
                .bind(priority.to_owned())
                .push(" THEN ")
                .bind(hours * HOUR_MS);
        }
        sql.push(" END) THEN 1 ELSE 0 END AS met FROM ticket t");
        self.filter(&mut sql, "t");
        sql.push(" AND t.opened_at >= ")
            .bind(w.from)
            .push(" AND t.opened_at < ")
            .bind(w.to);
        sql.push(") x");
        let row = self.one(sql.build()).await?;
        Ok(ratio(int(&row, "met"), int(&row, "decided")))
    }

    /// For customers whose first WON deal closed in the window and who
    /// completed the last onboarding step (highest position) by T: that
    /// completion - the deal's closed_at, in days.
    async fn time_to_value(&self, w: Window) -> AppResult<Vec<f64>> {
        let mut sql = self.sql();
        sql.push("SELECT p.done - won.won_at AS v FROM (SELECT d.customer_id, MIN(d.org_id) AS org_id, MIN(d.closed_at) AS won_at FROM deal d WHERE d.org_id = ")
            .bind(self.org)
            .push(" AND d.outcome = 'WON' AND d.closed_at IS NOT NULL GROUP BY d.customer_id) won")
            .push(" JOIN (SELECT pr.customer_id, MIN(pr.completed_at) AS done FROM onboarding_progress pr WHERE pr.org_id = ")
            .bind(self.org)
            .push(" AND pr.completed_at IS NOT NULL AND pr.completed_at <= ")
            .bind(w.as_of)
            .push(" AND pr.step_id = (SELECT s.id FROM onboarding_step s WHERE s.org_id = ")
            .bind(self.org)
            .push(" ORDER BY s.position DESC, s.id DESC LIMIT 1) GROUP BY pr.customer_id) p ON p.customer_id = won.customer_id");
        self.filter(&mut sql, "won");
        sql.push(" AND won.won_at >= ")
            .bind(w.from)
            .push(" AND won.won_at < ")
            .bind(w.to);
        let stmt = sql.build();
        self.values(stmt, DAY_MS).await
    }

    /// Customers whose first step start is in the window and who completed
    /// every defined step by T / customers whose first step start is in it.
    async fn onboarding_completion(&self, w: Window) -> AppResult<Option<f64>> {
        let mut sql = self.sql();
        sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS started, CAST(COALESCE(SUM(CASE WHEN x.done = (SELECT COUNT(*) FROM onboarding_step s WHERE s.org_id = ")
            .bind(self.org)
            .push(") THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed FROM (SELECT p.customer_id, MIN(p.org_id) AS org_id, MIN(p.started_at) AS first_start, ")
            .push("COUNT(DISTINCT CASE WHEN p.completed_at IS NOT NULL AND p.completed_at <= ")
            .bind(w.as_of)
            .push(" THEN p.step_id END) AS done FROM onboarding_progress p WHERE p.org_id = ")
            .bind(self.org)
            .push(" GROUP BY p.customer_id) x");
        self.filter(&mut sql, "x");
        sql.push(" AND x.first_start >= ")
            .bind(w.from)
            .push(" AND x.first_start < ")
            .bind(w.to);
        let row = self.one(sql.build()).await?;
        Ok(ratio(int(&row, "completed"), int(&row, "started")))
    }
}
