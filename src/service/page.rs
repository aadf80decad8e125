//! Keyset pages: what every list service returns.

use crate::error::{AppError, AppResult};

/// The largest `first` any list accepts.
pub const MAX_FIRST: i64 = 100;

/// One page of a keyset-paginated list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from up to `first + 1` fetched rows: the extra row only
    /// tells that a next page exists.
    pub fn from_overfetch(mut rows: Vec<T>, first: u64) -> Page<T> {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Page {
            items: rows,
            has_next_page,
        }
    }
}

/// Checks a `first` argument: 1..=100, else BAD_USER_INPUT naming it.
pub fn validate_first(first: i64) -> AppResult<u64> {
    if (1..=MAX_FIRST).contains(&first) {
        Ok(first as u64)
    } else {
        Err(AppError::bad_input(
            "first",
            format!("first must be between 1 and {MAX_FIRST}, got {first}"),
        ))
    }
}
