//! ONBOARDING_STALL (ONBOARDING): step progress started in the window is
//! exposed once decided (completed within expected_days x factor after the
//! start, by T; or that deadline at or before T); it is affected when not
//! completed by the deadline. Delay: (completed_at or T) - started_at.
//! Subject: the step name (key: step key).

use super::span::Span;
use super::{Item, Names};
use crate::error::AppResult;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::time::DAY_MS;
use sea_orm::DatabaseConnection;

pub async fn items(
    db: &DatabaseConnection,
    org: i64,
    span: Span<'_>,
    factor: f64,
) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT s.key, s.name, s.expected_days, p.started_at, p.completed_at, p.customer_id ")
        .push("FROM onboarding_progress p JOIN onboarding_step s ON s.id = p.step_id ")
        .push("WHERE p.org_id = ")
        .bind(org)
        .push(" AND p.started_at >= ")
        .bind(span.from())
        .push(" AND p.started_at < ")
        .bind(span.to());
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let expected_days: i32 = r.try_get_by("expected_days")?;
        let started: i64 = r.try_get_by("started_at")?;
        let Some((window, w)) = span.find(started) else {
            return Ok(None);
        };
        let completed: Option<i64> = r
            .try_get_by::<Option<i64>, _>("completed_at")?
            .filter(|at| *at <= w.as_of);
        let deadline = started + (f64::from(expected_days) * factor * DAY_MS as f64).round() as i64;
        let in_time = completed.is_some_and(|at| at <= deadline);
        if !in_time && deadline > w.as_of {
            return Ok(None); // not decided yet
        }
        Ok(Some(Item {
            subject_key: names.get(&r.try_get_by::<String, _>("key")?),
            subject: names.get(&r.try_get_by::<String, _>("name")?),
            customer_id: r.try_get_by("customer_id")?,
            affected: !in_time,
            delay_ms: (!in_time).then(|| completed.unwrap_or(w.as_of) - started),
            department: None,
            reason: None,
            window,
        }))
    })
    .await
}
