//! HTTP routes: POST /graphql, GET / (GraphiQL), /healthz, /readyz.

mod graphql;
mod health;

use crate::auth::jwt::JwtVerifier;
use crate::graphql::AppSchema;
use axum::Router;
use axum::http::{HeaderName, Request};
use axum::routing::{get, post};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The request id header, set on every request and echoed on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub verifier: Arc<JwtVerifier>,
    pub graphiql: bool,
}

/// The router with its layers.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
        let request_id = req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
    });
    let mut router = Router::new()
        .route("/graphql", post(graphql::execute))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if state.graphiql {
        router = router.route("/", get(graphql::graphiql));
    }
    router.with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(RequestBodyLimitLayer::new(max_body_bytes)),
    )
}
