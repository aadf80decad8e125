//! `contactReasons`: why customers reach out, per ticket reason, with what
//! happened just before (the department of the customer's last non-SUPPORT
//! touchpoint in the 7 days before each ticket, `[opened - 7 d, opened]`).

use super::buckets::{Bucket, Width, buckets, per_window, push_windows, span};
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

/// One reason's counts in one window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReasonCounts {
    pub reason: String,
    pub tickets: i64,
    pub customers: i64,
    /// Tickets that follow an earlier same-reason ticket of the customer within 7 days.
    pub repeats: i64,
}

/// Per window of `windows`, per reason: tickets opened, customers, repeats.
/// One statement for every window: the tickets are sequenced once over
/// their span and each counted in the windows it was opened in.
async fn counts(
    db: &DatabaseConnection,
    org: i64,
    windows: &[Window],
) -> AppResult<Vec<Vec<ReasonCounts>>> {
    let (from, to) = span(windows);
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT b.i, t.reason, CAST(COUNT(*) AS BIGINT) AS tickets, CAST(COUNT(DISTINCT t.customer_id) AS BIGINT) AS customers, ")
        .push("CAST(SUM(CASE WHEN ");
    follows_within(&mut sql, LOOKBACK_MS);
    sql.push(" THEN 1 ELSE 0 END) AS BIGINT) AS repeats FROM ");
    sequenced(&mut sql, org, from, to, LOOKBACK_MS);
    sql.push(" JOIN ");
    push_windows(&mut sql, windows);
    sql.push(" ON t.opened_at >= b.lo AND t.opened_at < b.hi GROUP BY b.i, t.reason");
    per_window(
        db,
        sql.build(),
        windows.len(),
        |slot: &mut Vec<ReasonCounts>, r| {
            slot.push(ReasonCounts {
                reason: r.try_get_by::<String, _>("reason").unwrap_or_default(),
                tickets: int(r, "tickets"),
                customers: int(r, "customers"),
                repeats: int(r, "repeats"),
            });
        },
    )
    .await
}

/// The counts per reason of each `width` bucket of `window`, oldest first.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn contact_reason_trend(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    width: Width,
) -> AppResult<Vec<(Bucket, Vec<ReasonCounts>)>> {
    viewer.require_analytics()?;
    let found = buckets(window, width, now_millis())?;
    let windows: Vec<Window> = found.iter().map(|b| b.window).collect();
    let counts = counts(db, viewer.org_id, &windows).await?;
    Ok(found.into_iter().zip(counts).collect())
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
        let ranges = customer_ranges(db, org, window).await?;
        let parts = futures::future::try_join_all(
            ranges
                .into_iter()
                .map(|range| per_ticket(db, org, window, range)),
        )
        .await?;
        Ok(parts.into_iter().flatten().collect::<Vec<QueryResult>>())
    };
    let windows = [window, window.previous(now_millis())];
    let (both, rows) = futures::try_join!(counts(db, org, &windows), per_ticket_rows,)?;
    let mut both = both.into_iter();
    let (current, previous) = (
        both.next().unwrap_or_default(),
        both.next().unwrap_or_default(),
    );
    let total: i64 = current.iter().map(|c| c.tickets).sum();
    let previous_total: i64 = previous.iter().map(|c| c.tickets).sum();

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
        .map(|counts| {
            let ReasonCounts {
                reason,
                tickets,
                customers,
                repeats,
            } = counts;
            let d = details.remove(&reason).unwrap_or_default();
            let mut preceded_by: Vec<(Option<String>, f64)> = d
                .preceded
                .into_iter()
                .map(|(dep, n)| (dep, n as f64 / tickets as f64))
                .collect();
            preceded_by.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let previous_tickets = previous
                .iter()
                .find(|p| p.reason == reason)
                .map_or(0, |p| p.tickets);
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
