//! REPEAT_CONTACT (SUPPORT): tickets opened in the window are exposed; one
//! is affected when an earlier ticket of the customer with the same reason
//! (earlier by (opened_at, id)) opened within the lookback before it. Delay:
//! later - the latest such earlier opened_at. Subject: the reason.

use super::Item;
use super::support_tickets::TicketRow;

pub fn items(rows: &[TicketRow], lookback_ms: i64) -> impl Iterator<Item = Item> + '_ {
    rows.iter().map(move |row| {
        let delay = row.repeats_within(lookback_ms);
        Item {
            subject: row.reason.clone(),
            subject_key: row.reason.clone(),
            customer_id: row.customer_id,
            affected: delay.is_some(),
            delay_ms: delay,
            department: None,
            reason: None,
            window: row.window,
        }
    })
}
