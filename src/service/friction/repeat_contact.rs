//! REPEAT_CONTACT (SUPPORT): tickets opened in the window are exposed; one
//! is affected when an earlier ticket of the customer with the same reason
//! (earlier by (opened_at, id)) opened within the lookback before it. Delay:
//! later - the latest such earlier opened_at. Subject: the reason.

use super::{Item, Names};
use crate::error::AppResult;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::service::ticket_sql::{follows_within, sequenced};
use crate::service::window::Window;
use sea_orm::DatabaseConnection;

pub async fn items(
    db: &DatabaseConnection,
    org: i64,
    w: Window,
    lookback_ms: i64,
) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.reason, t.customer_id, CASE WHEN ");
    follows_within(&mut sql, lookback_ms);
    sql.push(" THEN t.opened_at - t.prev_at END AS delay FROM ");
    sequenced(&mut sql, org, w.from, w.to, lookback_ms);
    sql.push(" WHERE t.opened_at >= ").bind(w.from);
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let reason = names.get(&r.try_get_by::<String, _>("reason")?);
        let delay: Option<i64> = r.try_get_by("delay")?;
        Ok(Some(Item {
            subject: reason.clone(),
            subject_key: reason,
            customer_id: r.try_get_by("customer_id")?,
            affected: delay.is_some(),
            delay_ms: delay,
            department: None,
            reason: None,
        }))
    })
    .await
}
