//! The GraphQL endpoint, following GraphQL over HTTP:
//! - POST executes `application/json` bodies only (a single operation or a
//!   batch of at most `max_batch`); any other content type is 415, so a
//!   browser form cannot post a mutation without a CORS preflight;
//! - GET executes queries only; a mutation over GET is 405;
//! - the response is `application/graphql-response+json` when the client
//!   accepts it (then a request that fails before execution is HTTP 400),
//!   else `application/json` with 200.
//!
//! The credential is checked before anything runs (a bad one runs
//! nothing); then the operations execute with the viewer, the database and
//! per-request loaders, and every error leaves with a code and the request id.

use super::{AppState, REQUEST_ID};
use crate::auth;
use crate::error::AppError;
use crate::graphql::limits::limit_error;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, ErrorExtensions, Response, ServerError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// The media type of GraphQL responses (GraphQL over HTTP).
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// POST /graphql.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> axum::response::Response {
    let request_id = request_id(&headers);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "the body is larger than the server accepts (--max-body-bytes)".to_owned()
            } else {
                rejection.body_text()
            };
            let error = AppError::bad_input("body", message);
            return refuse_with(status, error, &request_id, &headers);
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        let error =
            AppError::bad_input("Content-Type", "send GraphQL requests as application/json");
        return refuse_with(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            error,
            &request_id,
            &headers,
        );
    }
    let batch = match parse_body(&body) {
        Ok(batch) => batch,
        Err(e) => {
            let error = AppError::bad_input("body", format!("not a GraphQL request: {e}"));
            return refuse_with(StatusCode::BAD_REQUEST, error, &request_id, &headers);
        }
    };
    if let Some(path) = without_query(&batch) {
        let error = AppError::bad_input(path, "a GraphQL request needs a query");
        return refuse_with(StatusCode::BAD_REQUEST, error, &request_id, &headers);
    }
    run(state, &headers, batch, &request_id, Method::Post).await
}

/// The path of the first request that has no query text (GraphQL over
/// HTTP: such a request is not well-formed, HTTP 400).
fn without_query(batch: &BatchRequest) -> Option<String> {
    let blank = |request: &async_graphql::Request| request.query.trim().is_empty();
    match batch {
        BatchRequest::Single(request) => blank(request).then(|| "query".to_owned()),
        BatchRequest::Batch(list) => list.iter().position(blank).map(|i| format!("[{i}].query")),
    }
}

/// A JSON body as one request, or as a batch when it is an array.
/// `BatchRequest`'s own (untagged) deserializer first buffers the whole
/// document into an intermediate tree and then reads it again; a 1,000-record
/// ingest makes that a second copy of every input value.
fn parse_body(body: &[u8]) -> serde_json::Result<BatchRequest> {
    let is_batch = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[');
    if is_batch {
        serde_json::from_slice(body).map(BatchRequest::Batch)
    } else {
        serde_json::from_slice(body).map(BatchRequest::Single)
    }
}

/// GET /graphql?query=...&variables=...: queries only.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> axum::response::Response {
    let request_id = request_id(&headers);
    let request =
        match async_graphql::http::parse_query_string(query.as_deref().unwrap_or_default()) {
            Ok(request) => request,
            Err(e) => {
                let error = AppError::bad_input("query", format!("not a GraphQL request: {e}"));
                return refuse_with(StatusCode::BAD_REQUEST, error, &request_id, &headers);
            }
        };
    run(
        state,
        &headers,
        BatchRequest::Single(request),
        &request_id,
        Method::Get,
    )
    .await
}

/// How the request came: a GET may only run queries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// The type of the operation `request` runs (None when its text does not
/// parse: execution explains that). A document of several operations
/// without a name counts as its first non-query, if any: execution refuses
/// it anyway, and a GET must not get that far.
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let operation_name = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    match (&doc.operations, operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops
            .values()
            .map(|op| op.node.ty)
            .find(|ty| *ty != OperationType::Query)
            .or(Some(OperationType::Query)),
    }
}

/// The checks before execution, in order: the text (length, nesting),
/// the parse (a kept document when the text was seen before), the
/// document (depth, aliases, root fields, directives). Validation and
/// complexity follow in `execute`.
fn admit(state: &AppState, request: &mut async_graphql::Request) -> Result<(), ServerError> {
    state.document_limits.check_text(&request.query)?;
    state.documents.attach(request);
    match request.parsed_query() {
        Ok(doc) => state.document_limits.check_document(doc),
        Err(err) => Err(parse_failed(err)),
    }
}

/// A query that does not parse: GRAPHQL_PARSE_FAILED, with the parser's
/// finding on one line (its own message draws the text around it).
fn parse_failed(err: ServerError) -> ServerError {
    let finding = err
        .message
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("= "))
        .or_else(|| err.message.lines().next())
        .unwrap_or_default()
        .trim();
    let at = err
        .locations
        .first()
        .map(|p| format!(" at line {}, column {}", p.line, p.column))
        .unwrap_or_default();
    let mut error = ServerError::new(format!("the query does not parse{at}: {finding}"), None);
    error.locations = err.locations;
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "GRAPHQL_PARSE_FAILED");
    error
}

/// Checks the batch size, authenticates, admits each operation (a GET
/// only a query), executes, answers.
async fn run(
    state: AppState,
    headers: &HeaderMap,
    batch: BatchRequest,
    request_id: &str,
    method: Method,
) -> axum::response::Response {
    let operations = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(list) => list.len(),
    };
    if operations > state.max_batch {
        let mut response = Response::from_errors(vec![limit_error(
            "batch",
            format!(
                "the request has {operations} operations; the limit is {}",
                state.max_batch
            ),
        )]);
        stamp_errors(&mut response, request_id);
        return respond(
            BatchResponse::Single(response),
            headers,
            Some(StatusCode::BAD_REQUEST),
        );
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let viewer = match auth::authenticate(
        &state.db,
        &state.verifier,
        &state.organizations,
        authorization,
    )
    .await
    {
        Ok(viewer) => auth::Viewer {
            // A client may send its own id; the audit trail keeps at most 200 characters.
            request_id: Some(request_id.chars().take(200).collect()),
            ..viewer
        },
        Err(err) => return refuse(err, request_id, headers),
    };
    let span = tracing::Span::current();
    span.record("org", viewer.org_slug.as_str());
    span.record("principal_kind", viewer.principal_kind());
    if let Some(limit) = &state.rate_limit {
        let principal = format!("{}:{}", viewer.org_id, viewer.principal_name());
        if let Err(retry_after_secs) = limit.check(&principal) {
            metrics::counter!("journeygraph_rate_limited_total").increment(1);
            return refuse(
                AppError::RateLimited { retry_after_secs },
                request_id,
                headers,
            );
        }
    }
    let prepare = |request: async_graphql::Request| {
        crate::graphql::loaders::attach(request, &state.db, viewer.org_id)
            .data(viewer.clone())
            .data(state.db.clone())
            .data(state.analytics_db.clone())
            .data(state.alerts.clone())
    };
    let operations: Vec<String> = batch
        .iter()
        .map(|r| {
            let name = r
                .operation_name
                .as_deref()
                .or_else(|| super::metrics::document_operation_name(&r.query));
            super::metrics::operation_label(name)
        })
        .collect();
    let started = std::time::Instant::now();
    let batched = matches!(batch, BatchRequest::Batch(_));
    let requests: Vec<async_graphql::Request> = match batch {
        BatchRequest::Single(request) => vec![prepare(request)],
        BatchRequest::Batch(list) => list.into_iter().map(prepare).collect(),
    };
    if let Some(first) = operations.first() {
        span.record("operation", first.as_str());
    }
    let mut admitted = Vec::with_capacity(requests.len());
    for mut request in requests {
        let checked = admit(&state, &mut request);
        let ty = match checked {
            Ok(()) => operation_type(&mut request),
            Err(_) => None,
        };
        if let (true, Some(ty)) = (admitted.is_empty(), ty) {
            span.record("operation_type", ty.to_string().as_str());
        }
        if method == Method::Get && ty.is_some_and(|ty| ty != OperationType::Query) {
            let error = AppError::bad_input("query", "mutations are sent with POST, never GET");
            let mut response =
                refuse_with(StatusCode::METHOD_NOT_ALLOWED, error, request_id, headers);
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        admitted.push(checked.map(|()| request));
    }
    let execute = |admitted: Result<async_graphql::Request, ServerError>| {
        let state = &state;
        async move {
            match admitted {
                Ok(request) => state.schema.execute(request).await,
                Err(refused) => Response::from_errors(vec![refused]),
            }
        }
    };
    // What `Schema::execute_batch` does (one after the other), on the
    // documents `admit` parsed (or copied from kept ones).
    let work = async {
        if batched {
            let mut answers = Vec::with_capacity(admitted.len());
            for request in admitted {
                answers.push(execute(request).await);
            }
            BatchResponse::Batch(answers)
        } else {
            match admitted.into_iter().next() {
                Some(request) => BatchResponse::Single(execute(request).await),
                None => BatchResponse::Batch(Vec::new()),
            }
        }
    };
    let mut response = match guarded(work, state.request_timeout).await {
        Ok(response) => response,
        Err(err @ AppError::Timeout) => return refuse(err, request_id, headers),
        Err(err) => {
            return refuse_with(StatusCode::INTERNAL_SERVER_ERROR, err, request_id, headers);
        }
    };
    match &mut response {
        BatchResponse::Single(single) => stamp_errors(single, request_id),
        BatchResponse::Batch(list) => list.iter_mut().for_each(|r| stamp_errors(r, request_id)),
    }
    let seconds = started.elapsed().as_secs_f64();
    let responses: Vec<&Response> = match &response {
        BatchResponse::Single(single) => vec![single],
        BatchResponse::Batch(list) => list.iter().collect(),
    };
    for (operation, r) in operations.into_iter().zip(responses) {
        super::metrics::record_operation(operation, outcome_code(r), seconds);
    }
    respond(response, headers, None)
}

/// Runs `work` under the request deadline: past it the work is dropped
/// (with its database work; a transaction rolls back) and the answer is
/// TIMEOUT; a panic inside it becomes INTERNAL and the process serves on.
async fn guarded<T>(work: impl Future<Output = T>, deadline: Duration) -> Result<T, AppError> {
    match tokio::time::timeout(deadline, AssertUnwindSafe(work).catch_unwind()).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => {
            tracing::error!("a resolver panicked");
            Err(AppError::Internal(anyhow::anyhow!("a resolver panicked")))
        }
        Err(_) => Err(AppError::Timeout),
    }
}

/// The code of a response's first error, or `OK`.
fn outcome_code(response: &Response) -> &'static str {
    const CODES: &[&str] = &[
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "IDEMPOTENCY_CONFLICT",
        "RATE_LIMITED",
        "TIMEOUT",
        "UNAVAILABLE",
    ];
    let Some(error) = response.errors.first() else {
        return "OK";
    };
    let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(code)) => code.as_str(),
        _ => "",
    };
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("INTERNAL")
}

/// Serializes `response` with the media type the client accepts. With
/// `application/graphql-response+json`, a single operation that failed
/// before execution (no data) is HTTP 400, as the specification says.
fn respond(
    response: BatchResponse,
    headers: &HeaderMap,
    status: Option<StatusCode>,
) -> axum::response::Response {
    let accepts_graphql = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(GRAPHQL_RESPONSE));
    let failed_before_execution = match &response {
        BatchResponse::Single(r) => before_execution(r),
        BatchResponse::Batch(_) => false,
    };
    let status = status.unwrap_or(if accepts_graphql && failed_before_execution {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    });
    let media_type = if accepts_graphql {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    match serialize(&response) {
        Ok(body) => (status, [(header::CONTENT_TYPE, media_type)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "response did not serialize");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The JSON of `response`. A request that never reached execution has no
/// `data` entry at all (the GraphQL specification, "Response Format"); only
/// then is the answer rebuilt as a value to drop it, so answers that ran
/// are written straight out.
fn serialize(response: &BatchResponse) -> serde_json::Result<Vec<u8>> {
    let answers: Vec<&Response> = match response {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(list) => list.iter().collect(),
    };
    if !answers.iter().any(|a| before_execution(a)) {
        return serde_json::to_vec(response);
    }
    let mut body = serde_json::to_value(response)?;
    let bodies: Vec<&mut serde_json::Value> = match &mut body {
        serde_json::Value::Array(list) => list.iter_mut().collect(),
        single => vec![single],
    };
    for (answer, body) in answers.into_iter().zip(bodies) {
        if let (true, Some(object)) = (before_execution(answer), body.as_object_mut()) {
            object.remove("data");
        }
    }
    serde_json::to_vec(&body)
}

/// Whether `response` failed before execution began: no data, and no
/// error raised by a field (those carry a path).
fn before_execution(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Adds the request id to every error and makes sure each has a code.
/// Errors async-graphql raises itself carry none: a value of the wrong type
/// and a depth or complexity limit become BAD_USER_INPUT, any other error
/// before execution GRAPHQL_VALIDATION_FAILED (parse failures are coded
/// when parsed, in `admit`); anything else that escaped a resolver without
/// a code becomes INTERNAL with a generic message.
fn stamp_errors(response: &mut Response, request_id: &str) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            if let Some(path) = argument_path(&error.message) {
                extensions.set("code", "BAD_USER_INPUT");
                extensions.set("path", path);
            } else if let Some(limit) = match error.message.as_str() {
                "Query is nested too deep." => Some("depth"),
                "Query is too complex." => Some("complexity"),
                _ => None,
            } {
                extensions.set("code", "BAD_USER_INPUT");
                extensions.set("limit", limit);
            } else if is_argument_error(&error.message) {
                extensions.set("code", "BAD_USER_INPUT");
            } else if error.path.is_empty() {
                // Raised before execution: the document breaks a rule of
                // the schema (an unknown field, a missing argument, ...).
                extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
            } else {
                tracing::error!(message = %error.message, "error without a code");
                error.message = "internal error; quote the request id when reporting it".into();
                extensions.set("code", "INTERNAL");
            }
        }
        extensions.set("requestId", request_id);
    }
}

/// Whether an uncoded error is about a value the client gave (an argument
/// or variable of the wrong type), before or during execution.
fn is_argument_error(message: &str) -> bool {
    message.starts_with("Failed to parse")
        || message.starts_with("Expected input type")
        || message.starts_with("Invalid value for argument")
        || message.starts_with("Invalid value for variable")
}

/// The path validation names in `Invalid value for argument "input.3.department", ...`,
/// written as every other error writes paths: `input[3].department`.
fn argument_path(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let dotted = &rest[..rest.find('"')?];
    let mut path = String::with_capacity(dotted.len() + 4);
    for (i, part) in dotted.split('.').enumerate() {
        if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
            path.push_str(&format!("[{part}]"));
        } else {
            if i > 0 {
                path.push('.');
            }
            path.push_str(part);
        }
    }
    Some(path)
}

/// A request refused or cut short: a bad credential (401), a rate limit
/// (429 with `Retry-After`), the deadline (504), the database (503); a
/// GraphQL error body either way.
fn refuse(err: AppError, request_id: &str, headers: &HeaderMap) -> axum::response::Response {
    let status = match err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        AppError::Unavailable | AppError::Db(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let retry_after = match err {
        AppError::RateLimited { retry_after_secs } => Some(retry_after_secs),
        _ => None,
    };
    let mut http = refuse_with(status, err, request_id, headers);
    if let Some(secs) = retry_after
        && let Ok(value) = HeaderValue::from_str(&secs.to_string())
    {
        http.headers_mut().insert(header::RETRY_AFTER, value);
    }
    if status == StatusCode::UNAUTHORIZED {
        http.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    http
}

/// A GraphQL error body for `err` with HTTP `status`.
pub(super) fn refuse_with(
    status: StatusCode,
    err: AppError,
    request_id: &str,
    headers: &HeaderMap,
) -> axum::response::Response {
    let mut response = Response::from_errors(vec![ServerError::new(err.to_string(), None)]);
    let gql = err.extend();
    if let Some(first) = response.errors.first_mut() {
        first.message = gql.message;
        first.extensions = gql.extensions;
    }
    stamp_errors(&mut response, request_id);
    respond(BatchResponse::Single(response), headers, Some(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_paths_are_written_as_record_paths() {
        assert_eq!(
            argument_path(
                r#"Invalid value for argument "input.3.department", enumeration type "Department" does not contain the value "NOPE""#
            )
            .as_deref(),
            Some("input[3].department")
        );
        assert_eq!(
            argument_path(r#"Invalid value for argument "window", field "to" ..."#).as_deref(),
            Some("window")
        );
        assert_eq!(argument_path("Unknown field"), None);
    }

    #[tokio::test]
    async fn panics_become_internal_and_slow_work_times_out() {
        let panicking = async {
            panic!("a resolver bug");
        };
        let caught: Result<(), AppError> = guarded(panicking, Duration::from_secs(1)).await;
        assert_eq!(caught.map_err(|e| e.code()), Err("INTERNAL"));
        let slow = tokio::time::sleep(Duration::from_secs(5));
        let cut = guarded(slow, Duration::from_millis(10)).await;
        assert_eq!(cut.map_err(|e| e.code()), Err("TIMEOUT"));
        let fine = guarded(async { 7 }, Duration::from_secs(1)).await;
        assert_eq!(fine.map_err(|e| e.code()), Ok(7));
    }
}
