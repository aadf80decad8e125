//! Key material for JWTs from settings. For HS256 without a configured
//! secret, a 256-bit secret is generated at first start and kept in a file
//! (mode 0600) beside the SQLite database — never in the repository.

use super::jwks::Jwks;
use super::jwt::{ClaimMapping, JwtSigner, JwtVerifier, KeySource};
use crate::config::{AuthSettings, JwtAlgorithm};
use crate::db::sqlite_file;
use anyhow::Context;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The verifier, an optional signer, and where a generated secret lives.
pub struct KeyMaterial {
    pub verifier: JwtVerifier,
    pub signer: Option<JwtSigner>,
    /// Set when the HS256 secret came from (or was written to) a file.
    pub secret_file: Option<PathBuf>,
}

fn algorithm(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::Hs256 => Algorithm::HS256,
        JwtAlgorithm::Rs256 => Algorithm::RS256,
        JwtAlgorithm::Es256 => Algorithm::ES256,
        JwtAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

/// Loads (or, for HS256, creates) the key material.
pub fn load(settings: &AuthSettings, database_url: &str) -> anyhow::Result<KeyMaterial> {
    anyhow::ensure!(
        settings.jwt_jwks_url.is_none() || settings.jwt_algorithm != JwtAlgorithm::Hs256,
        "--jwt-jwks-url needs --jwt-algorithm RS256, ES256 or EdDSA (a key set holds public keys)"
    );
    let alg = algorithm(settings.jwt_algorithm);
    let leeway = settings.jwt_leeway_secs;
    let (decoding, encoding, secret_file) = match settings.jwt_algorithm {
        JwtAlgorithm::Hs256 => {
            let (secret, file) = match &settings.jwt_secret {
                Some(secret) => (secret.expose_secret().as_bytes().to_vec(), None),
                None => {
                    let file = settings
                        .jwt_secret_file
                        .clone()
                        .unwrap_or_else(|| default_secret_file(database_url));
                    (read_or_create_secret(&file)?, Some(file))
                }
            };
            anyhow::ensure!(
                secret.len() >= 32,
                "the HS256 secret must be at least 32 bytes"
            );
            (
                KeySource::Fixed(DecodingKey::from_secret(&secret)),
                Some(EncodingKey::from_secret(&secret)),
                file,
            )
        }
        other if settings.jwt_jwks_url.is_some() => {
            let url = settings.jwt_jwks_url.as_deref().unwrap_or_default();
            let jwks = Jwks::new(
                url,
                other,
                std::time::Duration::from_secs(settings.jwt_jwks_min_refetch_secs),
            )?;
            (KeySource::Jwks(Arc::new(jwks)), None, None)
        }
        other => {
            let path = settings
                .jwt_public_key_file
                .as_ref()
                .context("--jwt-public-key-file is required for asymmetric JWT algorithms")?;
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let decoding = match other {
                JwtAlgorithm::Rs256 => DecodingKey::from_rsa_pem(&pem)?,
                JwtAlgorithm::Es256 => DecodingKey::from_ec_pem(&pem)?,
                _ => DecodingKey::from_ed_pem(&pem)?,
            };
            let encoding = match &settings.jwt_private_key_file {
                None => None,
                Some(path) => {
                    let pem = std::fs::read(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    Some(match other {
                        JwtAlgorithm::Rs256 => EncodingKey::from_rsa_pem(&pem)?,
                        JwtAlgorithm::Es256 => EncodingKey::from_ec_pem(&pem)?,
                        _ => EncodingKey::from_ed_pem(&pem)?,
                    })
                }
            };
            (KeySource::Fixed(decoding), encoding, None)
        }
    };
    let claims = ClaimMapping {
        org: settings.jwt_org_claim.clone(),
        role: settings.jwt_role_claim.clone(),
        roles: match &settings.jwt_role_map {
            Some(map) => ClaimMapping::parse_roles(map)?,
            None => Vec::new(),
        },
    };
    let verifier = JwtVerifier::new(
        alg,
        decoding,
        &settings.jwt_issuer,
        &settings.jwt_audience,
        leeway,
        claims,
    );
    let signer = encoding.map(|key| JwtSigner {
        algorithm: alg,
        key,
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
    });
    Ok(KeyMaterial {
        verifier,
        signer,
        secret_file,
    })
}

/// `<db file>.jwt-secret` beside a SQLite database, else in the working directory.
fn default_secret_file(database_url: &str) -> PathBuf {
    match sqlite_file(database_url) {
        Some(db) => {
            let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".jwt-secret");
            db.with_file_name(name)
        }
        None => PathBuf::from("journeygraph.jwt-secret"),
    }
}

fn read_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the JWT secret {}", path.display()))?;
        return base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .with_context(|| format!("{} is not base64", path.display()));
    }
    let secret: [u8; 32] = rand::random();
    let text = base64::engine::general_purpose::STANDARD.encode(secret);
    write_private(path, &text).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new JWT secret");
    Ok(secret.to_vec())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
