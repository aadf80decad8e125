//! Keyed hashes of personal data: each organization has a random key
//! (`organization.erasure_key`, made when first needed), and what must be
//! recognisable after an erasure is kept only as HMAC-SHA256 under it:
//! the erased identities and emails (the suppression list) and the
//! customer's pseudonym in the audit trail. Who reads the table alone
//! cannot tell who is in it; who holds the whole database can test a
//! guessed email against it, which docs/personal-data.md says.

use crate::error::{AppError, AppResult};
use entity::organization;
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sha2::Sha256;

/// An organization's hashing key, as an HMAC state already keyed: each
/// hash clones it instead of hashing the key again (a batch hashes up to
/// 2,000 identities and emails).
#[derive(Clone)]
pub struct ErasureKey(Hmac<Sha256>);

impl ErasureKey {
    /// The first 128 bits of the HMAC, in hex (RFC 4868 truncates the same
    /// way; a shorter probe is cheaper to send and compare).
    fn hash(&self, text: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(text.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The suppression hash of a partner identity.
    pub fn identity(&self, source: &str, external_id: &str) -> String {
        // The unit separator cannot occur in either part (validated text).
        self.hash(&format!("identity\u{1f}{source}\u{1f}{external_id}"))
    }

    /// The suppression hash of an email, normalized as identity resolution
    /// does (trimmed, lower case).
    pub fn email(&self, email: &str) -> String {
        self.hash(&format!("email\u{1f}{}", email.trim().to_lowercase()))
    }

    /// The pseudonym the audit trail names customer `id` by: stable while
    /// the key is, and all that is left of the id after an erasure.
    pub fn customer_ref(&self, id: i64) -> String {
        format!("cust_{}", &self.hash(&format!("customer\u{1f}{id}"))[..24])
    }
}

/// The organization's key, if it has one yet.
pub async fn existing<C: ConnectionTrait>(db: &C, org_id: i64) -> AppResult<Option<ErasureKey>> {
    let key: Option<Option<String>> = organization::Entity::find()
        .select_only()
        .column(organization::Column::ErasureKey)
        .filter(organization::Column::Id.eq(org_id))
        .into_tuple()
        .one(db)
        .await?;
    let key = key.ok_or(AppError::NotFound("organization"))?;
    key.map(|hex_key| parse(&hex_key)).transpose()
}

/// The organization's key, made now if it has none. Two writers racing to
/// make it agree: only the first UPDATE finds the column empty.
pub async fn ensure<C: ConnectionTrait>(db: &C, org_id: i64) -> AppResult<ErasureKey> {
    if let Some(key) = existing(db, org_id).await? {
        return Ok(key);
    }
    let fresh: [u8; 32] = rand::random();
    organization::Entity::update_many()
        .col_expr(
            organization::Column::ErasureKey,
            Expr::value(hex::encode(fresh)),
        )
        .filter(organization::Column::Id.eq(org_id))
        .filter(organization::Column::ErasureKey.is_null())
        .exec(db)
        .await?;
    existing(db, org_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the erasure key was not stored")))
}

/// A key as `organization.erasure_key` stores it (hex).
pub fn parse(text: &str) -> AppResult<ErasureKey> {
    let bytes = hex::decode(text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("corrupt erasure key: {e}")))?;
    let mac = Hmac::<Sha256>::new_from_slice(&bytes)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    Ok(ErasureKey(mac))
}
