//! `handoffMatrix`: for each ordered pair of departments (A -> B, A != B),
//! the transitions between a customer's consecutive touchpoints (by
//! (occurred_at, id)) whose later touchpoint falls in the window (the
//! earlier may precede it), the median gap, and the share followed by a
//! support ticket within 7 days after the later touchpoint (the ticket the
//! later touchpoint itself belongs to does not count; a transition whose 7
//! days are not over at T and has no ticket yet is undecided and left out
//! of the share).

use super::sql::SqlBuilder;
use super::window::{Window, ratio};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::time::{DAY_MS, HOUR_MS};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

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

/// The matrix of `window`, ordered by (from, to); pairs with no transition are absent.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn handoff_matrix(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
) -> AppResult<Vec<Handoff>> {
    viewer.require_analytics()?;
    let org = viewer.org_id;
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut sql = SqlBuilder::new(db.get_database_backend());
    // One statement, so only a row per pair leaves the database. The
    // transitions are computed once; the counts and the median per pair
    // (`g`) and the transitions a ticket followed (`f`) are read from them.
    // `g` and `f` are materialized, so joining them can never re-run one.
    sql.push("WITH tr AS MATERIALIZED (");
    transitions(&mut sql, org, window);
    sql.push(
        "), g AS MATERIALIZED (SELECT from_department, to_department, CAST(COUNT(*) AS BIGINT) AS transitions, ",
    )
    .sum_by_maturity("at", FOLLOW_MS, window.as_of, "1", "0")
    .push(" AS matured");
    if postgres {
        // The median of an even count is the mean of the middle two:
        // percentile_cont(0.5) interpolates exactly that.
        sql.push(", CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS DOUBLE PRECISION) AS median_gap");
    }
    sql.push(" FROM tr GROUP BY from_department, to_department), ");
    // A ticket within 7 days after the later touchpoint (not the ticket that
    // touchpoint belongs to). As a WHERE EXISTS of its own, PostgreSQL hashes
    // the tickets by customer once instead of probing the index once per
    // transition (0.34 s against ~1 s in EXPLAIN ANALYZE on the bench data).
    sql.push("f AS MATERIALIZED (SELECT from_department, to_department, CAST(COUNT(*) AS BIGINT) AS followed, ")
        .sum_by_maturity("at", FOLLOW_MS, window.as_of, "0", "1")
        .push(" AS followed_unmatured FROM tr WHERE EXISTS (SELECT 1 FROM ticket tk WHERE tk.org_id = ")
        .bind(org)
        .push(" AND tk.customer_id = tr.customer_id AND tk.opened_at >= tr.at AND tk.opened_at <= tr.at + ")
        .bind(FOLLOW_MS)
        .push(" AND tk.opened_at <= ")
        .bind(window.as_of)
        // Implied by opened_at >= at; lets the hashed side skip older tickets.
        .push(" AND tk.opened_at >= ")
        .bind(window.from)
        .push(" AND NOT (COALESCE(tr.record_kind, '') = 'TICKET' AND COALESCE(tr.record_id, 0) = tk.id)) ")
        .push("GROUP BY from_department, to_department)");
    if !postgres {
        // SQLite has no percentile: the middle row(s) by rank.
        sql.push(", m AS (SELECT from_department, to_department, CAST(AVG(gap) AS DOUBLE PRECISION) AS median_gap FROM (")
            .push("SELECT from_department, to_department, gap, ROW_NUMBER() OVER (PARTITION BY from_department, to_department ORDER BY gap) AS rn, ")
            .push("COUNT(*) OVER (PARTITION BY from_department, to_department) AS n FROM tr) r ")
            .push("WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY from_department, to_department)");
    }
    // A transition is decided once its 7 days are over or a ticket followed.
    sql.push(" SELECT g.from_department, g.to_department, g.transitions, ")
        .push("g.matured + COALESCE(f.followed_unmatured, 0) AS decided, COALESCE(f.followed, 0) AS followed, ")
        .push(if postgres { "g.median_gap" } else { "m.median_gap" })
        .push(" FROM g LEFT JOIN f ON f.from_department = g.from_department AND f.to_department = g.to_department");
    if !postgres {
        sql.push(" JOIN m ON m.from_department = g.from_department AND m.to_department = g.to_department");
    }
    let rows = db.query_all_raw(sql.build()).await?;
    let mut handoffs = rows
        .iter()
        .map(|row| {
            let median_gap: Option<f64> = row.try_get_by("median_gap")?;
            Ok(Handoff {
                from: row.try_get_by("from_department")?,
                to: row.try_get_by("to_department")?,
                transitions: row.try_get_by("transitions")?,
                median_gap_hours: median_gap.map(|ms| ms / HOUR_MS as f64),
                followed_by_ticket_share: ratio(
                    row.try_get_by::<Option<i64>, _>("followed")?.unwrap_or(0),
                    row.try_get_by::<Option<i64>, _>("decided")?.unwrap_or(0),
                ),
            })
        })
        .collect::<AppResult<Vec<Handoff>>>()?;
    // Byte order, whatever the database's collation.
    handoffs.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    Ok(handoffs)
}

/// The transitions: per touchpoint in the window whose customer's previous
/// touchpoint (by (occurred_at, id)) was in another department, the
/// customer, the pair, the gap, its time and the record it belongs to.
fn transitions(sql: &mut SqlBuilder, org: i64, window: Window) {
    sql.push("SELECT x.customer_id, x.prev_department AS from_department, x.department AS to_department, ")
        .push("x.occurred_at - x.prev_at AS gap, x.occurred_at AS at, x.record_kind, x.record_id ")
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
        .push(") y")
        // Kept whole: the predecessor lookups are used three times.
        .fence()
        .push(") x WHERE x.prev_department IS NOT NULL AND x.prev_department <> x.department");
}
