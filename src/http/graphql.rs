//! The GraphQL endpoint: authenticate first (a bad credential runs
//! nothing), then execute with the viewer, the database and per-request
//! loaders; every error leaves with a code and the request id.

use super::{AppState, REQUEST_ID};
use crate::auth;
use crate::error::AppError;
use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensions, Response, ServerError};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse};

/// POST /graphql.
pub async fn execute(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> axum::response::Response {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let viewer = match auth::authenticate(&state.db, &state.verifier, authorization).await {
        Ok(viewer) => viewer,
        Err(err) => return refuse(err, &request_id),
    };
    let request = crate::graphql::loaders::attach(request.into_inner(), &state.db, viewer.org_id)
        .data(viewer)
        .data(state.db.clone());
    let mut response = state.schema.execute(request).await;
    stamp_errors(&mut response, &request_id);
    GraphQLResponse::from(response).into_response()
}

/// Adds the request id to every error and makes sure each has a code.
/// Errors async-graphql raises itself carry none: those about the request
/// (syntax, validation, an argument of the wrong type) become
/// BAD_USER_INPUT with their message; anything else that escaped a resolver
/// without a code becomes INTERNAL with a generic message.
fn stamp_errors(response: &mut Response, request_id: &str) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            if is_request_error(&error.message, error.path.is_empty()) {
                extensions.set("code", "BAD_USER_INPUT");
            } else {
                tracing::error!(message = %error.message, "error without a code");
                error.message = "internal error; quote the request id when reporting it".into();
                extensions.set("code", "INTERNAL");
            }
        }
        extensions.set("requestId", request_id);
    }
}

/// Whether an uncoded error is about the request rather than our fault:
/// raised before execution (no path), or an argument that failed to parse.
fn is_request_error(message: &str, before_execution: bool) -> bool {
    before_execution
        || message.starts_with("Failed to parse")
        || message.starts_with("Invalid value for argument")
}

/// A request refused before execution (bad credential): HTTP 401 with a
/// GraphQL error body.
fn refuse(err: AppError, request_id: &str) -> axum::response::Response {
    let mut response = Response::from_errors(vec![ServerError::new(err.to_string(), None)]);
    let gql = err.extend();
    if let Some(first) = response.errors.first_mut() {
        first.message = gql.message;
        first.extensions = gql.extensions;
    }
    stamp_errors(&mut response, request_id);
    let status = match err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Unavailable | AppError::Db(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut http = GraphQLResponse::from(response).into_response();
    *http.status_mut() = status;
    if status == StatusCode::UNAUTHORIZED {
        http.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    http
}

/// GET /: GraphiQL. Paste a token into its headers:
/// `{"Authorization": "Bearer <jwt>"}`.
pub async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}
