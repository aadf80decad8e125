//! Time as the database keeps it: `i64` milliseconds since the Unix epoch, UTC.
//! The GraphQL layer speaks RFC 3339 `DateTime<Utc>`; conversion lives here only.

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds in one hour, the unit every analytic duration is exact in.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in one day (24 exact hours).
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// The stored form of an instant (sub-millisecond precision is dropped).
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The instant a stored value names; out-of-range values clamp to the epoch
/// (they cannot be written: ingestion validates every timestamp).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Now, in stored form.
pub fn now_millis() -> i64 {
    to_millis(Utc::now())
}

/// A stored instant as RFC 3339 to the second, for people to read.
pub fn to_rfc3339(ms: i64) -> String {
    from_millis(ms).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
