//! The tickets the three SUPPORT kinds share (REPEAT_CONTACT,
//! SLOW_RESOLUTION, CHANNEL_SWITCH): one plain statement per window reads
//! every ticket opened in it (and in the lookback before it) once; Rust then
//! puts them in sequence to find each one's previous same-reason ticket and
//! the latest earlier same-reason ticket on another channel
//! ([`in_sequence`]). Each kind derives its items from these rows with its
//! own lookback.
//!
//! Before, each kind sent its own statement over the same tickets: three
//! scans of the window's tickets, two of them with window functions, and
//! three rows per ticket to decode (benches/README, change 11).
//!
//! Why one fetch serves every lookback: the rows are read from
//! `from - the longest lookback`. A kind with a shorter lookback sees the
//! same previous ticket, or an earlier one that its own lookback then
//! rejects ([`TicketRow::repeats_within`], [`TicketRow::switched_within`]):
//! an earlier ticket the longer range adds is older than the shorter
//! lookback reaches from any ticket opened in the window.

use super::span::Span;
use super::{Name, Names};
use crate::domain::FrictionKind;
use crate::error::AppResult;
use crate::service::kpi::SLA_HOURS;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::time::HOUR_MS;
use sea_orm::DatabaseConnection;

/// The kinds whose items come from these rows.
pub const KINDS: [FrictionKind; 3] = [
    FrictionKind::RepeatContact,
    FrictionKind::SlowResolution,
    FrictionKind::ChannelSwitch,
];

/// The SLA target of a priority not in [`SLA_HOURS`] (NORMAL's).
const DEFAULT_SLA_HOURS: i64 = 72;

/// One ticket opened in the window.
#[derive(Clone, Debug)]
pub struct TicketRow {
    id: i64,
    pub customer_id: i64,
    pub reason: Name,
    pub channel: Name,
    pub team: Name,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    /// The SLA target of the ticket's priority, in milliseconds.
    pub sla_ms: i64,
    /// opened_at of the customer's previous ticket with the same reason
    /// (by (opened_at, id)).
    prev_at: Option<i64>,
    /// opened_at and channel of the customer's latest earlier same-reason
    /// ticket on another channel.
    switch_at: Option<i64>,
    switch_channel: Option<Name>,
    /// The index of the window it was opened in.
    pub window: usize,
}

impl TicketRow {
    /// REPEAT_CONTACT: the delay since an earlier same-reason ticket opened
    /// within `lookback_ms` before this one (the latest such).
    pub fn repeats_within(&self, lookback_ms: i64) -> Option<i64> {
        self.prev_at
            .filter(|at| *at >= self.opened_at - lookback_ms)
            .map(|at| self.opened_at - at)
    }

    /// CHANNEL_SWITCH: the channel of the latest earlier same-reason ticket
    /// on another channel opened within `lookback_ms` before this one, and
    /// the delay since it.
    pub fn switched_within(&self, lookback_ms: i64) -> Option<(&Name, i64)> {
        let at = self
            .switch_at
            .filter(|at| *at >= self.opened_at - lookback_ms)?;
        Some((self.switch_channel.as_ref()?, self.opened_at - at))
    }
}

/// The tickets opened in `span`, read from its start - `lookback_ms` so
/// that lookbacks up to `lookback_ms` see every earlier ticket they reach;
/// each knows the window it was opened in.
pub async fn tickets(
    db: &DatabaseConnection,
    org: i64,
    span: Span<'_>,
    lookback_ms: i64,
) -> AppResult<Vec<TicketRow>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.id, t.customer_id, t.reason, t.channel, t.team, t.priority, t.opened_at, t.resolved_at ")
        .push("FROM ticket t WHERE t.org_id = ")
        .bind(org)
        .push(" AND t.opened_at >= ")
        .bind(span.from() - lookback_ms)
        .push(" AND t.opened_at < ")
        .bind(span.to());
    let mut names = Names::default();
    let read = map_rows(db, sql.build(), |r| {
        // By position, in the order of the SELECT above: a lookup by name
        // hashed and compared the name for each column of each row.
        let priority: String = r.try_get_by_index(5)?;
        let sla_hours = SLA_HOURS
            .iter()
            .find(|(p, _)| *p == priority)
            .map_or(DEFAULT_SLA_HOURS, |(_, hours)| *hours);
        Ok(Some(TicketRow {
            id: r.try_get_by_index(0)?,
            customer_id: r.try_get_by_index(1)?,
            reason: names.get(&r.try_get_by_index::<String>(2)?),
            channel: names.get(&r.try_get_by_index::<String>(3)?),
            team: names.get(&r.try_get_by_index::<String>(4)?),
            opened_at: r.try_get_by_index(6)?,
            resolved_at: r.try_get_by_index(7)?,
            sla_ms: sla_hours * HOUR_MS,
            prev_at: None,
            switch_at: None,
            switch_channel: None,
            window: 0,
        }))
    })
    .await?;
    let mut rows = in_sequence(read, span.from());
    for row in &mut rows {
        row.window = span.find(row.opened_at).map_or(usize::MAX, |(i, _)| i);
    }
    Ok(rows)
}

/// Sets each ticket's `prev_at`, `switch_at` and `switch_channel` and keeps
/// those opened at or after `from`.
///
/// Per (customer, reason), in (opened_at, id) order, tickets fall into runs
/// of one channel. The previous ticket gives `prev_at`; the latest earlier
/// ticket on another channel than a ticket's is the one just before its
/// run began. This is the SQL of `LAG` over (customer, reason) and a run
/// number, done in one pass after a sort: PostgreSQL's three window passes
/// over the window's tickets cost more than the rest of the statement
/// (benches/README, change 11).
fn in_sequence(mut rows: Vec<TicketRow>, from: i64) -> Vec<TicketRow> {
    rows.sort_unstable_by(|a, b| {
        (a.customer_id, &a.reason, a.opened_at, a.id).cmp(&(
            b.customer_id,
            &b.reason,
            b.opened_at,
            b.id,
        ))
    });
    // The previous row's customer, reason, opened_at and channel.
    let mut previous: Option<(i64, Name, i64, Name)> = None;
    let mut switch: Option<(i64, Name)> = None;
    for row in &mut rows {
        let same_thread = previous
            .take()
            .filter(|(customer, reason, ..)| *customer == row.customer_id && *reason == row.reason);
        match &same_thread {
            // A run begins where the channel changes: its switch is the
            // ticket before it.
            Some((.., at, channel)) if *channel != row.channel => {
                switch = Some((*at, channel.clone()));
            }
            Some(_) => {}
            None => switch = None,
        }
        row.prev_at = same_thread.map(|(_, _, at, _)| at);
        (row.switch_at, row.switch_channel) = switch.clone().unzip();
        previous = Some((
            row.customer_id,
            row.reason.clone(),
            row.opened_at,
            row.channel.clone(),
        ));
    }
    rows.retain(|row| row.opened_at >= from);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(id: i64, customer: i64, reason: &str, channel: &str, opened: i64) -> TicketRow {
        TicketRow {
            id,
            customer_id: customer,
            reason: Name::from(reason),
            channel: Name::from(channel),
            team: Name::from("tier1"),
            opened_at: opened,
            resolved_at: None,
            sla_ms: 0,
            prev_at: None,
            switch_at: None,
            switch_channel: None,
            window: 0,
        }
    }

    #[test]
    fn previous_ticket_and_switch_per_customer_and_reason() {
        // Customer 1, login: chat 10, chat 20, phone 30, phone 40 (id 5
        // before id 6 at the same time), chat 50. Customer 1, billing:
        // phone 25. Customer 2, login: phone 15. Shuffled; from = 20.
        let rows = in_sequence(
            vec![
                read(9, 1, "login", "chat", 50),
                read(7, 2, "login", "phone", 15),
                read(6, 1, "login", "phone", 40),
                read(2, 1, "login", "chat", 20),
                read(8, 1, "billing", "phone", 25),
                read(4, 1, "login", "phone", 30),
                read(1, 1, "login", "chat", 10),
                read(5, 1, "login", "phone", 40),
            ],
            20,
        );
        /// customer, reason, opened_at, prev_at, (switch_at, switch_channel)
        type Seen<'a> = (i64, &'a str, i64, Option<i64>, Option<(i64, &'a str)>);
        let got: Vec<Seen> = rows
            .iter()
            .map(|r| {
                (
                    r.customer_id,
                    &*r.reason,
                    r.opened_at,
                    r.prev_at,
                    r.switch_at.zip(r.switch_channel.as_deref()),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "billing", 25, None, None),
                (1, "login", 20, Some(10), None),
                (1, "login", 30, Some(20), Some((20, "chat"))),
                (1, "login", 40, Some(30), Some((20, "chat"))),
                (1, "login", 40, Some(40), Some((20, "chat"))),
                (1, "login", 50, Some(40), Some((40, "phone"))),
            ]
        );
        assert_eq!(rows[3].repeats_within(10), Some(10));
        assert_eq!(rows[4].repeats_within(0), Some(0));
        assert_eq!(rows[4].switched_within(19).map(|(c, d)| (&**c, d)), None);
        assert_eq!(
            rows[4].switched_within(20).map(|(c, d)| (&**c, d)),
            Some(("chat", 20))
        );
    }
}
