//! HTTP routes: POST and GET /graphql, GET /graphql/ws (subscriptions), GET /
//! (the console), /graphiql, /healthz, /readyz, /metrics.

mod graphql;
mod header_limit;
mod health;
mod metric_catalog;
pub mod metrics;
mod pages;
pub mod rate_limit;
pub mod serve;
mod socket_gate;
pub mod socket_slots;
pub mod subscriptions;

use crate::auth::jwt::JwtVerifier;
use crate::config::ServeSettings;
use crate::graphql::AppSchema;
use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::{get, post};
use rate_limit::RateLimit;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The request id header, set on every request and echoed on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where organization-wide analytics read (`DATABASE_READ_URL`, else `db`).
    pub analytics_db: crate::graphql::AnalyticsDb,
    /// The HTTP schema; `document_limits` are checked before it executes.
    pub schema: AppSchema,
    pub document_limits: crate::graphql::limits::DocumentLimits,
    /// Parsed documents by query text.
    pub documents: Arc<crate::graphql::documents::DocumentCache>,
    /// The subscription sockets' schema (document limits as an extension).
    pub socket_schema: AppSchema,
    pub verifier: Arc<JwtVerifier>,
    /// Organization ids by slug, for people's JWTs.
    pub organizations: Arc<crate::auth::OrgCache>,
    pub graphiql: bool,
    /// Serve the leadership console at `/`.
    pub console: bool,
    /// Operations per batched request.
    pub max_batch: usize,
    /// Deadline of one request.
    pub request_timeout: std::time::Duration,
    /// Per-principal rate limit (None: off).
    pub rate_limit: Option<Arc<RateLimit>>,
    /// Signal fan-out and webhook settings.
    pub alerts: crate::service::alerts::Alerts,
    /// How often an open subscription socket's credential is checked again.
    pub ws_recheck: std::time::Duration,
    /// The subscription sockets' limits.
    pub socket_limits: subscriptions::SocketLimits,
}

/// CORS for the allowed origins; None (no CORS headers, browsers refuse
/// cross-origin calls) when the list is empty.
fn cors(origins: &[String]) -> anyhow::Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| HeaderValue::from_str(o.trim()).with_context(|| format!("CORS origin {o:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .max_age(std::time::Duration::from_secs(600)),
    ))
}

/// The router with its layers.
pub fn router(state: AppState, serve: &ServeSettings) -> anyhow::Result<Router> {
    let max_body_bytes = serve.limits.max_body_bytes;
    let cors = cors(&serve.cors_origins)?;
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<_>| {
            let request_id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The GraphQL handler fills in what it learns of the request.
            let span = tracing::info_span!(
                "request",
                method = %req.method(),
                path = %req.uri().path(),
                request_id,
                trace_id = tracing::field::Empty,
                operation = tracing::field::Empty,
                operation_type = tracing::field::Empty,
                org = tracing::field::Empty,
                principal_kind = tracing::field::Empty,
            );
            if let Some(trace_id) = crate::telemetry::continue_trace(&span, req.headers()) {
                span.record("trace_id", trace_id.to_string());
            }
            span
        })
        // One access line per request, inside its span (so with its id).
        .on_response(
            |response: &axum::response::Response,
             latency: std::time::Duration,
             _: &tracing::Span| {
                tracing::info!(
                    status = response.status().as_u16(),
                    latency_ms = latency.as_secs_f64() * 1000.0,
                    "request finished"
                );
            },
        );
    let mut router = Router::new()
        .route("/graphql", post(graphql::post).get(graphql::get))
        .route("/graphql/ws", get(subscriptions::ws))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics));
    if state.console {
        router = router
            .route("/", get(pages::console_page))
            .route("/console/assets/{file}", get(pages::console_asset));
    }
    if state.graphiql {
        router = router
            .route("/graphiql", get(pages::page))
            .route("/graphiql/assets/{file}", get(pages::asset));
    }
    Ok(router.with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .option_layer(cors)
            .layer(axum::middleware::from_fn(header_limit::check))
            .layer(DefaultBodyLimit::max(max_body_bytes)),
    ))
}
