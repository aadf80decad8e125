//! The onboarding KPIs: time to value and completion, for each window.

use super::{Scope, int};
use crate::error::AppResult;
use crate::service::buckets::push_windows;
use crate::service::window::Window;
use crate::time::DAY_MS;

impl Scope<'_> {
    /// For customers whose first WON deal closed in a window and who
    /// completed the last onboarding step (highest position) by its T: that
    /// completion - the deal's closed_at, in days. The earliest completion
    /// is at or before T exactly when some completion is, so it is read
    /// once for every window.
    ///
    /// Each customer who completed the last step looks up their deals by
    /// the customer index. Joined as two grouped subqueries instead,
    /// PostgreSQL misjudged their sizes and grouped every WON deal again
    /// for each completion (a nested loop): 0.96 s of the demo's 1.0 s
    /// `kpis` (2,000 customers), against 15-60 ms for each other KPI. The
    /// `CASE` keeps it off the index on (outcome, closed_at), which it
    /// walks for the first WON deal and filters by customer: 0.43 s. In
    /// `psql` on the demo: 1,247 ms before, 12 ms now.
    pub(super) async fn time_to_value(&self, windows: &[Window]) -> AppResult<Vec<Vec<f64>>> {
        let mut sql = self.sql();
        sql.push("SELECT b.i, x.done - x.won_at AS v FROM (SELECT p.customer_id, p.org_id, p.done, (SELECT MIN(CASE WHEN d.outcome = 'WON' THEN d.closed_at END) FROM deal d WHERE d.org_id = p.org_id AND d.customer_id = p.customer_id) AS won_at")
            .push(" FROM (SELECT pr.customer_id, MIN(pr.org_id) AS org_id, MIN(pr.completed_at) AS done FROM onboarding_progress pr WHERE pr.org_id = ")
            .bind(self.org)
            .push(" AND pr.completed_at IS NOT NULL AND pr.step_id = (SELECT s.id FROM onboarding_step s WHERE s.org_id = ")
            .bind(self.org)
            .push(" ORDER BY s.position DESC, s.id DESC LIMIT 1) GROUP BY pr.customer_id) p")
            .fence()
            .push(") x JOIN ");
        push_windows(&mut sql, windows);
        sql.push(" ON x.won_at >= b.lo AND x.won_at < b.hi");
        self.filter(&mut sql, "x");
        sql.push(" AND x.done <= b.as_of");
        self.per_window(sql.build(), windows.len(), |days: &mut Vec<f64>, row| {
            days.push(int(row, "v") as f64 / DAY_MS as f64);
        })
        .await
    }

    /// Customers whose first step start is in a window and who completed
    /// every defined step by its T / customers whose first step start is in
    /// it. Every step is completed by T exactly when the latest of the
    /// steps' earliest completions is.
    pub(super) async fn onboarding_completion(
        &self,
        windows: &[Window],
    ) -> AppResult<Vec<Option<f64>>> {
        let mut sql = self.sql();
        sql.push("SELECT b.i, CAST(COUNT(*) AS BIGINT) AS started, CAST(COALESCE(SUM(CASE WHEN x.done = (SELECT COUNT(*) FROM onboarding_step s WHERE s.org_id = ")
            .bind(self.org)
            .push(") AND x.all_done_at <= b.as_of THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed FROM (")
            .push("SELECT y.customer_id, MIN(y.org_id) AS org_id, MIN(y.first_start) AS first_start, COUNT(y.first_done) AS done, MAX(y.first_done) AS all_done_at FROM (")
            .push("SELECT p.customer_id, MIN(p.org_id) AS org_id, MIN(p.started_at) AS first_start, MIN(p.completed_at) AS first_done FROM onboarding_progress p WHERE p.org_id = ")
            .bind(self.org)
            .push(" GROUP BY p.customer_id, p.step_id) y GROUP BY y.customer_id) x JOIN ");
        push_windows(&mut sql, windows);
        sql.push(" ON x.first_start >= b.lo AND x.first_start < b.hi");
        self.filter(&mut sql, "x");
        sql.push(" GROUP BY b.i");
        self.ratios(sql.build(), windows.len(), "completed", "started")
            .await
    }
}
