//! Who is asking: credentials in, a [`Viewer`] out.
//!
//! `Authorization: Bearer <JWT>` is a person; `Authorization: Bearer jg_...`
//! is a partner system's API token. A missing or bad credential is
//! UNAUTHENTICATED, never anonymous. The organization comes only from the
//! credential.

pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod org_cache;
pub mod viewer;

pub use org_cache::OrgCache;
pub use viewer::{Principal, Viewer};

use crate::error::AppError;
use crate::service::api_token;
use jwt::JwtVerifier;
use sea_orm::DatabaseConnection;

/// Resolves the `Authorization` header value into a [`Viewer`].
pub async fn authenticate(
    db: &DatabaseConnection,
    verifier: &JwtVerifier,
    organizations: &OrgCache,
    authorization: Option<&str>,
) -> Result<Viewer, AppError> {
    let header = authorization
        .ok_or_else(|| AppError::Unauthenticated("missing Authorization header".into()))?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated("expected `Authorization: Bearer <token>`".into())
        })?;
    if token.starts_with("jg_") {
        return api_token::authenticate(db, token).await;
    }
    let claims = verifier.verify(token).await?;
    let org_id = organizations.id_of(db, &claims.org).await?.ok_or_else(|| {
        AppError::Unauthenticated("the token names an unknown organization".into())
    })?;
    Ok(Viewer::person(org_id, claims.org, claims.sub, claims.role))
}
