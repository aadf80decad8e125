//! The guard in front of the GraphQL parser. async-graphql's grammar (pest)
//! recurses once per nested `{`, `[` or `(` and has no limit on values: a
//! 4 KB argument of 2,000 nested lists overflowed a tokio worker's stack and
//! aborted the process. One pass over the text, before anything parses it,
//! counts how deep the brackets nest (outside strings and comments) and
//! refuses the text past a limit.
//!
//! The count is a bound on every later recursive walk of the document as
//! well (selection sets, input values, fragments inside them), since none
//! of them can be deeper than the brackets that wrote it.

/// The deepest nesting any configuration may allow: a document this deep
/// still parses, validates and executes within a 2 MiB worker stack
/// (tested below on a thread of that size).
pub const MAX_NESTING_CEILING: usize = 256;

/// How deep `text`'s brackets nest, or `Err(depth)` as soon as they nest
/// deeper than `limit`. Brackets inside strings, block strings and comments
/// do not count; an unbalanced text is left to the parser to explain.
pub fn check(text: &str, limit: usize) -> Result<usize, usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return Err(depth);
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // An escaped triple quote (\""") does not end the block.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(deepest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_lists(depth: usize) -> String {
        format!(
            "{{ customers(first: 1, filter: {{search: {}1{}}}) {{ edges {{ cursor }} }} }}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    }

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert_eq!(check("{ a { b(x: [1, [2]]) } }", 10), Ok(5));
        assert_eq!(check("{ a(s: \"{{{{[[[\") }", 3), Ok(2));
        assert_eq!(check("{ a(s: \"\\\"{{{{\") }", 3), Ok(2));
        assert_eq!(check("{ a(s: \"\"\" {{{{ \\\"\"\" [[[ \"\"\") }", 3), Ok(2));
        assert_eq!(check("# {{{{{{\n{ a }", 1), Ok(1));
        assert_eq!(check("{ a { b { c } } }", 2), Err(3));
        assert_eq!(
            check("}}}} { a }", 1),
            Ok(1),
            "unbalanced: the parser explains"
        );
        assert_eq!(check(&nested_lists(2_000), 64), Err(65));
    }

    /// At the ceiling, the parser and the schema's walks stay well inside
    /// a tokio worker's 2 MiB stack (in a debug build, the worst case).
    #[test]
    fn a_document_at_the_ceiling_parses_on_a_worker_sized_stack() {
        let text = nested_lists(MAX_NESTING_CEILING - 3);
        assert!(check(&text, MAX_NESTING_CEILING).is_ok());
        let parsed = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || async_graphql::parser::parse_query(&text).is_ok())
            .expect("thread")
            .join()
            .expect("no overflow");
        assert!(parsed);
    }
}
