//! Limits on the shape of a GraphQL document, checked after parsing and
//! before validation or execution (by the HTTP handler, or by the extension
//! on the subscription schema): query text length, aliases, root fields
//! and directives. (Depth and complexity are async-graphql's own limits.)
//! Each refusal is BAD_USER_INPUT with `extensions.limit` naming the limit.

use crate::config::LimitSettings;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Positioned, Request, ServerError, ServerResult, Variables,
};
use std::sync::Arc;

/// The limits of `LimitSettings` that concern the document.
#[derive(Clone, Copy, Debug)]
pub struct DocumentLimits {
    pub max_query_chars: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
}

impl From<&LimitSettings> for DocumentLimits {
    fn from(l: &LimitSettings) -> Self {
        DocumentLimits {
            max_query_chars: l.max_query_chars,
            max_aliases: l.max_aliases,
            max_root_fields: l.max_root_fields,
            max_directives: l.max_directives,
        }
    }
}

/// The complexity of a list field: `first` (clamped to 1..=100, the range
/// validation enforces) times the complexity of one item.
pub fn per_page(first: i64, child_complexity: usize) -> usize {
    first.clamp(1, 100) as usize * child_complexity
}

/// A refused request: BAD_USER_INPUT naming the limit and its value.
pub fn limit_error(limit: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "BAD_USER_INPUT");
    extensions.set("limit", limit);
    error.extensions = Some(extensions);
    error
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

/// What a document contains, counted over every operation and fragment.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Counts {
    pub aliases: usize,
    pub directives: usize,
    /// The largest number of root fields of one operation (top-level
    /// fields, including those of fragments spread at the root).
    pub root_fields: usize,
}

/// Counts aliases, directives and root fields of `doc`.
pub fn count(doc: &ExecutableDocument) -> Counts {
    let mut counts = Counts::default();
    for fragment in doc.fragments.values() {
        counts.directives += fragment.node.directives.len();
        walk(&fragment.node.selection_set.node, &mut counts);
    }
    for (_, operation) in doc.operations.iter() {
        counts.directives += operation.node.directives.len();
        walk(&operation.node.selection_set.node, &mut counts);
        let roots = root_fields(doc, &operation.node.selection_set.node, 0);
        counts.root_fields = counts.root_fields.max(roots);
    }
    counts
}

fn directives(list: &[Positioned<Directive>]) -> usize {
    list.len()
}

fn walk(set: &SelectionSet, counts: &mut Counts) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                counts.aliases += usize::from(field.node.alias.is_some());
                counts.directives += directives(&field.node.directives);
                walk(&field.node.selection_set.node, counts);
            }
            Selection::FragmentSpread(spread) => {
                counts.directives += directives(&spread.node.directives);
            }
            Selection::InlineFragment(inline) => {
                counts.directives += directives(&inline.node.directives);
                walk(&inline.node.selection_set.node, counts);
            }
        }
    }
}

/// Root fields of a selection set, following fragments (to a bounded depth,
/// so a fragment cycle, which validation rejects anyway, cannot loop).
fn root_fields(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
    if depth > 8 {
        return 0;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(inline) => {
                root_fields(doc, &inline.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(spread) => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |f| {
                    root_fields(doc, &f.node.selection_set.node, depth + 1)
                }),
        })
        .sum()
}

impl DocumentLimits {
    /// Checks `request`, parsing it once: execution reuses the parsed
    /// document. A document that does not parse passes here, so execution
    /// explains the syntax error.
    pub fn check(&self, request: &mut Request) -> ServerResult<()> {
        self.check_length(&request.query)?;
        match request.parsed_query() {
            Ok(doc) => self.check_document(doc),
            Err(_) => Ok(()),
        }
    }

    fn check_length(&self, query: &str) -> ServerResult<()> {
        let chars = query.chars().count();
        if chars > self.max_query_chars {
            return Err(limit_error(
                "queryLength",
                format!(
                    "the query is {chars} characters long; the limit is {}",
                    self.max_query_chars
                ),
            ));
        }
        Ok(())
    }

    fn check_document(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        let counts = count(doc);
        for (limit, found, max) in [
            ("aliases", counts.aliases, self.max_aliases),
            ("rootFields", counts.root_fields, self.max_root_fields),
            ("directives", counts.directives, self.max_directives),
        ] {
            if found > max {
                return Err(limit_error(
                    limit,
                    format!("the query has {found} {limit}; the limit is {max}"),
                ));
            }
        }
        Ok(())
    }
}

/// The same checks as an extension, for requests that do not pass through
/// the HTTP handler (subscriptions over WebSocket). Not on the HTTP path:
/// any extension makes async-graphql look up type and field metadata and
/// box a future for every resolved field.
#[async_trait::async_trait]
impl Extension for DocumentLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.check_length(query)?;
        let doc = next.run(ctx, query, variables).await?;
        self.check_document(&doc)?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_directives_and_root_fields_through_fragments() {
        let doc = async_graphql::parser::parse_query(
            r#"query Q { a: viewer { org } b: viewer @include(if: true) { org } ...F }
               fragment F on Query { c: viewer { role @skip(if: false) } apiTokens { id } }"#,
        )
        .expect("parses");
        assert_eq!(
            count(&doc),
            Counts {
                aliases: 3,
                directives: 2,
                root_fields: 4
            }
        );
    }
}
