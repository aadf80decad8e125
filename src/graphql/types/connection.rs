//! Relay connection plumbing: opaque cursors and page info.

use crate::error::AppError;
use crate::service::page::Page;
use async_graphql::{OutputType, SimpleObject};
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

/// An edge of a list: a node and its opaque position.
#[derive(SimpleObject)]
#[graphql(concrete(name = "InsightEdge", params(super::insight::Insight)))]
#[graphql(concrete(name = "OutreachTaskEdge", params(super::outreach::OutreachTask)))]
#[graphql(concrete(
    name = "OutreachQueueEdge",
    params(super::outreach::OutreachQueueEntry)
))]
pub struct Edge<T: OutputType> {
    /// Opaque position, for `after`.
    pub cursor: String,
    /// The item.
    pub node: T,
}

pub type InsightEdge = Edge<super::insight::Insight>;
pub type OutreachTaskEdge = Edge<super::outreach::OutreachTask>;
pub type OutreachQueueEdge = Edge<super::outreach::OutreachQueueEntry>;

/// A page of a list (Relay connection).
#[derive(SimpleObject)]
#[graphql(concrete(name = "InsightConnection", params(InsightEdge)))]
#[graphql(concrete(name = "OutreachTaskConnection", params(OutreachTaskEdge)))]
#[graphql(concrete(name = "OutreachQueueConnection", params(OutreachQueueEdge)))]
pub struct Connection<E: OutputType> {
    /// The items of this page.
    pub edges: Vec<E>,
    /// Whether more follow, and where to continue.
    pub page_info: PageInfo,
}

impl<T: OutputType> Connection<Edge<T>>
where
    Edge<T>: OutputType,
{
    /// The connection of a service page: `cursor` of each row, then `node`.
    pub fn from_page<M>(
        page: Page<M>,
        cursor: impl Fn(&M) -> String,
        node: impl Fn(M) -> T,
    ) -> Self {
        let edges: Vec<Edge<T>> = page
            .items
            .into_iter()
            .map(|row| Edge {
                cursor: cursor(&row),
                node: node(row),
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        Connection {
            edges,
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor,
            },
        }
    }
}
