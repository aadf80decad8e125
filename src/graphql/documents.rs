//! Parsed GraphQL documents by query text. Frontends, dashboards and
//! partner systems send the same few query texts over and over; parsing one
//! (async-graphql's pest grammar) was about a tenth of the server's CPU
//! time per journey read (perf, load bench). A request whose text was seen
//! before gets a copy of the parsed document instead.
//!
//! Only texts that parse are kept, and only short ones. The texts kept add
//! up to at most `MAX_TOTAL_CHARS`; past that the cache starts over, so a
//! client sending endless distinct queries costs what it cost before.

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Longer texts are parsed every time.
const MAX_CACHED_CHARS: usize = 8_192;
/// The texts kept add up to at most this many bytes.
const MAX_TOTAL_CHARS: usize = 1 << 20;

#[derive(Default)]
pub struct DocumentCache {
    inner: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    documents: HashMap<String, Arc<ExecutableDocument>>,
    chars: usize,
}

impl DocumentCache {
    /// Gives `request` its parsed document: a copy of the kept one, or a
    /// fresh parse that is then kept. A text that does not parse is left
    /// to execution, which explains the syntax error.
    pub fn attach(&self, request: &mut Request) {
        let kept = self
            .inner
            .lock()
            .ok()
            .and_then(|kept| kept.documents.get(&request.query).cloned());
        if let Some(document) = kept {
            request.set_parsed_query(ExecutableDocument::clone(&document));
            return;
        }
        let length = request.query.len();
        let Ok(document) = request.parsed_query() else {
            return;
        };
        if length > MAX_CACHED_CHARS {
            return;
        }
        let document = Arc::new(document.clone());
        if let Ok(mut kept) = self.inner.lock() {
            if kept.chars + request.query.len() > MAX_TOTAL_CHARS {
                kept.documents.clear();
                kept.chars = 0;
            }
            if kept
                .documents
                .insert(request.query.clone(), document)
                .is_none()
            {
                kept.chars += request.query.len();
            }
        }
    }

    /// Texts kept now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|k| k.documents.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_parses_and_starts_over_when_full() {
        let cache = DocumentCache::default();
        let mut first = Request::new("{ viewer { org } }");
        cache.attach(&mut first);
        let mut again = Request::new("{ viewer { org } }");
        cache.attach(&mut again);
        assert_eq!(cache.len(), 1);
        assert_eq!(
            format!("{:?}", again.parsed_query().expect("parsed")),
            format!("{:?}", first.parsed_query().expect("parsed"))
        );

        cache.attach(&mut Request::new("{ viewer { "));
        assert_eq!(cache.len(), 1, "a syntax error is not kept");
        let long = format!("{{ viewer {{ org }} }} # {}", "x".repeat(MAX_CACHED_CHARS));
        cache.attach(&mut Request::new(long));
        assert_eq!(cache.len(), 1, "a long text is not kept");

        // One text more than the total holds.
        let each = 4_000;
        let fill = MAX_TOTAL_CHARS / (each - 3);
        for i in 0..=fill {
            let text = format!("{{ viewer {{ org }} }} # {i:0>width$}", width = each - 24);
            cache.attach(&mut Request::new(text));
        }
        assert!(
            cache.len() < fill,
            "{} kept of {fill}: the total is bounded",
            cache.len()
        );
    }
}
