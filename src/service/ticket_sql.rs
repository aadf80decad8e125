//! The SQL fragment several analytics share: "an earlier ticket of the
//! customer with the same reason within W before it" (docs/analytics.md: of two
//! tickets, the later is the later by (opened_at, id)).

use super::sql::SqlBuilder;
use sea_orm::DbBackend;

/// Which earlier tickets count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Any channel (REPEAT_CONTACT, repeat rates).
    Any,
    /// Another channel than the later ticket's (CHANNEL_SWITCH).
    Other,
}

/// Appends `FROM ticket e WHERE ...`: the tickets `e` of `t`'s customer with
/// `t`'s reason opened within `lookback_ms` before `t` (earlier by
/// (opened_at, id)), on `channel`. The caller wraps it in `(SELECT ... )`.
pub fn earlier_same_reason(sql: &mut SqlBuilder, lookback_ms: i64, channel: Channel) {
    sql.push(" FROM ticket e WHERE e.org_id = t.org_id AND e.customer_id = t.customer_id AND e.reason = t.reason");
    if channel == Channel::Other {
        sql.push(" AND e.channel <> t.channel");
    }
    sql.push(" AND e.opened_at >= t.opened_at - ")
        .bind(lookback_ms)
        .push(" AND (e.opened_at < t.opened_at OR (e.opened_at = t.opened_at AND e.id < t.id))");
}

/// Appends `(...) t`: the organization's tickets opened in
/// `[from - lookback_ms, to)`, every column of `ticket` plus `prev_at`, the
/// opened_at of the customer's previous ticket with the same reason (by
/// (opened_at, id)). One sort replaces a lookup per ticket: the latest
/// earlier same-reason ticket is the previous one, so a ticket opened at or
/// after `from` follows one within the lookback exactly when
/// [`follows_within`] holds. Earlier tickets outside the fetched range are
/// older than any lookback reaches, so cutting them changes nothing.
pub fn sequenced(sql: &mut SqlBuilder, org: i64, from: i64, to: i64, lookback_ms: i64) {
    sql.push("(SELECT t.*, LAG(t.opened_at) OVER (PARTITION BY t.customer_id, t.reason ORDER BY t.opened_at, t.id) AS prev_at FROM ticket t WHERE t.org_id = ")
        .bind(org)
        .push(" AND t.opened_at >= ")
        .bind(from - lookback_ms)
        .push(" AND t.opened_at < ")
        .bind(to)
        .push(") t");
}

/// Appends the condition "`t` follows an earlier same-reason ticket within
/// `lookback_ms`" over a [`sequenced`] `t`.
pub fn follows_within(sql: &mut SqlBuilder, lookback_ms: i64) {
    sql.push("t.prev_at >= t.opened_at - ").bind(lookback_ms);
}

/// Appends `SELECT x.*, ft.opened_at AS first_ticket, ft.reason AS
/// first_reason FROM (<inner>) x` joined to the ticket `x.first_id`:
/// `inner` finds the id of a ticket per row (one index lookup), and the
/// ticket's columns come from its primary key instead of a second lookup.
///
/// SQLite: `LEFT JOIN ticket ft ON ft.id = x.first_id`, a rowid lookup per
/// row. PostgreSQL planned that join as a hash of every ticket of every
/// organization (100,000 rows on the benchmark data set, 55 ms to build)
/// for each statement; a `LATERAL` lookup by primary key, kept whole with
/// `OFFSET 0`, costs one probe per row that has a ticket instead (about a
/// fifth less backend CPU time on these statements; benches/README, change
/// 10).
pub fn with_first_ticket(sql: &mut SqlBuilder, inner: impl FnOnce(&mut SqlBuilder)) {
    sql.push("SELECT x.*, ft.opened_at AS first_ticket, ft.reason AS first_reason FROM (");
    inner(sql);
    sql.fence().push(") x ");
    if sql.backend() == DbBackend::Postgres {
        sql.push("LEFT JOIN LATERAL (SELECT ft.opened_at, ft.reason FROM ticket ft WHERE ft.id = x.first_id OFFSET 0) ft ON true");
    } else {
        sql.push("LEFT JOIN ticket ft ON ft.id = x.first_id");
    }
}
