//! People's JWTs: verification (algorithm pinned, `iss`, `aud`, `exp`, `nbf`
//! checked with a small leeway) and minting for `journeygraph token mint`.

use crate::domain::Role;
use crate::error::AppError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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

/// Verifies tokens with one pinned algorithm and key.
#[derive(Clone)]
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl JwtVerifier {
    /// A verifier accepting only `algorithm`, `issuer` and `audience`.
    pub fn new(
        algorithm: Algorithm,
        key: DecodingKey,
        issuer: &str,
        audience: &str,
        leeway_secs: u64,
    ) -> JwtVerifier {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = leeway_secs;
        JwtVerifier { key, validation }
    }

    /// Verifies signature and claims; any failure is UNAUTHENTICATED with a
    /// reason that tells the holder what to fix but nothing about our keys.
    pub fn verify(&self, token: &str) -> Result<VerifiedClaims, AppError> {
        use jsonwebtoken::errors::ErrorKind;
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|err| {
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
                AppError::Unauthenticated(reason.into())
            })?;
        let claims = data.claims;
        if claims.sub.trim().is_empty()
            || claims.sub.len() > 255
            || claims.sub.chars().any(char::is_control)
        {
            return Err(AppError::Unauthenticated(
                "the token's sub names nobody (empty, over 255 bytes or with control characters)"
                    .into(),
            ));
        }
        let role = Role::from_claim(&claims.role)
            .ok_or_else(|| AppError::Unauthenticated("the token has an unknown role".into()))?;
        Ok(VerifiedClaims {
            sub: claims.sub,
            org: claims.org,
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
