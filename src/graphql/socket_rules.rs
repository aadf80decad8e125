//! The rules for operations that arrive over the subscription socket,
//! whose requests async-graphql executes itself (so they run as an
//! extension): the socket carries subscriptions only (queries and
//! mutations go over HTTP, where the batch cap and the request deadline
//! apply), each `subscribe` spends from the principal's HTTP rate limit,
//! and the same document limits apply in the same order as over HTTP:
//! text, rate, parse, document.
//!
//! Not on the HTTP path: any extension makes async-graphql look up type
//! and field metadata and box a future for every resolved field.

use super::limits::{DocumentLimits, limit_error};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::http::rate_limit::RateLimit;
use async_graphql::ValidationResult;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensions, ServerError, ServerResult, Variables};
use std::sync::Arc;

/// The per-principal rate limit, put into a socket's connection data.
#[derive(Clone)]
pub struct SocketRateLimit(pub Arc<RateLimit>);

#[derive(Clone, Copy)]
pub struct SocketRules(pub DocumentLimits);

impl ExtensionFactory for SocketRules {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

/// Refuses a document with anything but subscriptions in it.
fn subscriptions_only(doc: &ExecutableDocument) -> ServerResult<()> {
    let other = doc
        .operations
        .iter()
        .any(|(_, op)| op.node.ty != OperationType::Subscription);
    if other {
        return Err(limit_error(
            "socketOperation",
            "the socket carries subscriptions only: send queries and mutations with POST /graphql"
                .to_owned(),
        ));
    }
    Ok(())
}

fn rate_limited(ctx: &ExtensionContext<'_>) -> ServerResult<()> {
    let (Some(viewer), Some(SocketRateLimit(limit))) =
        (ctx.data_opt::<Viewer>(), ctx.data_opt::<SocketRateLimit>())
    else {
        return Ok(());
    };
    let principal = format!("{}:{}", viewer.org_id, viewer.principal_name());
    limit.check(&principal).map_err(|retry_after_secs| {
        metrics::counter!("journeygraph_rate_limited_total").increment(1);
        let error = AppError::RateLimited { retry_after_secs }.extend();
        let mut server = ServerError::new(error.message, None);
        server.extensions = error.extensions;
        server
    })
}

#[async_trait::async_trait]
impl Extension for SocketRules {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.0.check_text(query)?;
        rate_limited(ctx)?;
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(about_the_request)?;
        self.0.check_document(&doc)?;
        subscriptions_only(&doc)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(about_the_request).collect())
    }
}

/// A syntax or validation error, coded as over HTTP: BAD_USER_INPUT.
fn about_the_request(mut error: ServerError) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", "BAD_USER_INPUT");
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_subscriptions_pass() {
        let parse = |q: &str| async_graphql::parser::parse_query(q).expect("parses");
        assert!(subscriptions_only(&parse("subscription { frictionDetected { kind } }")).is_ok());
        for q in [
            "{ viewer { org } }",
            "mutation { addInsight(text: \"x\") { id } }",
            "subscription S { frictionDetected { kind } } query Q { viewer { org } }",
        ] {
            let refused = subscriptions_only(&parse(q)).expect_err(q);
            assert_eq!(
                refused.extensions.and_then(|e| e.get("limit").cloned()),
                Some(async_graphql::Value::from("socketOperation"))
            );
        }
    }
}
