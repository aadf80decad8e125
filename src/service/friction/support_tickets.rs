//! The tickets the three SUPPORT kinds share (REPEAT_CONTACT,
//! SLOW_RESOLUTION, CHANNEL_SWITCH): one statement per window reads every
//! ticket opened in it once, with the customer's previous same-reason
//! ticket and the latest earlier same-reason ticket on another channel.
//! Each kind then derives its items from these rows with its own lookback.
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

use super::{Name, Names};
use crate::domain::FrictionKind;
use crate::error::AppResult;
use crate::service::kpi::SLA_HOURS;
use crate::service::sql::{SqlBuilder, map_rows};
use crate::service::ticket_sql::sequenced_with_switch;
use crate::service::window::Window;
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

/// The tickets opened in `w`, read from `w.from - lookback_ms` so that
/// lookbacks up to `lookback_ms` see every earlier ticket they reach.
pub async fn tickets(
    db: &DatabaseConnection,
    org: i64,
    w: Window,
    lookback_ms: i64,
) -> AppResult<Vec<TicketRow>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT t.customer_id, t.reason, t.channel, t.team, t.priority, t.opened_at, t.resolved_at, ")
        .push("t.prev_at, t.switch_at, t.switch_channel FROM ");
    sequenced_with_switch(&mut sql, org, w.from, w.to, lookback_ms);
    sql.push(" WHERE t.opened_at >= ").bind(w.from);
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        // By position, in the order of the SELECT above: a lookup by name
        // hashed and compared the name for each of ten columns of each row.
        let priority: String = r.try_get_by_index(4)?;
        let sla_hours = SLA_HOURS
            .iter()
            .find(|(p, _)| *p == priority)
            .map_or(DEFAULT_SLA_HOURS, |(_, hours)| *hours);
        Ok(Some(TicketRow {
            customer_id: r.try_get_by_index(0)?,
            reason: names.get(&r.try_get_by_index::<String>(1)?),
            channel: names.get(&r.try_get_by_index::<String>(2)?),
            team: names.get(&r.try_get_by_index::<String>(3)?),
            opened_at: r.try_get_by_index(5)?,
            resolved_at: r.try_get_by_index(6)?,
            sla_ms: sla_hours * HOUR_MS,
            prev_at: r.try_get_by_index(7)?,
            switch_at: r.try_get_by_index(8)?,
            switch_channel: r
                .try_get_by_index::<Option<String>>(9)?
                .map(|channel| names.get(&channel)),
        }))
    })
    .await
}
