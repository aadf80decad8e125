//! The two "contact after" kinds and their baseline population.
//!
//! POST_SALE_CONTACT (SALES -> SUPPORT): deals WON with closed_at in the
//! window; affected when a ticket opens within W after closed_at. Subject:
//! the deal owner.
//! CAMPAIGN_TRIGGERED_CONTACT (MARKETING -> SUPPORT): deliveries in the
//! window; affected when a ticket opens within W after delivered_at.
//! Subject: the campaign name (key: its external id).
//! Either is decided once a ticket came or t0 + W <= T. Delay: first such
//! ticket - t0.
//!
//! Baseline (docs/analytics.md): active customers not exposed to the subject;
//! for each, t0 = their first non-SUPPORT touchpoint in the window, affected
//! when a ticket opens within the same W after t0; customers whose
//! t0 + W is after T (and who have no such ticket) are left out.

use super::span::Span;
use super::{Item, Name, Names};
use crate::error::AppResult;
use crate::service::active_days::push_may_touch;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::service::ticket_sql::with_first_ticket;
use crate::service::window::Window;
use sea_orm::{DatabaseConnection, QueryResult};

/// `first_id`: the id of the customer's first ticket (by (opened_at, id))
/// in [t0, t0 + W] by T (W = `span`; no upper bound but T when None).
fn first_ticket(
    sql: &mut SqlBuilder,
    t0: &str,
    customer: &str,
    org: i64,
    as_of: i64,
    span: Option<i64>,
) {
    sql.push("(SELECT tk.id FROM ticket tk WHERE tk.org_id = ")
        .bind(org)
        .push(&format!(
            " AND tk.customer_id = {customer} AND tk.opened_at >= {t0}"
        ));
    if let Some(span) = span {
        sql.push(&format!(" AND tk.opened_at <= {t0} + "))
            .bind(span);
    }
    sql.push(" AND tk.opened_at <= ")
        .bind(as_of)
        .push(" ORDER BY tk.opened_at, tk.id LIMIT 1) AS first_id");
}

/// The columns every "contact after" row ends with, from position `at`:
/// t0, customer_id, first_id, first_ticket, first_reason (the inner
/// SELECT's last three columns, then [`with_first_ticket`]'s two). Read
/// by position: a lookup by name hashed and compared each column name of
/// each row.
fn item(
    r: &QueryResult,
    at: usize,
    windows: Span<'_>,
    span: i64,
    key: Name,
    subject: Name,
    names: &mut Names,
) -> AppResult<Option<Item>> {
    let t0: i64 = r.try_get_by_index(at)?;
    let Some((window, w)) = windows.find(t0) else {
        return Ok(None);
    };
    // Read by the span's latest T (span.rs).
    let ticket = r
        .try_get_by_index::<Option<i64>>(at + 3)?
        .filter(|opened| *opened <= w.as_of);
    if ticket.is_none() && t0 + span > w.as_of {
        return Ok(None); // not decided yet
    }
    Ok(Some(Item {
        subject_key: key,
        subject,
        customer_id: r.try_get_by_index(at + 1)?,
        affected: ticket.is_some(),
        delay_ms: ticket.map(|at| at - t0),
        department: None,
        reason: match ticket {
            Some(_) => r
                .try_get_by_index::<Option<String>>(at + 4)?
                .map(|reason| names.get(&reason)),
            None => None,
        },
        window,
    }))
}

pub async fn post_sale(
    db: &DatabaseConnection,
    org: i64,
    w: Span<'_>,
    span: i64,
) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    with_first_ticket(&mut sql, |sql| {
        sql.push("SELECT d.owner, d.closed_at AS t0, d.customer_id, ");
        first_ticket(
            sql,
            "d.closed_at",
            "d.customer_id",
            org,
            w.as_of(),
            Some(span),
        );
        sql.push(" FROM deal d WHERE d.org_id = ")
            .bind(org)
            .push(" AND d.outcome = 'WON' AND d.closed_at >= ")
            .bind(w.from())
            .push(" AND d.closed_at < ")
            .bind(w.to());
    });
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let owner = names.get(&r.try_get_by_index::<String>(0)?);
        item(r, 1, w, span, owner.clone(), owner, &mut names)
    })
    .await
}

pub async fn campaign(
    db: &DatabaseConnection,
    org: i64,
    w: Span<'_>,
    span: i64,
) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    with_first_ticket(&mut sql, |sql| {
        sql.push("SELECT cp.external_id, cp.name, dl.delivered_at AS t0, dl.customer_id, ");
        first_ticket(
            sql,
            "dl.delivered_at",
            "dl.customer_id",
            org,
            w.as_of(),
            Some(span),
        );
        sql.push(" FROM campaign_delivery dl JOIN campaign cp ON cp.id = dl.campaign_id ")
            .push("WHERE dl.org_id = ")
            .bind(org)
            .push(" AND dl.delivered_at >= ")
            .bind(w.from())
            .push(" AND dl.delivered_at < ")
            .bind(w.to());
    });
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let key = names.get(&r.try_get_by_index::<String>(0)?);
        let subject = names.get(&r.try_get_by_index::<String>(1)?);
        item(r, 2, w, span, key, subject, &mut names)
    })
    .await
}

/// An active customer of the window: the time of their first
/// non-SUPPORT touchpoint in it (t0), and of their first ticket at or after
/// t0 by T. The same for every W, so POST_SALE_CONTACT and
/// CAMPAIGN_TRIGGERED_CONTACT share one query.
#[derive(Clone, Copy, Debug)]
pub struct Reach {
    customer_id: i64,
    t0: i64,
    first_ticket: Option<i64>,
}

/// Every active customer of the window with their [`Reach`]: one index
/// probe per customer for t0, one for the ticket.
pub async fn population(db: &DatabaseConnection, org: i64, w: Window) -> AppResult<Vec<Reach>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    with_first_ticket(&mut sql, |sql| {
        sql.push("SELECT a.customer_id, a.t0, ");
        first_ticket(sql, "a.t0", "a.customer_id", org, w.as_of, None);
        sql.push(" FROM (SELECT c.id AS customer_id, (SELECT MIN(tp.occurred_at) FROM touchpoint tp WHERE tp.org_id = c.org_id ")
            .push("AND tp.customer_id = c.id AND tp.department <> 'SUPPORT' AND tp.occurred_at >= ")
            .bind(w.from)
            .push(" AND tp.occurred_at < ")
            .bind(w.to)
            .push(") AS t0 FROM customer c WHERE c.org_id = ")
            .bind(org);
        push_may_touch(sql, "c", w.from, w.to);
        sql.fence().push(") a WHERE a.t0 IS NOT NULL");
    });
    map_rows(db, sql.build(), |r| {
        // customer_id, t0, first_id, first_ticket, first_reason.
        Ok(Some(Reach {
            customer_id: r.try_get_by_index(0)?,
            t0: r.try_get_by_index(1)?,
            first_ticket: r.try_get_by_index(3)?,
        }))
    })
    .await
}

/// The decided customers of `reach` for W = `span`, with whether a ticket
/// followed t0 within W (a customer whose t0 + W is after T and who has no
/// such ticket yet is left out).
pub fn decided(reach: &[Reach], span: i64, as_of: i64) -> Vec<(i64, bool)> {
    reach
        .iter()
        .filter_map(|r| {
            let affected = r.first_ticket.is_some_and(|at| at <= r.t0 + span);
            (affected || r.t0 + span <= as_of).then_some((r.customer_id, affected))
        })
        .collect()
}
