//! `handoffMatrix`: for each ordered pair of departments (A -> B, A != B),
//! the transitions between a customer's consecutive touchpoints (by
//! (occurred_at, id)) whose later touchpoint falls in the window (the
//! earlier may precede it), the median gap, and the share followed by a
//! support ticket within 7 days after the later touchpoint (the ticket the
//! later touchpoint itself belongs to does not count; a transition whose 7
//! days are not over at T and has no ticket yet is undecided and left out
//! of the share).

use super::sql::SqlBuilder;
use super::window::{Window, median, ratio};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::time::{DAY_MS, HOUR_MS};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::collections::BTreeMap;

const FOLLOW_MS: i64 = 7 * DAY_MS;

/// One cell of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Handoff {
    pub from: String,
    pub to: String,
    pub transitions: i64,
    pub median_gap_hours: Option<f64>,
    /// Decided transitions followed by a ticket / decided transitions.
    pub followed_by_ticket_share: Option<f64>,
}

#[derive(Default)]
struct Cell {
    gaps: Vec<f64>,
    decided: i64,
    followed: i64,
}

/// The matrix of `window`, ordered by (from, to); pairs with no transition are absent.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn handoff_matrix(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
) -> AppResult<Vec<Handoff>> {
    viewer.require_analytics()?;
    let org = viewer.org_id;
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT x.prev_department AS from_department, x.department AS to_department, x.occurred_at - x.prev_at AS gap, ")
        .push("x.occurred_at AS at, CASE WHEN EXISTS (SELECT 1 FROM ticket tk WHERE tk.org_id = ")
        .bind(org)
        .push(" AND tk.customer_id = x.customer_id AND tk.opened_at >= x.occurred_at AND tk.opened_at <= x.occurred_at + ")
        .bind(FOLLOW_MS)
        .push(" AND tk.opened_at <= ")
        .bind(window.as_of)
        .push(" AND NOT (COALESCE(x.record_kind, '') = 'TICKET' AND COALESCE(x.record_id, 0) = tk.id)) THEN 1 ELSE 0 END AS followed ")
        .push("FROM (SELECT y.customer_id, y.department, y.occurred_at, y.record_kind, y.record_id, ");
    // Only the window's touchpoints are sorted; the first one of each
    // customer looks up its predecessor before the window by index.
    for (column, lagged) in [("department", "lag_department"), ("occurred_at", "lag_at")] {
        let alias = if column == "department" {
            "prev_department"
        } else {
            "prev_at"
        };
        sql.push(&format!("CASE WHEN y.lag_department IS NULL THEN (SELECT p.{column} FROM touchpoint p WHERE p.org_id = "))
            .bind(org)
            .push(" AND p.customer_id = y.customer_id AND p.occurred_at < ")
            .bind(window.from)
            .push(&format!(" ORDER BY p.occurred_at DESC, p.id DESC LIMIT 1) ELSE y.{lagged} END AS {alias}"))
            .push(if column == "department" { ", " } else { " " });
    }
    sql.push("FROM (SELECT tp.customer_id, tp.department, tp.occurred_at, tp.record_kind, tp.record_id, ")
        .push("LAG(tp.department) OVER (PARTITION BY tp.customer_id ORDER BY tp.occurred_at, tp.id) AS lag_department, ")
        .push("LAG(tp.occurred_at) OVER (PARTITION BY tp.customer_id ORDER BY tp.occurred_at, tp.id) AS lag_at ")
        .push("FROM touchpoint tp WHERE tp.org_id = ")
        .bind(org)
        .push(" AND tp.occurred_at >= ")
        .bind(window.from)
        .push(" AND tp.occurred_at < ")
        .bind(window.to)
        .push(") y) x WHERE x.prev_department IS NOT NULL AND x.prev_department <> x.department");
    let rows = db.query_all_raw(sql.build()).await?;
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    for row in &rows {
        let from: String = row.try_get("", "from_department")?;
        let to: String = row.try_get("", "to_department")?;
        let gap: i64 = row.try_get("", "gap")?;
        let at: i64 = row.try_get("", "at")?;
        let followed = row
            .try_get::<i32>("", "followed")
            .map(i64::from)
            .or_else(|_| row.try_get::<i64>("", "followed"))?;
        let cell = cells.entry((from, to)).or_default();
        cell.gaps.push(gap as f64 / HOUR_MS as f64);
        if followed == 1 || at + FOLLOW_MS <= window.as_of {
            cell.decided += 1;
            cell.followed += followed;
        }
    }
    Ok(cells
        .into_iter()
        .map(|((from, to), cell)| Handoff {
            from,
            to,
            transitions: cell.gaps.len() as i64,
            median_gap_hours: median(cell.gaps),
            followed_by_ticket_share: ratio(cell.followed, cell.decided),
        })
        .collect())
}
