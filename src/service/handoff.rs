//! `handoffMatrix`: for each ordered pair of departments (A -> B, A != B),
//! the transitions between a customer's consecutive touchpoints (by
//! (occurred_at, id)) whose later touchpoint falls in the window (the
//! earlier may precede it), the median gap, and the share followed by a
//! support ticket within 7 days after the later touchpoint (the ticket the
//! later touchpoint itself belongs to does not count; a transition whose 7
//! days are not over at T and has no ticket yet is undecided and left out
//! of the share).

use super::parts::{CustomerRange, customer_ranges, push_range};
use super::sql::SqlBuilder;
use super::window::{Window, median, ratio};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::time::{DAY_MS, HOUR_MS};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
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

/// One pair's figures within a part, or merged over the parts.
#[derive(Default)]
struct Cell {
    transitions: i64,
    decided: i64,
    followed: i64,
    gaps_ms: Vec<f64>,
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
    // In parts by customer (`parts`). On the bench data (821,977
    // touchpoints in the window), two parts run at once took 0.56-0.67 s
    // against 1.14-1.43 s for one statement (psql).
    let ranges = customer_ranges(db, org, window).await?;
    let parts =
        futures::future::try_join_all(ranges.into_iter().map(|range| part(db, org, window, range)))
            .await?;
    // A BTreeMap of Strings: byte order, whatever the database's collation.
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    for (pair, cell) in parts.into_iter().flatten() {
        let merged = cells.entry(pair).or_default();
        merged.transitions += cell.transitions;
        merged.decided += cell.decided;
        merged.followed += cell.followed;
        merged.gaps_ms.extend(cell.gaps_ms);
    }
    Ok(cells
        .into_iter()
        .map(|((from, to), cell)| Handoff {
            from,
            to,
            transitions: cell.transitions,
            median_gap_hours: median(cell.gaps_ms).map(|ms| ms / HOUR_MS as f64),
            followed_by_ticket_share: ratio(cell.followed, cell.decided),
        })
        .collect())
}

/// The figures per pair of the customers in `range`.
async fn part(
    db: &DatabaseConnection,
    org: i64,
    window: Window,
    range: CustomerRange,
) -> AppResult<Vec<((String, String), Cell)>> {
    let backend = db.get_database_backend();
    let mut sql = SqlBuilder::new(backend);
    // One statement per part, so only a row per pair leaves the database.
    // The transitions are computed once; the counts and the gaps per pair
    // (`g`) and the transitions a ticket followed (`f`) are read from them.
    // `g` and `f` are materialized, so joining them can never re-run one.
    sql.push("WITH tr AS MATERIALIZED (");
    transitions(&mut sql, org, window, range);
    sql.push(
        "), g AS MATERIALIZED (SELECT from_department, to_department, CAST(COUNT(*) AS BIGINT) AS transitions, ",
    )
    .sum_by_maturity("at", FOLLOW_MS, window.as_of, "1", "0")
    .push(" AS matured, ")
    // The gaps, unordered: the median over all parts is taken here.
    .push(match backend {
        DbBackend::Postgres => "string_agg(CAST(gap AS TEXT), ',')",
        _ => "group_concat(gap, ',')",
    })
    .push(" AS gaps FROM tr GROUP BY from_department, to_department), ");
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
        // Implied by opened_at >= at and by the customer; lets the hashed
        // side skip older tickets and other parts' customers.
        .push(" AND tk.opened_at >= ")
        .bind(window.from);
    push_range(&mut sql, "tk.customer_id", range);
    sql.push(" AND NOT (COALESCE(tr.record_kind, '') = 'TICKET' AND COALESCE(tr.record_id, 0) = tk.id)) ")
        .push("GROUP BY from_department, to_department)");
    // A transition is decided once its 7 days are over or a ticket followed.
    sql.push(" SELECT g.from_department, g.to_department, g.transitions, ")
        .push("g.matured + COALESCE(f.followed_unmatured, 0) AS decided, COALESCE(f.followed, 0) AS followed, g.gaps ")
        .push("FROM g LEFT JOIN f ON f.from_department = g.from_department AND f.to_department = g.to_department");
    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter()
        .map(|row| {
            let gaps: String = row.try_get_by("gaps")?;
            let gaps_ms = gaps
                .split(',')
                .map(|gap| gap.parse::<i64>().map(|ms| ms as f64))
                .collect::<Result<Vec<f64>, _>>()
                .map_err(|e| anyhow::anyhow!("handoff gaps {gaps:.40}: {e}"))?;
            let pair = (
                row.try_get_by("from_department")?,
                row.try_get_by("to_department")?,
            );
            Ok((
                pair,
                Cell {
                    transitions: row.try_get_by("transitions")?,
                    decided: row.try_get_by::<Option<i64>, _>("decided")?.unwrap_or(0),
                    followed: row.try_get_by::<Option<i64>, _>("followed")?.unwrap_or(0),
                    gaps_ms,
                },
            ))
        })
        .collect()
}

/// The transitions: per touchpoint in the window whose customer's previous
/// touchpoint (by (occurred_at, id)) was in another department, the
/// customer, the pair, the gap, its time and the record it belongs to;
/// only the customers in `range`.
fn transitions(sql: &mut SqlBuilder, org: i64, window: Window, range: CustomerRange) {
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
        .bind(window.to);
    push_range(sql, "tp.customer_id", range);
    sql.push(") y")
        // Kept whole: the predecessor lookups are used three times.
        .fence()
        .push(") x WHERE x.prev_department IS NOT NULL AND x.prev_department <> x.department");
}
