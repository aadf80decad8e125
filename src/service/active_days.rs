//! Skipping customers who cannot have a touchpoint in a window, by their
//! active days: `customer.first_active_day` and `last_active_day`, the
//! days (epoch ms / 86,400,000) of their earliest and latest touchpoint,
//! kept by triggers in every writing transaction (migration
//! `m20261208_000010`). The days are bounds: a customer has no touchpoint
//! outside them, and none at all while they are NULL.
//!
//! Analytics that look at each customer for a window (active customers,
//! the baseline population of the *_CONTACT kinds, journey starters, the
//! split into parts) add these conditions before their per-customer
//! lookups, so their cost follows the customers active around the window
//! rather than every customer the organization ever had. The answer is the
//! same: only customers the lookup would have found nothing for are left
//! out. A day's margin either side covers truncation toward zero.

use super::sql::SqlBuilder;
use crate::time::DAY_MS;

/// ` AND <c>.first_active_day <= .. AND <c>.last_active_day >= ..`: the
/// customers (alias `customer`) who may have a touchpoint in `[from, to)`.
pub fn push_may_touch(sql: &mut SqlBuilder, customer: &str, from: i64, to: i64) {
    sql.push(&format!(" AND {customer}.first_active_day <= "))
        .bind(to / DAY_MS + 1)
        .push(&format!(" AND {customer}.last_active_day >= "))
        .bind(from / DAY_MS - 1);
}

/// The same as [`push_may_touch`] for windows given as SQL expressions
/// (the `lo` and `hi` columns of a relation of windows).
pub fn push_may_touch_between(sql: &mut SqlBuilder, customer: &str, lo: &str, hi: &str) {
    sql.push(&format!(
        " AND {customer}.first_active_day <= {hi} / {DAY_MS} + 1 \
         AND {customer}.last_active_day >= {lo} / {DAY_MS} - 1"
    ));
}
