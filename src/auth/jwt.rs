//! People's JWTs: verification (algorithm pinned, `iss`, `aud`, `exp`, `nbf`
//! checked with a small leeway; the key fixed by configuration or chosen by
//! `kid` from the identity provider's key set; organization and role read
//! from configurable claims) and minting for `journeygraph token mint`.

use super::jwks::Jwks;
use crate::domain::Role;
use crate::error::AppError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The claims journeygraph reads from a person's token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Organization slug.
    pub org: String,
    /// ADMIN | LEADER | AGENT (any case).
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
}

/// Claims after verification, with the role parsed.
#[derive(Clone, Debug)]
pub struct VerifiedClaims {
    pub sub: String,
    pub org: String,
    pub role: Role,
}

/// Where a token's key comes from.
#[derive(Clone)]
pub enum KeySource {
    /// One key from configuration (a secret or a PEM file).
    Fixed(DecodingKey),
    /// The identity provider's key set, by `kid`.
    Jwks(Arc<Jwks>),
}

/// Which claims name the organization and the role.
#[derive(Clone, Debug)]
pub struct ClaimMapping {
    /// A claim name, or a JSON pointer into the claims (`/app/org`).
    pub org: String,
    /// A claim name or JSON pointer; a string or a list of strings (groups).
    pub role: String,
    /// Claim value -> role. Empty: the values are role names themselves.
    pub roles: Vec<(String, Role)>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        ClaimMapping {
            org: "org".into(),
            role: "role".into(),
            roles: Vec::new(),
        }
    }
}

impl ClaimMapping {
    /// Parses `--jwt-role-map`: `value=ROLE` pairs separated by commas
    /// (`jg-admins=ADMIN,jg-leads=LEADER`).
    pub fn parse_roles(text: &str) -> anyhow::Result<Vec<(String, Role)>> {
        text.split(',')
            .filter(|pair| !pair.trim().is_empty())
            .map(|pair| {
                let (value, role) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--jwt-role-map: `{pair}` is not value=ROLE"))?;
                let role = Role::from_claim(role.trim()).ok_or_else(|| {
                    anyhow::anyhow!("--jwt-role-map: `{role}` is not ADMIN, LEADER or AGENT")
                })?;
                Ok((value.trim().to_owned(), role))
            })
            .collect()
    }

    fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
        if name.starts_with('/') {
            claims.pointer(name)
        } else {
            claims.get(name)
        }
    }

    /// The organization slug and the role the claims give. With several
    /// values (a groups list), the strongest role wins: ADMIN, LEADER, AGENT.
    fn read(&self, claims: &Value) -> Result<(String, Role), AppError> {
        let refused = |why: String| AppError::Unauthenticated(why);
        let org = Self::claim(claims, &self.org)
            .and_then(Value::as_str)
            .filter(|org| !org.is_empty())
            .ok_or_else(|| {
                refused(format!(
                    "the token has no `{}` claim naming an organization",
                    self.org
                ))
            })?;
        let values: Vec<&str> = match Self::claim(claims, &self.role) {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let role = values
            .iter()
            .filter_map(|value| {
                if self.roles.is_empty() {
                    Role::from_claim(value)
                } else {
                    self.roles
                        .iter()
                        .find(|(v, _)| v == value)
                        .map(|(_, role)| *role)
                }
            })
            .min_by_key(|role| match role {
                Role::Admin => 0,
                Role::Leader => 1,
                Role::Agent => 2,
            })
            .ok_or_else(|| {
                refused(format!(
                    "the token's `{}` claim names no role this server knows",
                    self.role
                ))
            })?;
        Ok((org.to_owned(), role))
    }
}

/// Verifies tokens with one pinned algorithm.
#[derive(Clone)]
pub struct JwtVerifier {
    keys: KeySource,
    validation: Validation,
    claims: ClaimMapping,
}

impl JwtVerifier {
    /// A verifier accepting only `algorithm`, `issuer` and `audience`.
    pub fn new(
        algorithm: Algorithm,
        keys: KeySource,
        issuer: &str,
        audience: &str,
        leeway_secs: u64,
        claims: ClaimMapping,
    ) -> JwtVerifier {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = leeway_secs;
        JwtVerifier {
            keys,
            validation,
            claims,
        }
    }

    /// The identity provider's key set, when keys come from one.
    pub fn jwks(&self) -> Option<&Arc<Jwks>> {
        match &self.keys {
            KeySource::Jwks(jwks) => Some(jwks),
            KeySource::Fixed(_) => None,
        }
    }

    /// Verifies signature and claims; any failure is UNAUTHENTICATED with a
    /// reason that tells the holder what to fix but nothing about our keys.
    pub async fn verify(&self, token: &str) -> Result<VerifiedClaims, AppError> {
        use jsonwebtoken::errors::ErrorKind;
        let refused = |why: &str| AppError::Unauthenticated(why.into());
        let key = match &self.keys {
            KeySource::Fixed(key) => key.clone(),
            KeySource::Jwks(jwks) => {
                let header = jsonwebtoken::decode_header(token)
                    .map_err(|_| refused("the token is malformed"))?;
                let kid = header
                    .kid
                    .ok_or_else(|| refused("the token names no key (kid)"))?;
                jwks.key(&kid).await.ok_or_else(|| {
                    refused("the token's key (kid) is not one the identity provider publishes")
                })?
            }
        };
        let data = jsonwebtoken::decode::<Value>(token, &key, &self.validation).map_err(|err| {
            let reason = match err.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
                ErrorKind::InvalidIssuer => "the token has the wrong issuer",
                ErrorKind::InvalidAudience => "the token has the wrong audience",
                ErrorKind::InvalidAlgorithm => {
                    "the token uses an algorithm this server does not accept"
                }
                ErrorKind::InvalidSignature => "the token signature does not verify",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                _ => "the token is malformed",
            };
            refused(reason)
        })?;
        let claims = data.claims;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if sub.trim().is_empty() || sub.len() > 255 || sub.chars().any(char::is_control) {
            return Err(refused(
                "the token's sub names nobody (empty, over 255 bytes or with control characters)",
            ));
        }
        let (org, role) = self.claims.read(&claims)?;
        Ok(VerifiedClaims {
            sub: sub.to_owned(),
            org,
            role,
        })
    }
}

/// Mints tokens (CLI and demo only; the server never needs to).
pub struct JwtSigner {
    pub algorithm: Algorithm,
    pub key: EncodingKey,
    pub issuer: String,
    pub audience: String,
}

impl JwtSigner {
    /// A token for `subject` in organization `org` with `role`, valid for `ttl_secs`.
    pub fn mint(
        &self,
        org: &str,
        subject: &str,
        role: Role,
        ttl_secs: u64,
    ) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            org: org.to_owned(),
            role: role.as_str().to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_secs,
            nbf: now,
            iat: now,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(self.algorithm),
            &claims,
            &self.key,
        )?)
    }
}
