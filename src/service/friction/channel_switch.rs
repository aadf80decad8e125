//! CHANNEL_SWITCH (SUPPORT): tickets opened in the window are exposed; one
//! is affected when an earlier ticket of the customer with the same reason
//! (earlier by (opened_at, id)) on another channel opened within the
//! lookback before it. Delay: later - earlier opened_at, of the latest such
//! earlier ticket, whose channel names the subject "EARLIER->LATER".
//!
//! A subject exists only through affected tickets. Our choice: the
//! subject "A->B" exists when at least one ticket switched from A to B in
//! the window, and it is exposed to every ticket opened on B in the window
//! (a customer who wrote on B and did not come from A is exposed, not
//! affected). So its rate reads "of the customers who reached us on B, the
//! share who had just tried A for the same reason". The previous window is
//! expanded with the current window's subjects, so a subject without
//! switches then has rate 0 there (null only when nobody wrote on B).

use super::support_tickets::TicketRow;
use super::{Item, Name};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The (earlier, later) channel pairs some ticket switched along within
/// the lookback.
pub fn subjects(rows: &[TicketRow], lookback_ms: i64) -> BTreeSet<(Name, Name)> {
    rows.iter()
        .filter_map(|r| {
            let (from, _) = r.switched_within(lookback_ms)?;
            Some((from.clone(), r.channel.clone()))
        })
        .collect()
}

/// One item per (subject, ticket on the subject's later channel).
pub fn items<'a>(
    rows: &'a [TicketRow],
    lookback_ms: i64,
    subjects: &'a BTreeSet<(Name, Name)>,
) -> impl Iterator<Item = Item> + 'a {
    subjects.iter().flat_map(move |(from, to)| {
        let key: Name = Arc::from(format!("{from}->{to}"));
        rows.iter()
            .filter(move |r| &r.channel == to)
            .map(move |row| {
                let switch = row
                    .switched_within(lookback_ms)
                    .filter(|(channel, _)| *channel == from);
                Item {
                    subject_key: key.clone(),
                    subject: key.clone(),
                    customer_id: row.customer_id,
                    affected: switch.is_some(),
                    delay_ms: switch.map(|(_, delay)| delay),
                    department: None,
                    reason: None,
                    window: row.window,
                }
            })
    })
}
