//! The one public error vocabulary of journeygraph.
//!
//! Which variant to use:
//! - `Unauthenticated`: no credential, or one we cannot verify. Never fall
//!   back to anonymous.
//! - `Forbidden`: a verified caller asked for something its role or scopes
//!   do not allow.
//! - `NotFound`: the thing does not exist *in the caller's organization*.
//!   Another organization's id answers exactly like an unknown id.
//! - `BadUserInput`: the request names a field (`path`) that is wrong.
//! - `IdempotencyConflict`: an immutable record was re-sent with other content.
//! - `Suppressed`: records name a person erased from the organization.
//! - `RateLimited`, `Timeout`, `Unavailable`: retryable conditions.
//! - `Db` / `Internal`: our fault. The detail is logged with the request id;
//!   the client gets a generic message only.
//!
//! Every variant becomes `extensions.code` on the GraphQL error.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// An error a client can act on, or an opaque internal one.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{path}: {message}")]
    BadUserInput { path: String, message: String },
    #[error("{0}")]
    IdempotencyConflict(String),
    #[error(
        "{} record(s) name a person erased from this organization (the first: {}); records about them are refused until an ADMIN lifts the suppression",
        paths.len(),
        paths.first().map_or("", String::as_str)
    )]
    Suppressed { paths: Vec<String> },
    #[error("rate limit exceeded, retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the request took longer than its deadline")]
    Timeout,
    #[error("the database is unavailable, retry later")]
    Unavailable,
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A `BadUserInput` for the argument or input field at `path`.
    pub fn bad_input(path: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::BadUserInput {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The `extensions.code` this error is sent with.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::IdempotencyConflict(_) => "IDEMPOTENCY_CONFLICT",
            AppError::Suppressed { .. } => "SUPPRESSED",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Timeout => "TIMEOUT",
            AppError::Unavailable => "UNAVAILABLE",
            AppError::Db(err) if is_connection_error(err) => "UNAVAILABLE",
            AppError::Db(_) | AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees: internal detail never leaves the process.
    fn public_message(&self) -> String {
        match self.code() {
            "UNAVAILABLE" => AppError::Unavailable.to_string(),
            "INTERNAL" => "internal error; quote the request id when reporting it".to_owned(),
            _ => self.to_string(),
        }
    }
}

/// Whether a database error means "cannot reach the database" (retryable).
/// Whether the database itself is unreachable or went away (retryable):
/// no connection could be made or acquired, the socket broke, or the server
/// is shutting down or dropped our session (SQLSTATE classes 08 and 57P).
fn is_connection_error(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => return true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

impl ErrorExtensions for AppError {
    /// The GraphQL error: public message and `extensions.code` (plus `path`
    /// for bad input, `retryAfter` for rate limits). Internal detail is logged.
    fn extend(&self) -> async_graphql::Error {
        let err = self;
        if matches!(err.code(), "INTERNAL" | "UNAVAILABLE") {
            tracing::error!(error = ?err, "request failed");
        }
        let code = err.code();
        let message = err.public_message();
        let path = match &err {
            AppError::BadUserInput { path, .. } => Some(path.clone()),
            AppError::Suppressed { paths } => paths.first().cloned(),
            _ => None,
        };
        let paths = match &err {
            AppError::Suppressed { paths } => Some(paths.clone()),
            _ => None,
        };
        let retry_after = match &err {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(path) = &path {
                ext.set("path", path.as_str());
            }
            if let Some(paths) = &paths {
                ext.set("paths", paths.clone());
            }
            if let Some(secs) = retry_after {
                ext.set("retryAfter", secs);
            }
        })
    }
}

/// Result of service functions.
pub type AppResult<T> = Result<T, AppError>;

/// Turns a service result into a resolver result, keeping the error code.
/// (A bare `?` would go through async-graphql's `Display` conversion and
/// lose the code; the HTTP layer marks such errors INTERNAL as a backstop.)
pub trait IntoGraphql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGraphql<T> for AppResult<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|err| err.extend())
    }
}
