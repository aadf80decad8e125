//! `contactReasons`: why customers reach out, per ticket reason, with what
//! happened just before (the department of the customer's last non-SUPPORT
//! touchpoint in the 7 days before each ticket, `[opened - 7 d, opened]`).

use super::parts::{CustomerRange, customer_ranges, push_range};
use super::sql::SqlBuilder;
use super::ticket_sql::{follows_within, sequenced};
use super::window::{Window, median, ratio};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::time::{DAY_MS, HOUR_MS, now_millis};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};
use std::collections::BTreeMap;

const LOOKBACK_MS: i64 = 7 * DAY_MS;

/// One reason's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactReason {
    pub reason: String,
    /// Tickets opened in the window.
    pub tickets: i64,
    /// Distinct customers who opened them.
    pub customers: i64,
    /// tickets / all tickets opened in the window.
    pub share: f64,
    /// The same share in the previous window of equal length.
    pub previous_share: Option<f64>,
    /// Median resolved_at - opened_at of its resolved tickets, in hours.
    pub median_resolution_hours: Option<f64>,
    /// Mean CSAT of responses about these tickets.
    pub csat_average: Option<f64>,
    /// Tickets that follow an earlier same-reason ticket of the customer
    /// within 7 days / tickets.
    pub repeat_rate: f64,
    /// (department or None for "nothing in the 7 days before", share of the
    /// reason's tickets), largest first.
    pub preceded_by: Vec<(Option<String>, f64)>,
}

fn int(row: &QueryResult, column: &str) -> i64 {
    row.try_get_by::<Option<i64>, _>(column)
        .ok()
        .flatten()
        .unwrap_or(0)
}

/// Per reason: tickets, customers, repeats (window `w`).
async fn counts(
    db: &DatabaseConnection,
    org: i64,
    w: Window,
) -> AppResult<Vec<(String, i64, i64, i64)>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.reason, CAST(COUNT(*) AS BIGINT) AS tickets, CAST(COUNT(DISTINCT t.customer_id) AS BIGINT) AS customers, ")
        .push("CAST(SUM(CASE WHEN ");
    follows_within(&mut sql, LOOKBACK_MS);
    sql.push(" THEN 1 ELSE 0 END) AS BIGINT) AS repeats FROM ");
    sequenced(&mut sql, org, w.from, w.to, LOOKBACK_MS);
    sql.push(" WHERE t.opened_at >= ")
        .bind(w.from)
        .push(" GROUP BY t.reason");
    let rows = db.query_all_raw(sql.build()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let reason = r.try_get_by::<String, _>("reason").unwrap_or_default();
            (
                reason,
                int(r, "tickets"),
                int(r, "customers"),
                int(r, "repeats"),
            )
        })
        .collect())
}

/// Per ticket opened in `window` by the customers in `range`: its reason,
/// resolution time, what preceded it and its CSAT.
async fn per_ticket(
    db: &DatabaseConnection,
    org: i64,
    window: Window,
    range: CustomerRange,
) -> AppResult<Vec<QueryResult>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.reason, t.resolved_at - t.opened_at AS resolution, ")
        .push("(SELECT tp.department FROM touchpoint tp WHERE tp.org_id = t.org_id AND tp.customer_id = t.customer_id ")
        .push("AND tp.department <> 'SUPPORT' AND tp.occurred_at <= t.opened_at AND tp.occurred_at >= t.opened_at - ")
        .bind(LOOKBACK_MS)
        .push(" ORDER BY tp.occurred_at DESC, tp.id DESC LIMIT 1) AS preceded_by, fb.csat_sum, fb.csat_n ")
        // CSAT per ticket: one grouped pass over feedback, joined by hash.
        .push("FROM ticket t LEFT JOIN (SELECT f.ticket_id, CAST(SUM(f.score) AS BIGINT) AS csat_sum, CAST(COUNT(*) AS BIGINT) AS csat_n ")
        .push("FROM feedback f WHERE f.org_id = ")
        .bind(org)
        .push(" AND f.metric = 'CSAT' AND f.ticket_id IS NOT NULL GROUP BY f.ticket_id) fb ON fb.ticket_id = t.id WHERE t.org_id = ")
        .bind(org)
        .push(" AND t.opened_at >= ")
        .bind(window.from)
        .push(" AND t.opened_at < ")
        .bind(window.to);
    push_range(&mut sql, "t.customer_id", range);
    Ok(db.query_all_raw(sql.build()).await?)
}

/// The contact reasons of `window`, most tickets first (then by reason).
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn contact_reasons(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    first: u64,
) -> AppResult<Vec<ContactReason>> {
    viewer.require_analytics()?;
    let org = viewer.org_id;
    // The per-ticket statement runs in parts by customer (`parts`), beside
    // the two counts. On the bench data it took 430-530 ms alone and
    // 0.29-0.32 s in two parts run at once (psql).
    // The counts start at once; the parts once the ranges are known.
    let per_ticket_rows = async {
        let ranges = customer_ranges(db, org).await?;
        let parts = futures::future::try_join_all(
            ranges
                .into_iter()
                .map(|range| per_ticket(db, org, window, range)),
        )
        .await?;
        Ok(parts.into_iter().flatten().collect::<Vec<QueryResult>>())
    };
    let (current, previous, rows) = futures::try_join!(
        counts(db, org, window),
        counts(db, org, window.previous(now_millis())),
        per_ticket_rows,
    )?;
    let total: i64 = current.iter().map(|c| c.1).sum();
    let previous_total: i64 = previous.iter().map(|c| c.1).sum();

    #[derive(Default)]
    struct Detail {
        resolutions: Vec<f64>,
        csat_sum: i64,
        csat_n: i64,
        preceded: BTreeMap<Option<String>, i64>,
    }
    let mut details: BTreeMap<String, Detail> = BTreeMap::new();
    for row in &rows {
        let reason = row.try_get_by::<String, _>("reason").unwrap_or_default();
        let d = details.entry(reason).or_default();
        if let Ok(Some(ms)) = row.try_get_by::<Option<i64>, _>("resolution") {
            d.resolutions.push(ms as f64 / HOUR_MS as f64);
        }
        d.csat_sum += int(row, "csat_sum");
        d.csat_n += int(row, "csat_n");
        let department = row
            .try_get_by::<Option<String>, _>("preceded_by")
            .ok()
            .flatten();
        *d.preceded.entry(department).or_default() += 1;
    }

    let mut reasons: Vec<ContactReason> = current
        .into_iter()
        .map(|(reason, tickets, customers, repeats)| {
            let d = details.remove(&reason).unwrap_or_default();
            let mut preceded_by: Vec<(Option<String>, f64)> = d
                .preceded
                .into_iter()
                .map(|(dep, n)| (dep, n as f64 / tickets as f64))
                .collect();
            preceded_by.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let previous_tickets = previous.iter().find(|p| p.0 == reason).map_or(0, |p| p.1);
            ContactReason {
                share: tickets as f64 / total as f64,
                previous_share: ratio(previous_tickets, previous_total),
                median_resolution_hours: median(d.resolutions),
                csat_average: ratio(d.csat_sum, d.csat_n),
                repeat_rate: repeats as f64 / tickets as f64,
                preceded_by,
                reason,
                tickets,
                customers,
            }
        })
        .collect();
    reasons.sort_by(|a, b| {
        b.tickets
            .cmp(&a.tickets)
            .then_with(|| a.reason.cmp(&b.reason))
    });
    reasons.truncate(first as usize);
    Ok(reasons)
}
