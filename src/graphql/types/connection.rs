//! Relay connection plumbing: opaque cursors and page info.

use crate::error::AppError;
use crate::global_id::{self, Kind};
use crate::service::page::Page;
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Relay page information.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items come before this page: true when it was asked for
    /// `after` a cursor (lists page forward only).
    pub has_previous_page: bool,
    /// Cursor of the first item of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of this page, to pass as `after`.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The page info of `page`, whose edges' cursors are `cursors`.
    pub fn of<'a, T>(
        page: &Page<T>,
        mut cursors: impl DoubleEndedIterator<Item = &'a String>,
    ) -> PageInfo {
        let start_cursor = cursors.next().cloned();
        let end_cursor = cursors
            .next_back()
            .cloned()
            .or_else(|| start_cursor.clone());
        PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor,
            end_cursor,
        }
    }
}

/// A nullable field's answer: its value, or `null` with the error beside it
/// in `errors` (path and location set). Returning the error instead would
/// leave the field out of `data` altogether, which async-graphql does for a
/// failed field and the specification does not allow.
pub fn null_on_error<T>(
    ctx: &async_graphql::Context<'_>,
    result: async_graphql::Result<T>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            None
        }
    }
}

/// Whether the field being resolved selects `totalCount` (counted only then).
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
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

/// The row a global `ID` of `kind` names (BAD_USER_INPUT on `argument` otherwise).
pub fn parse_id(argument: &str, kind: Kind, id: &async_graphql::ID) -> Result<i64, AppError> {
    global_id::expect(argument, kind, id)
}

/// The row of an optional `kind` id given as `argument` (None when absent).
pub fn parse_optional_id(
    argument: &str,
    kind: Kind,
    id: Option<&async_graphql::ID>,
) -> Result<Option<i64>, AppError> {
    id.map(|id| parse_id(argument, kind, id)).transpose()
}

/// The global `ID` of row `id` of `kind`.
pub fn global(kind: Kind, id: i64) -> async_graphql::ID {
    async_graphql::ID(global_id::encode(kind, id))
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
    /// Items in the whole list, every page (counted only when asked for).
    pub total_count: u64,
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
        let cursors: Vec<String> = page.items.iter().map(&cursor).collect();
        let page_info = PageInfo::of(&page, cursors.iter());
        let total_count = page.total.unwrap_or_default();
        let edges = page
            .items
            .into_iter()
            .zip(cursors)
            .map(|(row, cursor)| Edge {
                cursor,
                node: node(row),
            })
            .collect();
        Connection {
            edges,
            page_info,
            total_count,
        }
    }
}
