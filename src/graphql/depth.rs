//! Selection depth, counted as async-graphql counts it (a root field is
//! depth 1, each nested field one more, fragments inlined), with one
//! difference: the introspection fields `__schema` and `__type` may nest
//! down to `INTROSPECTION_DEPTH`. The standard introspection query that
//! GraphiQL and every schema tool send is 15 deep (nine `ofType` levels);
//! under the default `--max-depth 12` it was refused. Introspection reads
//! only the schema, never data, so letting it nest deeper opens no cost a
//! data query could use; every other root field keeps `max_depth`.
//!
//! Fragments are walked once each (their depth is remembered), so a
//! document that spreads the same fragment many times costs one walk of
//! it; a chain of fragments deeper than the nesting limit, or a cycle
//! (which validation would refuse anyway), is refused here.

use super::limits::limit_error;
use async_graphql::ServerResult;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use std::collections::HashMap;

/// How deep an introspection field's selection may go.
pub const INTROSPECTION_DEPTH: usize = 20;

/// Refuses `doc` when an operation's selection is deeper than `max_depth`
/// (introspection: `INTROSPECTION_DEPTH`), or its fragments spread one
/// another more than `max_chain` deep.
pub fn check(doc: &ExecutableDocument, max_depth: usize, max_chain: usize) -> ServerResult<()> {
    let mut walk = Walk {
        doc,
        known: HashMap::new(),
        chain: Vec::new(),
        max_chain,
    };
    for (_, operation) in doc.operations.iter() {
        for item in &operation.node.selection_set.node.items {
            let (found, limit) = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let limit = if name == "__schema" || name == "__type" {
                        max_depth.max(INTROSPECTION_DEPTH)
                    } else {
                        max_depth
                    };
                    (1 + walk.set(&field.node.selection_set.node)?, limit)
                }
                _ => (walk.selection(&item.node)?, max_depth),
            };
            if found > limit {
                return Err(limit_error(
                    "depth",
                    format!("the query nests {found} fields deep; the limit is {limit}"),
                ));
            }
        }
    }
    Ok(())
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    /// Depth of each fragment walked so far.
    known: HashMap<&'a str, usize>,
    /// The fragments being walked, outermost first.
    chain: Vec<&'a str>,
    max_chain: usize,
}

impl<'a> Walk<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> ServerResult<usize> {
        let mut deepest = 0;
        for item in &set.items {
            deepest = deepest.max(self.selection(&item.node)?);
        }
        Ok(deepest)
    }

    fn selection(&mut self, selection: &'a Selection) -> ServerResult<usize> {
        match selection {
            Selection::Field(field) => Ok(1 + self.set(&field.node.selection_set.node)?),
            Selection::InlineFragment(inline) => self.set(&inline.node.selection_set.node),
            Selection::FragmentSpread(spread) => {
                self.fragment(spread.node.fragment_name.node.as_str())
            }
        }
    }

    fn fragment(&mut self, name: &'a str) -> ServerResult<usize> {
        if let Some(depth) = self.known.get(name) {
            return Ok(*depth);
        }
        // Unknown fragments are validation's to explain.
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Ok(0);
        };
        if self.chain.contains(&name) {
            return Err(limit_error(
                "depth",
                format!("fragment {name} spreads itself"),
            ));
        }
        if self.chain.len() >= self.max_chain {
            return Err(limit_error(
                "nesting",
                format!(
                    "fragments spread one another more than {} deep",
                    self.max_chain
                ),
            ));
        }
        self.chain.push(name);
        let depth = self.set(&fragment.node.selection_set.node);
        self.chain.pop();
        let depth = depth?;
        self.known.insert(name, depth);
        Ok(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn depth_error(query: &str, max_depth: usize) -> Option<String> {
        let doc = parse_query(query).expect("parses");
        check(&doc, max_depth, 64).err().map(|e| e.message)
    }

    #[test]
    fn counts_fields_through_fragments_and_spares_introspection() {
        let q = "{ a { b { c } } ...F } fragment F on Query { d { e { f { g } } } }";
        assert_eq!(depth_error(q, 4), None);
        assert_eq!(
            depth_error(q, 3).as_deref(),
            Some("the query nests 4 fields deep; the limit is 3")
        );
        let introspection = include_str!("../../tests/fixtures/introspection.graphql");
        assert_eq!(depth_error(introspection, 12), None);
        let deep_data = format!("{{ a {}x{} }}", "{ b ".repeat(13), " }".repeat(13));
        assert_eq!(
            depth_error(&deep_data, 12).as_deref(),
            Some("the query nests 14 fields deep; the limit is 12")
        );
        let deep_types = format!(
            "{{ __schema {}x{} }}",
            "{ types ".repeat(21),
            " }".repeat(21)
        );
        assert_eq!(
            depth_error(&deep_types, 12).as_deref(),
            Some("the query nests 22 fields deep; the limit is 20")
        );
    }

    #[test]
    fn fragment_cycles_and_long_chains_are_refused() {
        assert_eq!(
            depth_error("{ ...A } fragment A on Query { a ...A }", 12).as_deref(),
            Some("fragment A spreads itself")
        );
        let chain: String = (0..70)
            .map(|i| format!("fragment F{i} on Query {{ a ...F{} }} ", i + 1))
            .collect();
        let doc = parse_query(format!("{{ ...F0 }} {chain} fragment F70 on Query {{ a }}"))
            .expect("parses");
        let refused = check(&doc, 12, 64).expect_err("chain too long");
        assert_eq!(
            refused.message,
            "fragments spread one another more than 64 deep"
        );
    }
}
