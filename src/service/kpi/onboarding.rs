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
    pub(super) async fn time_to_value(&self, windows: &[Window]) -> AppResult<Vec<Vec<f64>>> {
        let mut sql = self.sql();
        sql.push("SELECT b.i, p.done - won.won_at AS v FROM (SELECT d.customer_id, MIN(d.org_id) AS org_id, MIN(d.closed_at) AS won_at FROM deal d WHERE d.org_id = ")
            .bind(self.org)
            .push(" AND d.outcome = 'WON' AND d.closed_at IS NOT NULL GROUP BY d.customer_id) won")
            .push(" JOIN (SELECT pr.customer_id, MIN(pr.completed_at) AS done FROM onboarding_progress pr WHERE pr.org_id = ")
            .bind(self.org)
            .push(" AND pr.completed_at IS NOT NULL AND pr.step_id = (SELECT s.id FROM onboarding_step s WHERE s.org_id = ")
            .bind(self.org)
            .push(" ORDER BY s.position DESC, s.id DESC LIMIT 1) GROUP BY pr.customer_id) p ON p.customer_id = won.customer_id JOIN ");
        push_windows(&mut sql, windows);
        sql.push(" ON won.won_at >= b.lo AND won.won_at < b.hi");
        self.filter(&mut sql, "won");
        sql.push(" AND p.done <= b.as_of");
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
