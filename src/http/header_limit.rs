//! Request headers bounded: a header set over [`MAX_HEADER_BYTES`] is
//! answered 431 with a GraphQL error body, before any handler or credential
//! check sees it. (hyper refuses, without a body, only what does not fit its
//! buffer, `serve::HEADER_BUFFER_BYTES`.)

use super::graphql::refuse_with;
use crate::error::AppError;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// The most header bytes (names, values and their separators) a request may
/// carry: a JWT is under 2 KiB; nginx's default allows 32 KiB.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The bytes `headers` took on the wire, near enough (`name: value\r\n`).
fn header_bytes(headers: &axum::http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// The middleware: refuse, or pass the request on.
pub async fn check(request: Request, next: Next) -> Response {
    let size = header_bytes(request.headers());
    if size <= MAX_HEADER_BYTES {
        return next.run(request).await;
    }
    let error = AppError::bad_input(
        "headers",
        format!("request headers are {size} bytes; at most {MAX_HEADER_BYTES} are accepted"),
    );
    let request_id = super::graphql::request_id(request.headers());
    refuse_with(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        error,
        &request_id,
        request.headers(),
    )
}
