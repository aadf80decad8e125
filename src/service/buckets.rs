//! A window cut into UTC-aligned buckets for trends: days, ISO weeks
//! (Monday 00:00 UTC) or calendar months. Each bucket is itself a window,
//! `[from, to)` judged at `min(to, now)`, so a figure per bucket is the
//! window's definition restricted to it. The first and last buckets are
//! clipped to the window; a clipped bucket, or one still running at `now`,
//! is partial.

use super::sql::SqlBuilder;
use super::window::Window;
use crate::error::{AppError, AppResult};
use crate::time::{DAY_MS, from_millis, to_millis};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};

/// How long a bucket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Day,
    Week,
    Month,
}

/// The most buckets one trend may have (a year and a half of days).
pub const MAX_BUCKETS: usize = 550;

/// One bucket of a trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket's part of the window.
    pub window: Window,
    /// Clipped by the window's edges, or not over at `now`.
    pub partial: bool,
}

/// The aligned boundary at or before `at`.
fn floor(at: i64, width: Width) -> i64 {
    let day = from_millis(at).date_naive();
    let start = match width {
        Width::Day => day,
        Width::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Width::Month => day.with_day(1).unwrap_or(day),
    };
    midnight(start)
}

/// The aligned boundary after `boundary` (itself aligned).
fn next(boundary: i64, width: Width) -> i64 {
    match width {
        Width::Day => boundary + DAY_MS,
        Width::Week => boundary + 7 * DAY_MS,
        Width::Month => {
            let day = from_millis(boundary).date_naive();
            let (year, month) = if day.month() == 12 {
                (day.year() + 1, 1)
            } else {
                (day.year(), day.month() + 1)
            };
            NaiveDate::from_ymd_opt(year, month, 1).map_or(boundary + 31 * DAY_MS, midnight)
        }
    }
}

fn midnight(day: NaiveDate) -> i64 {
    to_millis(Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN)))
}

/// `window` cut into `width` buckets, oldest first; BAD_USER_INPUT on
/// `bucket` past [`MAX_BUCKETS`].
pub fn buckets(window: Window, width: Width, now: i64) -> AppResult<Vec<Bucket>> {
    let mut found = Vec::new();
    let mut start = floor(window.from, width);
    while start < window.to {
        let end = next(start, width);
        if found.len() == MAX_BUCKETS {
            return Err(AppError::bad_input(
                "bucket",
                format!(
                    "the window holds more than {MAX_BUCKETS} buckets of this width; use a wider bucket or a shorter window"
                ),
            ));
        }
        let (from, to) = (start.max(window.from), end.min(window.to));
        found.push(Bucket {
            window: Window::new(from, to, now)?,
            partial: from != start || to != end || to > now,
        });
        start = end;
    }
    Ok(found)
}

/// Appends `(SELECT ... FROM (VALUES ...) v) b`: one row per window,
/// `b.i` its index in `windows`, `b.lo`, `b.hi` its bounds and `b.as_of`
/// its as-of time. A statement joined to it and grouped by `b.i` computes
/// a figure for every window at once, each by the same definition; the
/// whole-window figure is the one-row case.
pub fn push_windows(sql: &mut SqlBuilder, windows: &[Window]) {
    sql.push("(SELECT CAST(column1 AS BIGINT) AS i, CAST(column2 AS BIGINT) AS lo, CAST(column3 AS BIGINT) AS hi, CAST(column4 AS BIGINT) AS as_of FROM (VALUES ");
    for (i, w) in windows.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(i as i64)
            .push(", ")
            .bind(w.from)
            .push(", ")
            .bind(w.to)
            .push(", ")
            .bind(w.as_of)
            .push(")");
    }
    sql.push(") v) b");
}

/// Runs `stmt`, a statement joined to [`push_windows`] that selects `b.i`,
/// and hands each row to `f` with the slot of its window: one `T` per
/// window, in order (a window without rows keeps `T::default()`).
pub async fn per_window<T: Default + Clone>(
    db: &DatabaseConnection,
    stmt: Statement,
    n: usize,
    mut f: impl FnMut(&mut T, &QueryResult),
) -> AppResult<Vec<T>> {
    let mut found = vec![T::default(); n];
    for row in db.query_all_raw(stmt).await? {
        let window = row
            .try_get_by::<i64, _>("i")
            .ok()
            .and_then(|i| usize::try_from(i).ok());
        if let Some(slot) = window.and_then(|i| found.get_mut(i)) {
            f(slot, &row);
        }
    }
    Ok(found)
}

/// The earliest start and the latest end of `windows` (empty: `(0, 0)`).
pub fn span(windows: &[Window]) -> (i64, i64) {
    let from = windows.iter().map(|w| w.from).min().unwrap_or(0);
    let to = windows.iter().map(|w| w.to).max().unwrap_or(0);
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        to_millis(text.parse().expect("an RFC 3339 time"))
    }

    fn spans(found: &[Bucket]) -> Vec<(String, String, bool)> {
        found
            .iter()
            .map(|b| {
                (
                    from_millis(b.window.from).to_rfc3339(),
                    from_millis(b.window.to).to_rfc3339(),
                    b.partial,
                )
            })
            .collect()
    }

    #[test]
    fn weeks_start_on_monday_and_the_edges_are_partial() {
        // Wednesday 2026-11-04 12:00 to Tuesday 2026-11-17 00:00.
        let window = Window::new(
            at("2026-11-04T12:00:00Z"),
            at("2026-11-17T00:00:00Z"),
            at("2026-12-01T00:00:00Z"),
        )
        .expect("window");
        let found = buckets(window, Width::Week, at("2026-12-01T00:00:00Z")).expect("buckets");
        assert_eq!(
            spans(&found),
            [
                (
                    "2026-11-04T12:00:00+00:00".into(),
                    "2026-11-09T00:00:00+00:00".into(),
                    true
                ),
                (
                    "2026-11-09T00:00:00+00:00".into(),
                    "2026-11-16T00:00:00+00:00".into(),
                    false
                ),
                (
                    "2026-11-16T00:00:00+00:00".into(),
                    "2026-11-17T00:00:00+00:00".into(),
                    true
                ),
            ]
        );
        assert_eq!(found[1].window.as_of, at("2026-11-16T00:00:00Z"));
    }

    #[test]
    fn months_follow_the_calendar_and_a_running_one_is_partial() {
        let now = at("2026-12-04T10:00:00Z");
        let window = Window::new(at("2026-11-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), now)
            .expect("window");
        let found = buckets(window, Width::Month, now).expect("buckets");
        assert_eq!(
            spans(&found),
            [
                (
                    "2026-11-01T00:00:00+00:00".into(),
                    "2026-12-01T00:00:00+00:00".into(),
                    false
                ),
                (
                    "2026-12-01T00:00:00+00:00".into(),
                    "2027-01-01T00:00:00+00:00".into(),
                    true
                ),
            ]
        );
        // The running month is judged now, like any window.
        assert_eq!(found[1].window.as_of, now);
        // February of a leap year, and days.
        let feb =
            Window::new(at("2028-02-01T00:00:00Z"), at("2028-03-01T00:00:00Z"), now).expect("feb");
        assert_eq!(
            buckets(feb, Width::Month, at("2029-01-01T00:00:00Z"))
                .expect("b")
                .len(),
            1
        );
        assert_eq!(
            buckets(feb, Width::Day, at("2029-01-01T00:00:00Z"))
                .expect("b")
                .len(),
            29
        );
    }

    #[test]
    fn too_many_buckets_are_refused() {
        let now = at("2026-12-04T00:00:00Z");
        let long = Window::new(at("2020-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), now)
            .expect("window");
        assert!(buckets(long, Width::Day, now).is_err());
        assert_eq!(buckets(long, Width::Month, now).expect("months").len(), 72);
    }
}
