//! Organization-wide statements split by customer. PostgreSQL 15 runs a
//! statement's window functions and correlated lookups on one core, so an
//! analytic that is one long statement runs as `PARTS` statements over
//! disjoint ranges of customer ids, at once on separate pool connections,
//! and its caller merges the parts. Each customer's rows (touchpoints,
//! tickets) fall in exactly one part.

use super::active_days::push_may_touch;
use super::sql::SqlBuilder;
use super::window::Window;
use crate::error::AppResult;
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// How many parts: the machine this was measured on has 2 cores.
const PARTS: i64 = 2;

/// A range of customer ids: `[low, high)`, unbounded where None.
pub type CustomerRange = (Option<i64>, Option<i64>);

/// `PARTS` ranges of the organization's customer ids with about as many
/// customers active around `window` each (fewer ranges when it has fewer
/// such customers). Together they cover every id.
pub async fn customer_ranges(
    db: &DatabaseConnection,
    org: i64,
    window: Window,
) -> AppResult<Vec<CustomerRange>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    // The first id of each part: where (rank * PARTS) / count steps up.
    // Counted among the customers who may touch the window: counted among
    // all, the parts of a long history split its old customers evenly and
    // left the window's to one part.
    sql.push("SELECT id FROM (SELECT c.id, ROW_NUMBER() OVER (ORDER BY c.id) - 1 AS r, COUNT(*) OVER () AS n ")
        .push("FROM customer c WHERE c.org_id = ")
        .bind(org);
    push_may_touch(&mut sql, "c", window.from, window.to);
    sql.push(") c WHERE r > 0 AND (r * ")
        .bind(PARTS)
        .push(") / n <> ((r - 1) * ")
        .bind(PARTS)
        .push(") / n ORDER BY id");
    let mut starts = Vec::new();
    for row in db.query_all_raw(sql.build()).await? {
        starts.push(Some(row.try_get_by::<i64, _>("id")?));
    }
    let lows = std::iter::once(None).chain(starts.iter().copied());
    let highs = starts.iter().copied().chain(std::iter::once(None));
    Ok(lows.zip(highs).collect())
}

/// Appends ` AND <column> >= low AND <column> < high` for the bounds `range` has.
pub fn push_range(sql: &mut SqlBuilder, column: &str, range: CustomerRange) {
    if let Some(low) = range.0 {
        sql.push(&format!(" AND {column} >= ")).bind(low);
    }
    if let Some(high) = range.1 {
        sql.push(&format!(" AND {column} < ")).bind(high);
    }
}
