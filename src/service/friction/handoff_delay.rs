//! HANDOFF_DELAY (SALES -> ONBOARDING): deals WON with closed_at in the
//! window are exposed; one is affected when no ONBOARDING touchpoint of the
//! customer falls within the allowance after closed_at. Decided once a
//! touchpoint came in time or the allowance is over at T. Delay: the first
//! ONBOARDING touchpoint after closed_at (or T) - closed_at. Subject: the
//! deal owner.

use super::span::Span;
use super::{Item, Names};
use crate::error::AppResult;
use crate::service::sql::{SqlBuilder, map_rows};
use sea_orm::DatabaseConnection;

pub async fn items(
    db: &DatabaseConnection,
    org: i64,
    span: Span<'_>,
    allowance_ms: i64,
) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT d.owner, d.closed_at, d.customer_id, (SELECT MIN(tp.occurred_at) FROM touchpoint tp ")
        .push("WHERE tp.org_id = d.org_id AND tp.customer_id = d.customer_id AND tp.department = 'ONBOARDING' ")
        .push("AND tp.occurred_at >= d.closed_at AND tp.occurred_at <= ")
        .bind(span.as_of())
        .push(") AS first_onboarding FROM deal d WHERE d.org_id = ")
        .bind(org)
        .push(" AND d.outcome = 'WON' AND d.closed_at >= ")
        .bind(span.from())
        .push(" AND d.closed_at < ")
        .bind(span.to());
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let closed: i64 = r.try_get_by("closed_at")?;
        let Some((window, w)) = span.find(closed) else {
            return Ok(None);
        };
        // Read by the span's latest T (span.rs): none by this window's T
        // when the first came after it.
        let first = r
            .try_get_by::<Option<i64>, _>("first_onboarding")?
            .filter(|at| *at <= w.as_of);
        let deadline = closed + allowance_ms;
        let in_time = first.is_some_and(|at| at <= deadline);
        if !in_time && deadline > w.as_of {
            return Ok(None); // not decided yet
        }
        let owner = names.get(&r.try_get_by::<String, _>("owner")?);
        Ok(Some(Item {
            subject: owner.clone(),
            subject_key: owner,
            customer_id: r.try_get_by("customer_id")?,
            affected: !in_time,
            delay_ms: (!in_time).then(|| first.unwrap_or(w.as_of) - closed),
            department: None,
            reason: None,
            window,
        }))
    })
    .await
}
