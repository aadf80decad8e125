//! Partner API tokens: `jg_` + 40 hex characters of randomness (160 bits) +
//! an 8-hex checksum, so a mistyped token is refused without a database read.
//! Only the SHA-256 of the whole token is stored; the secret is shown once.

use super::audit::{self, Act, Actor};
use crate::auth::{Principal, Viewer};
use crate::domain::{AuditAction, Department, Scope};
use crate::error::{AppError, AppResult};
use crate::time::{DAY_MS, now_millis};
use entity::{api_token, organization};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use sha2::{Digest, Sha256};

const PREFIX: &str = "jg_";
const BODY_HEX: usize = 40;
const CHECK_HEX: usize = 8;
/// `last_used_at` is written at most this often per token (one write per
/// request would make every read a write).
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// What `createApiToken` takes.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub departments: Option<Vec<Department>>,
    /// Lifetime, 1..=[`MAX_EXPIRY_DAYS`]; every new token expires.
    pub expires_in_days: i64,
}

/// A token's lifetime when its creator names none.
pub const DEFAULT_EXPIRY_DAYS: i64 = 365;
/// The longest lifetime a token may be given.
pub const MAX_EXPIRY_DAYS: i64 = 3650;

fn checksum(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..CHECK_HEX / 2])
}

/// SHA-256 of the token, the only form stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh token text.
fn generate() -> String {
    let random: [u8; BODY_HEX / 2] = rand::random();
    let body = hex::encode(random);
    format!("{PREFIX}{body}{}", checksum(&body))
}

/// Whether `token` has our shape and a valid checksum.
pub fn well_formed(token: &str) -> bool {
    let Some(rest) = token.strip_prefix(PREFIX) else {
        return false;
    };
    if rest.len() != BODY_HEX + CHECK_HEX || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let (body, check) = rest.split_at(BODY_HEX);
    checksum(body) == check
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn split<T: std::str::FromStr>(text: &str) -> Vec<T> {
    text.split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Creates a token in the actor's organization, audited; returns the row
/// and the secret (shown once).
pub async fn create_in_org<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    by: &Actor,
    new: &NewToken,
) -> AppResult<(api_token::Model, String)> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_input(
            "name",
            "give the token a name of 1-200 characters",
        ));
    }
    if new.scopes.is_empty() {
        return Err(AppError::bad_input(
            "scopes",
            "give the token at least one scope",
        ));
    }
    if new.departments.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::bad_input(
            "departments",
            "omit departments to allow all, or name at least one",
        ));
    }
    if !(1..=MAX_EXPIRY_DAYS).contains(&new.expires_in_days) {
        return Err(AppError::bad_input(
            "expiresInDays",
            format!("use 1..={MAX_EXPIRY_DAYS} days"),
        ));
    }
    let expires_at = Some(now_millis() + new.expires_in_days * DAY_MS);
    let secret = generate();
    let txn = db.begin().await?;
    let row = api_token::ActiveModel {
        id: NotSet,
        org_id: Set(by.org_id),
        name: Set(name.to_owned()),
        prefix: Set(secret[..PREFIX.len() + 8].to_owned()),
        secret_hash: Set(hash(&secret)),
        scopes: Set(join(&new.scopes)),
        departments: Set(new.departments.as_deref().map(join)),
        created_by: Set(by.name.clone()),
        created_at: Set(now_millis()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record_by(
        &txn,
        by,
        Act::on(
            AuditAction::ApiTokenCreated,
            format!("api_token:{}", row.id),
            json!({
                "name": row.name,
                "scopes": row.scopes,
                "departments": row.departments,
                "expiresAt": row.expires_at,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((row, secret))
}

/// `createApiToken`: ADMIN people only.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    viewer: &Viewer,
    new: &NewToken,
) -> AppResult<(api_token::Model, String)> {
    viewer.require_admin()?;
    create_in_org(db, &Actor::from(viewer), new).await
}

/// `apiTokens`: ADMIN people only; newest first.
pub async fn list<C: ConnectionTrait>(db: &C, viewer: &Viewer) -> AppResult<Vec<api_token::Model>> {
    viewer.require_admin()?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::OrgId.eq(viewer.org_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// The API token `id` of the viewer's organization (ADMIN only).
pub async fn get<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: i64,
) -> AppResult<api_token::Model> {
    viewer.require_admin()?;
    api_token::Entity::find()
        .filter(api_token::Column::OrgId.eq(viewer.org_id))
        .filter(api_token::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("API token"))
}

/// `revokeApiToken`: effective for the next request. Revoking a revoked
/// token changes (and audits) nothing.
pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    viewer: &Viewer,
    id: i64,
) -> AppResult<api_token::Model> {
    let row = get(db, viewer, id).await?;
    revoke_row(db, &Actor::from(viewer), row).await
}

/// Revokes `row` (of the actor's organization), audited.
pub async fn revoke_row<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    by: &Actor,
    row: api_token::Model,
) -> AppResult<api_token::Model> {
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let txn = db.begin().await?;
    let mut active = row.into_active_model();
    active.revoked_at = Set(Some(now_millis()));
    let row = active.update(&txn).await?;
    audit::record_by(
        &txn,
        by,
        Act::on(
            AuditAction::ApiTokenRevoked,
            format!("api_token:{}", row.id),
            json!({"name": row.name}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Resolves a `jg_` token to its viewer, or UNAUTHENTICATED.
pub async fn authenticate<C: ConnectionTrait>(db: &C, token: &str) -> AppResult<Viewer> {
    let refused = |why: &str| AppError::Unauthenticated(why.to_owned());
    if !well_formed(token) {
        return Err(refused("the API token is malformed"));
    }
    let row = api_token::Entity::find()
        .filter(api_token::Column::SecretHash.eq(hash(token)))
        .one(db)
        .await?
        .ok_or_else(|| refused("unknown API token"))?;
    let now = now_millis();
    if row.revoked_at.is_some() {
        return Err(refused("the API token has been revoked"));
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Err(refused("the API token has expired"));
    }
    let org = organization::Entity::find_by_id(row.org_id)
        .one(db)
        .await?
        .ok_or_else(|| refused("unknown API token"))?;
    if row
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_GRANULARITY_MS)
    {
        let mut active = row.clone().into_active_model();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Viewer {
        org_id: org.id,
        org_slug: org.slug,
        principal: Principal::Partner {
            token_id: row.id,
            name: row.name,
            scopes: split(&row.scopes),
            departments: row.departments.as_deref().map(split),
        },
        request_id: None,
    })
}

/// Scopes of a stored row.
pub fn scopes_of(row: &api_token::Model) -> Vec<Scope> {
    split(&row.scopes)
}

/// Departments of a stored row (None = all).
pub fn departments_of(row: &api_token::Model) -> Option<Vec<Department>> {
    row.departments.as_deref().map(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_typos_are_not() {
        let token = generate();
        assert!(well_formed(&token));
        assert_eq!(token.len(), 3 + 40 + 8);
        let mut typo = token.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert!(!well_formed(&String::from_utf8(typo).expect("ascii")));
        assert!(!well_formed("jg_short"));
        assert!(!well_formed(&token.replace("jg_", "xx_")));
    }
}
