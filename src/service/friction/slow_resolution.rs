//! SLOW_RESOLUTION (SUPPORT): decided tickets opened in the window are
//! exposed (resolved within target by T, or the target deadline at or
//! before T); one is affected when not resolved within its SLA target.
//! Delay: (resolved_at or T) - opened_at. Subject: the team.

use super::{Item, Names};
use crate::error::AppResult;
use crate::service::kpi::SLA_HOURS;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::service::window::Window;
use crate::time::HOUR_MS;
use sea_orm::DatabaseConnection;

pub async fn items(db: &DatabaseConnection, org: i64, w: Window) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.team, t.priority, t.opened_at, t.resolved_at, t.customer_id ")
        .push("FROM ticket t WHERE t.org_id = ")
        .bind(org)
        .push(" AND t.opened_at >= ")
        .bind(w.from)
        .push(" AND t.opened_at < ")
        .bind(w.to);
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let priority: String = r.try_get_by("priority")?;
        let target_hours = SLA_HOURS
            .iter()
            .find(|(p, _)| *p == priority)
            .map_or(72, |(_, h)| *h);
        let opened: i64 = r.try_get_by("opened_at")?;
        let resolved: Option<i64> = r
            .try_get_by::<Option<i64>, _>("resolved_at")?
            .filter(|at| *at <= w.as_of);
        let deadline = opened + target_hours * HOUR_MS;
        let met = resolved.is_some_and(|at| at <= deadline);
        if !met && deadline > w.as_of {
            return Ok(None); // not decided yet
        }
        let team = names.get(&r.try_get_by::<String, _>("team")?);
        Ok(Some(Item {
            subject: team.clone(),
            subject_key: team,
            customer_id: r.try_get_by("customer_id")?,
            affected: !met,
            delay_ms: (!met).then(|| resolved.unwrap_or(w.as_of) - opened),
            department: None,
            reason: None,
        }))
    })
    .await
}
