//! The survey KPIs (CSAT, NPS, CES) of each window from one grouped count of
//! responses by metric and score.

use super::{Scope, int};
use crate::error::AppResult;
use crate::service::buckets::push_windows;
use crate::service::window::{Window, ratio};

/// How many responses of one metric gave each score (0-10).
#[derive(Clone, Debug, Default)]
pub struct Histogram([i64; 11]);

impl Histogram {
    fn add(&mut self, score: i64, n: i64) {
        if let Some(slot) = usize::try_from(score).ok().and_then(|s| self.0.get_mut(s)) {
            *slot += n;
        }
    }

    fn count(&self, low: usize, high: usize) -> i64 {
        self.0.get(low..=high).map_or(0, |s| s.iter().sum())
    }

    fn total(&self) -> i64 {
        self.0.iter().sum()
    }

    fn mean(&self) -> Option<f64> {
        let sum: i64 = self.0.iter().zip(0..).map(|(n, score)| n * score).sum();
        ratio(sum, self.total())
    }
}

/// The responses of one window, by metric.
#[derive(Clone, Debug, Default)]
pub struct Scores {
    csat: Histogram,
    nps: Histogram,
    ces: Histogram,
}

impl Scores {
    /// CSAT 4-5 / all CSAT x 100.
    pub fn csat_percent(&self) -> Option<f64> {
        ratio(self.csat.count(4, 5) * 100, self.csat.total())
    }

    /// CSAT 4-5 / all CSAT.
    pub fn csat_rate(&self) -> Option<f64> {
        ratio(self.csat.count(4, 5), self.csat.total())
    }

    pub fn csat_average(&self) -> Option<f64> {
        self.csat.mean()
    }

    /// % promoters (9-10) minus % detractors (0-6).
    pub fn nps(&self) -> Option<f64> {
        let (promoters, detractors) = (self.nps.count(9, 10), self.nps.count(0, 6));
        ratio((promoters - detractors) * 100, self.nps.total())
    }

    pub fn ces_average(&self) -> Option<f64> {
        self.ces.mean()
    }
}

impl Scope<'_> {
    /// Responses occurred in each window, counted by metric and score.
    pub(super) async fn scores(&self, windows: &[Window]) -> AppResult<Vec<Scores>> {
        let mut sql = self.sql();
        sql.push("SELECT b.i, f.metric, CAST(f.score AS BIGINT) AS score, CAST(COUNT(*) AS BIGINT) AS n FROM ");
        push_windows(&mut sql, windows);
        sql.push(" JOIN feedback f ON f.occurred_at >= b.lo AND f.occurred_at < b.hi");
        self.filter(&mut sql, "f");
        sql.push(" GROUP BY b.i, f.metric, f.score");
        self.per_window(sql.build(), windows.len(), |scores: &mut Scores, row| {
            let histogram = match row.try_get_by::<String, _>("metric").as_deref() {
                Ok("CSAT") => &mut scores.csat,
                Ok("NPS") => &mut scores.nps,
                Ok("CES") => &mut scores.ces,
                _ => return,
            };
            histogram.add(int(row, "score"), int(row, "n"));
        })
        .await
    }
}
