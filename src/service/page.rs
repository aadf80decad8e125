//! Keyset pages: what every list service returns.

use crate::error::{AppError, AppResult};

/// The largest `first` any list accepts.
pub const MAX_FIRST: i64 = 100;

/// One page of a keyset-paginated list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    /// Asked for with a cursor: items come before this page.
    pub has_previous_page: bool,
    /// Items of the whole list (every page), when asked for.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// Builds a page from up to `first + 1` fetched rows: the extra row only
    /// tells that a next page exists. `after`: the page was asked for after
    /// a cursor.
    pub fn from_overfetch(mut rows: Vec<T>, first: u64, after: bool) -> Page<T> {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Page {
            items: rows,
            has_next_page,
            has_previous_page: after,
            total: None,
        }
    }

    /// The page with the size of the whole list.
    pub fn with_total(self, total: Option<u64>) -> Page<T> {
        Page { total, ..self }
    }
}

/// How many rows `query` selects, when `wanted` (the client asked for
/// `totalCount`); one COUNT statement.
pub async fn count_if<E, C>(
    wanted: bool,
    query: &sea_orm::Select<E>,
    db: &C,
) -> AppResult<Option<u64>>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::PaginatorTrait;
    if !wanted {
        return Ok(None);
    }
    Ok(Some(query.clone().count(db).await?))
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
