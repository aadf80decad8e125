//! CHANNEL_SWITCH (SUPPORT): tickets opened in the window are exposed; one
//! is affected when an earlier ticket of the customer with the same reason
//! (earlier by (opened_at, id)) on another channel opened within the
//! lookback before it. Delay: later - earlier opened_at, of the latest such
//! earlier ticket, whose channel names the subject "EARLIER->LATER".
//!
//! DESIGN.md names a subject only for affected tickets. Our choice: the
//! subject "A->B" exists when at least one ticket switched from A to B in
//! the window, and it is exposed to every ticket opened on B in the window
//! (a customer who wrote on B and did not come from A is exposed, not
//! affected). So its rate reads "of the customers who reached us on B, the
//! share who had just tried A for the same reason". The previous window is
//! expanded with the current window's subjects, so a subject without
//! switches then has rate 0 there (null only when nobody wrote on B).

use super::{Item, Name};
use crate::error::AppResult;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::service::ticket_sql::sequenced_with_switch;
use crate::service::window::Window;
use sea_orm::DatabaseConnection;
use std::collections::BTreeSet;
use std::sync::Arc;

/// One ticket of the window, with the switch it made if any.
#[derive(Clone, Debug)]
pub struct TicketRow {
    customer_id: i64,
    channel: String,
    /// Channel of the latest earlier same-reason ticket on another channel.
    switched_from: Option<String>,
    delay_ms: Option<i64>,
}

/// The tickets opened in `w`, each with its switch.
pub async fn tickets(
    db: &DatabaseConnection,
    org: i64,
    w: Window,
    lookback_ms: i64,
) -> AppResult<Vec<TicketRow>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.customer_id, t.channel, CASE WHEN t.switch_at >= t.opened_at - ")
        .bind(lookback_ms)
        .push(
            " THEN t.switch_channel END AS switched_from, CASE WHEN t.switch_at >= t.opened_at - ",
        )
        .bind(lookback_ms)
        .push(" THEN t.opened_at - t.switch_at END AS delay FROM ");
    sequenced_with_switch(&mut sql, org, w.from, w.to, lookback_ms);
    sql.push(" WHERE t.opened_at >= ").bind(w.from);
    map_rows(db, sql.build(), |r| {
        Ok(Some(TicketRow {
            customer_id: r.try_get_by("customer_id")?,
            channel: r.try_get_by("channel")?,
            switched_from: r.try_get_by("switched_from")?,
            delay_ms: r.try_get_by("delay")?,
        }))
    })
    .await
}

/// The (earlier, later) channel pairs some ticket switched along.
pub fn subjects(rows: &[TicketRow]) -> BTreeSet<(String, String)> {
    rows.iter()
        .filter_map(|r| Some((r.switched_from.clone()?, r.channel.clone())))
        .collect()
}

/// One item per (subject, ticket on the subject's later channel).
pub fn items(rows: &[TicketRow], subjects: &BTreeSet<(String, String)>) -> Vec<Item> {
    let mut items = Vec::new();
    for (from, to) in subjects {
        let key: Name = Arc::from(format!("{from}->{to}"));
        for row in rows.iter().filter(|r| &r.channel == to) {
            let affected = row.switched_from.as_ref() == Some(from);
            items.push(Item {
                subject_key: key.clone(),
                subject: key.clone(),
                customer_id: row.customer_id,
                affected,
                delay_ms: if affected { row.delay_ms } else { None },
                department: None,
                reason: None,
            });
        }
    }
    items
}
