//! Relay connection plumbing: opaque cursors and page info.

use crate::error::AppError;
use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Relay page information.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Cursor of the last item of this page, to pass as `after`.
    pub end_cursor: Option<String>,
}

/// Encodes keyset values as an opaque cursor (`kind:v1:v2...`, base64url).
pub fn encode_cursor(kind: &str, values: &[i64]) -> String {
    let text = std::iter::once(kind.to_owned())
        .chain(values.iter().map(i64::to_string))
        .collect::<Vec<_>>()
        .join(":");
    URL_SAFE_NO_PAD.encode(text)
}

/// Decodes a cursor of `kind` with `n` values; BAD_USER_INPUT on `after` otherwise.
pub fn decode_cursor(kind: &str, n: usize, cursor: &str) -> Result<Vec<i64>, AppError> {
    let bad = || AppError::bad_input("after", "not a cursor of this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.split(':');
    if parts.next() != Some(kind) {
        return Err(bad());
    }
    let values = parts
        .map(|p| p.parse::<i64>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    if values.len() == n {
        Ok(values)
    } else {
        Err(bad())
    }
}

/// Parses a GraphQL `ID` of one of our rows.
pub fn parse_id(argument: &str, id: &async_graphql::ID) -> Result<i64, AppError> {
    id.parse::<i64>()
        .map_err(|_| AppError::bad_input(argument, "not an id"))
}
