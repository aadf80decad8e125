//! ONBOARDING_TRIGGERED_CONTACT (ONBOARDING -> SUPPORT): step progress
//! started in the window is exposed; it is affected when the customer opens
//! a ticket at t with started_at <= t < (completed_at or T). Delay: the first
//! such ticket - started_at. Subject: the step name (key: step key).

use super::span::Span;
use super::{Item, Names};
use crate::error::AppResult;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::service::ticket_sql::with_first_ticket;
use sea_orm::DatabaseConnection;

pub async fn items(db: &DatabaseConnection, org: i64, span: Span<'_>) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    // The first ticket (by (opened_at, id)) while the step was in progress.
    with_first_ticket(&mut sql, |sql| {
        sql.push("SELECT s.key, s.name, p.started_at, p.customer_id, (SELECT tk.id FROM ticket tk ")
            .push("WHERE tk.org_id = p.org_id AND tk.customer_id = p.customer_id AND tk.opened_at >= p.started_at AND tk.opened_at < ")
            .push("(CASE WHEN p.completed_at IS NOT NULL AND p.completed_at < ")
            .bind(span.as_of())
            .push(" THEN p.completed_at ELSE ")
            .bind(span.as_of())
            .push(" END) ORDER BY tk.opened_at, tk.id LIMIT 1) AS first_id")
            .push(" FROM onboarding_progress p JOIN onboarding_step s ON s.id = p.step_id ")
            .push("WHERE p.org_id = ")
            .bind(org)
            .push(" AND p.started_at >= ")
            .bind(span.from())
            .push(" AND p.started_at < ")
            .bind(span.to());
    });
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        // key, name, started_at, customer_id, first_id, first_ticket,
        // first_reason: by position, as in contact_after.rs.
        let started: i64 = r.try_get_by_index(2)?;
        let Some((window, w)) = span.find(started) else {
            return Ok(None);
        };
        // Read by the span's latest T (span.rs): in progress by this
        // window's T only when it came before it.
        let ticket = r
            .try_get_by_index::<Option<i64>>(5)?
            .filter(|at| *at < w.as_of);
        Ok(Some(Item {
            subject_key: names.get(&r.try_get_by_index::<String>(0)?),
            subject: names.get(&r.try_get_by_index::<String>(1)?),
            customer_id: r.try_get_by_index(3)?,
            affected: ticket.is_some(),
            delay_ms: ticket.map(|at| at - started),
            department: None,
            reason: match ticket {
                Some(_) => r
                    .try_get_by_index::<Option<String>>(6)?
                    .map(|reason| names.get(&reason)),
                None => None,
            },
            window,
        }))
    })
    .await
}
