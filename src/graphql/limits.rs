//! Limits on a GraphQL document, in the order they are checked: the text
//! before anything parses it (length, bracket nesting), then the parsed
//! document before validation or execution (depth, aliases, root fields,
//! directives). Complexity is async-graphql's own limit, checked in
//! validation. Each refusal is BAD_USER_INPUT with `extensions.limit`
//! naming the limit.

use super::depth;
use super::nesting;
use crate::config::LimitSettings;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Positioned, ServerError, ServerResult};

/// The limits of `LimitSettings` that concern the document.
#[derive(Clone, Copy, Debug)]
pub struct DocumentLimits {
    pub max_query_chars: usize,
    pub max_nesting: usize,
    pub max_depth: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
}

impl From<&LimitSettings> for DocumentLimits {
    fn from(l: &LimitSettings) -> Self {
        DocumentLimits {
            max_query_chars: l.max_query_chars,
            max_nesting: l.max_nesting.min(nesting::MAX_NESTING_CEILING),
            max_depth: l.max_depth,
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
    /// The checks on the text, before it is parsed: its length, then how
    /// deep its brackets nest (the parser has no limit of its own).
    pub fn check_text(&self, query: &str) -> ServerResult<()> {
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
        if let Err(found) = nesting::check(query, self.max_nesting) {
            return Err(limit_error(
                "nesting",
                format!(
                    "the query nests brackets at least {found} deep; the limit is {}",
                    self.max_nesting
                ),
            ));
        }
        Ok(())
    }

    /// The checks on the parsed document: selection depth (introspection
    /// has its own, see `depth`), then the counts.
    pub fn check_document(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        depth::check(doc, self.max_depth, self.max_nesting)?;
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

    #[test]
    fn the_text_is_refused_before_it_is_parsed() {
        let limits = DocumentLimits::from(&LimitSettings::default());
        // Length first: the nesting pass never sees a text over the limit.
        let long = format!("{{ a(x: {}1{}) }}", "[".repeat(8_000), "]".repeat(8_000));
        let refused = limits.check_text(&long).expect_err("too long");
        assert_eq!(
            refused.message,
            "the query is 16011 characters long; the limit is 15000"
        );
        let deep = format!("{{ a(x: {}1{}) }}", "{a:".repeat(100), "}".repeat(100));
        let refused = limits.check_text(&deep).expect_err("too deep");
        assert_eq!(
            refused.message,
            "the query nests brackets at least 65 deep; the limit is 64"
        );
    }
}
