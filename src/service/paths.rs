//! `journeyPaths`: the most common department sequences (consecutive
//! repeats collapsed, the first `steps` departments, touchpoints up to T) of
//! customers whose first touch is in the window. One statement: the
//! aggregation of each customer's path is the only part that differs by
//! backend (`string_agg` / `group_concat`).

use super::active_days::push_may_touch;
use super::sql::SqlBuilder;
use super::window::Window;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

/// Longest path asked for.
pub const MAX_STEPS: u64 = 10;

/// One path and how many customers took it.
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyPath {
    pub departments: Vec<String>,
    pub customers: i64,
    /// customers / customers whose first touch is in the window.
    pub share: f64,
}

/// The paths of `window`, most customers first (then by path).
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn journey_paths(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    steps: i64,
    first: u64,
) -> AppResult<Vec<JourneyPath>> {
    viewer.require_analytics()?;
    if !(1..=MAX_STEPS as i64).contains(&steps) {
        return Err(AppError::bad_input(
            "steps",
            format!("steps must be 1..={MAX_STEPS}"),
        ));
    }
    let org = viewer.org_id;
    let backend = db.get_database_backend();
    let path = match backend {
        DbBackend::Postgres => "string_agg(z.department, '>' ORDER BY z.position)",
        _ => "group_concat(z.department, '>' ORDER BY z.position)",
    };
    let mut sql = SqlBuilder::new(backend);
    sql.push(&format!("SELECT p.path, CAST(COUNT(*) AS BIGINT) AS customers FROM (SELECT z.customer_id, {path} AS path FROM ("))
        .push("SELECT y.customer_id, y.department, ROW_NUMBER() OVER (PARTITION BY y.customer_id ORDER BY y.occurred_at, y.id) AS position FROM (")
        .push("SELECT tp.customer_id, tp.department, tp.occurred_at, tp.id, ")
        .push("LAG(tp.department) OVER (PARTITION BY tp.customer_id ORDER BY tp.occurred_at, tp.id) AS previous ")
        .push("FROM touchpoint tp JOIN (");
    if backend == DbBackend::Postgres {
        // The starters: each customer's first touch is one lookup in the
        // timeline index, not a grouping of the organization's every
        // touchpoint (on the bench data: 533 against 924 ms, median of 5).
        // SQLite ran this form ten times slower (7.6 s), so it groups.
        sql.push("SELECT s.customer_id FROM (SELECT c.id AS customer_id, ")
            .push("(SELECT MIN(f.occurred_at) FROM touchpoint f WHERE f.org_id = ")
            .bind(org)
            .push(" AND f.customer_id = c.id) AS first_at FROM customer c WHERE c.org_id = ")
            .bind(org);
        // A first touch in the window is a touch in it.
        push_may_touch(&mut sql, "c", window.from, window.to);
        sql
            // Kept whole: `first_at` is compared twice, and each use ran its lookup.
            .fence()
            .push(") s WHERE s.first_at >= ")
            .bind(window.from)
            .push(" AND s.first_at < ")
            .bind(window.to);
    } else {
        sql.push("SELECT f.customer_id FROM touchpoint f WHERE f.org_id = ")
            .bind(org)
            .push(" GROUP BY f.customer_id HAVING MIN(f.occurred_at) >= ")
            .bind(window.from)
            .push(" AND MIN(f.occurred_at) < ")
            .bind(window.to);
    }
    sql.push(") starters ON starters.customer_id = tp.customer_id WHERE tp.org_id = ")
        .bind(org)
        .push(" AND tp.occurred_at <= ")
        .bind(window.as_of)
        .push(") y WHERE y.previous IS NULL OR y.previous <> y.department) z WHERE z.position <= ")
        .bind(steps)
        .push(" GROUP BY z.customer_id) p GROUP BY p.path");
    let rows = db.query_all_raw(sql.build()).await?;
    let mut paths: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by::<String, _>("path")?,
                r.try_get_by::<i64, _>("customers")?,
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;
    let total: i64 = paths.iter().map(|p| p.1).sum();
    paths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    paths.truncate(first as usize);
    Ok(paths
        .into_iter()
        .map(|(path, customers)| JourneyPath {
            departments: path.split('>').map(str::to_owned).collect(),
            customers,
            share: customers as f64 / total as f64,
        })
        .collect())
}
