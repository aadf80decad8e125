//! `funnel`: conversion between arbitrary touchpoint kinds. A customer
//! enters at the first touchpoint of the first kind in the window (t0); step
//! k is reached at the first touchpoint of its kind at or after step k-1's,
//! within the conversion window after t0 and by T. A customer counts once
//! decided: the conversion window is over at T, or the last step is reached.
//! One statement: a chain of CTEs, one per step.

use super::sql::SqlBuilder;
use super::window::{Window, ratio};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::time::DAY_MS;
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// One funnel step.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelStep {
    pub kind: String,
    pub customers: i64,
    /// customers / customers of the step before (None for the first step).
    pub conversion_from_previous: Option<f64>,
    /// customers / customers who entered.
    pub conversion_from_start: Option<f64>,
}

/// The funnel over `steps` (2..=10 touchpoint kinds).
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn funnel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    steps: &[String],
    conversion_window_days: i64,
) -> AppResult<Vec<FunnelStep>> {
    viewer.require_analytics()?;
    if !(2..=10).contains(&steps.len()) || steps.iter().any(|s| s.trim().is_empty()) {
        return Err(AppError::bad_input(
            "steps",
            "name 2 to 10 touchpoint kinds",
        ));
    }
    if !(1..=365).contains(&conversion_window_days) {
        return Err(AppError::bad_input(
            "conversionWindowDays",
            "must be 1..=365",
        ));
    }
    let org = viewer.org_id;
    let span = conversion_window_days * DAY_MS;
    let last = steps.len() - 1;
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("WITH s0 AS (SELECT tp.customer_id, MIN(tp.occurred_at) AS t0, MIN(tp.occurred_at) AS t FROM touchpoint tp WHERE tp.org_id = ")
        .bind(org)
        .push(" AND tp.kind = ")
        .bind(steps[0].clone())
        .push(" AND tp.occurred_at >= ")
        .bind(window.from)
        .push(" AND tp.occurred_at < ")
        .bind(window.to)
        .push(" GROUP BY tp.customer_id)");
    for (k, kind) in steps.iter().enumerate().skip(1) {
        sql.push(&format!(", s{k} AS (SELECT s.customer_id, s.t0, MIN(tp.occurred_at) AS t FROM s{} s JOIN touchpoint tp ON tp.org_id = ", k - 1))
            .bind(org)
            .push(" AND tp.customer_id = s.customer_id AND tp.kind = ")
            .bind(kind.clone())
            .push(" AND tp.occurred_at >= s.t AND tp.occurred_at <= s.t0 + ")
            .bind(span)
            .push(" AND tp.occurred_at <= ")
            .bind(window.as_of)
            // Implied (t >= t0 >= from, t0 < to): without them PostgreSQL
            // read the kind's every touchpoint of the organization's whole
            // history, so the funnel of a 90-day window cost more as
            // history grew.
            .push(" AND tp.occurred_at >= ")
            .bind(window.from)
            .push(" AND tp.occurred_at < ")
            .bind(window.to + span)
            .push(" GROUP BY s.customer_id, s.t0)");
    }
    sql.push(", decided AS (SELECT customer_id FROM s0 WHERE t0 + ")
        .bind(span)
        .push(" <= ")
        .bind(window.as_of)
        .push(&format!(" UNION SELECT customer_id FROM s{last}) SELECT "));
    for k in 0..steps.len() {
        if k > 0 {
            sql.push(", ");
        }
        sql.push(&format!("(SELECT CAST(COUNT(*) AS BIGINT) FROM s{k} WHERE customer_id IN (SELECT customer_id FROM decided)) AS n{k}"));
    }
    let row = db
        .query_one_raw(sql.build())
        .await?
        .ok_or_else(|| anyhow::anyhow!("funnel returned no row"))?;
    let counts: Vec<i64> = (0..steps.len())
        .map(|k| row.try_get_by::<i64, _>(format!("n{k}").as_str()))
        .collect::<Result<_, _>>()?;
    Ok(steps
        .iter()
        .enumerate()
        .map(|(k, kind)| FunnelStep {
            kind: kind.clone(),
            customers: counts[k],
            conversion_from_previous: (k > 0).then(|| ratio(counts[k], counts[k - 1])).flatten(),
            conversion_from_start: ratio(counts[k], counts[0]),
        })
        .collect())
}
