//! GOING_DARK (SUCCESS): customers who completed the organization's last
//! onboarding step (highest position) at or before T - quiet period are
//! exposed; one is affected when it has no touchpoint in (T - quiet, T].
//! Delay: T - its last touchpoint. Subject: the customer's segment. Being
//! about T alone, every window of a span is its own population: one row
//! per customer and window, from the windows joined as a relation.

use super::span::Span;
use super::{Item, Names};
use crate::error::AppResult;
use crate::service::buckets::push_windows;
use crate::service::sql::{SqlBuilder, map_rows};
use sea_orm::DatabaseConnection;

pub async fn items(
    db: &DatabaseConnection,
    org: i64,
    span: Span<'_>,
    quiet_ms: i64,
) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT b.i, c.id, c.segment, (SELECT MAX(tp.occurred_at) FROM touchpoint tp ")
        .push("WHERE tp.org_id = c.org_id AND tp.customer_id = c.id AND tp.occurred_at <= b.as_of")
        .push(") AS last_touch FROM ");
    push_windows(&mut sql, span.windows());
    sql.push(" CROSS JOIN customer c WHERE c.org_id = ")
        .bind(org)
        .push(" AND c.merged_into IS NULL AND EXISTS (SELECT 1 FROM onboarding_progress p WHERE p.org_id = c.org_id ")
        .push("AND p.customer_id = c.id AND p.completed_at IS NOT NULL AND p.completed_at <= b.as_of - ")
        .bind(quiet_ms)
        .push(" AND p.step_id = (SELECT s.id FROM onboarding_step s WHERE s.org_id = ")
        .bind(org)
        .push(" ORDER BY s.position DESC, s.id DESC LIMIT 1))");
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let window = usize::try_from(r.try_get_by::<i64, _>("i")?).unwrap_or(usize::MAX);
        let w = span.window(window);
        let since = w.as_of - quiet_ms;
        let segment = names.get(
            r.try_get_by::<Option<String>, _>("segment")?
                .as_deref()
                .unwrap_or("unknown"),
        );
        let last: Option<i64> = r.try_get_by("last_touch")?;
        let affected = last.is_none_or(|at| at <= since);
        Ok(Some(Item {
            subject: segment.clone(),
            subject_key: segment,
            customer_id: r.try_get_by("id")?,
            affected,
            delay_ms: if affected {
                last.map(|at| w.as_of - at)
            } else {
                None
            },
            department: None,
            reason: None,
            window,
        }))
    })
    .await
}
