//! The SQL fragment several analytics share: "an earlier ticket of the
//! customer with the same reason within W before it" (DESIGN.md §5: of two
//! tickets, the later is the later by (opened_at, id)).

use super::sql::SqlBuilder;

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
