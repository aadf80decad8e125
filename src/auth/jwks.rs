//! Keys from the company's identity provider (Okta, Entra ID, Google,
//! Keycloak): a JSON Web Key Set fetched from `--jwt-jwks-url`, keys chosen
//! by the token's `kid`. The set is fetched again every refresh interval and
//! once when a token names a `kid` we do not hold (at most once per
//! `min_refetch`, so a stream of made-up kids cannot turn into a stream of
//! fetches), so the provider can rotate keys without a restart. When the
//! provider cannot be reached, the keys already held keep working; with none
//! held, nobody gets in.

use crate::config::JwtAlgorithm;
use anyhow::Context;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The largest key set read (providers publish a few keys, a few KB).
const MAX_JWKS_BYTES: usize = 1 << 20;
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// A provider's key set, kept fresh.
pub struct Jwks {
    url: reqwest::Url,
    algorithm: JwtAlgorithm,
    client: reqwest::Client,
    keys: RwLock<Arc<HashMap<String, DecodingKey>>>,
    /// When the last fetch for an unknown kid started (successful or not);
    /// one such fetch at a time. The scheduled refresh does not count.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    min_refetch: Duration,
}

impl Jwks {
    /// A key set at `url` (https, or http on a loopback address) holding
    /// keys for `algorithm` only. Nothing is fetched until asked.
    pub fn new(url: &str, algorithm: JwtAlgorithm, min_refetch: Duration) -> anyhow::Result<Jwks> {
        let url = reqwest::Url::parse(url).with_context(|| format!("--jwt-jwks-url {url}"))?;
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
        let loopback =
            host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        anyhow::ensure!(
            url.scheme() == "https" || (url.scheme() == "http" && loopback),
            "--jwt-jwks-url must be https (http only on a loopback address)"
        );
        anyhow::ensure!(
            algorithm != JwtAlgorithm::Hs256,
            "--jwt-jwks-url needs --jwt-algorithm RS256, ES256 or EdDSA (a key set holds public keys)"
        );
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Jwks {
            url,
            algorithm,
            client,
            keys: RwLock::default(),
            last_fetch: tokio::sync::Mutex::new(None),
            min_refetch,
        })
    }

    /// The key `kid`: held, or fetched again if the last fetch is older
    /// than `min_refetch`.
    pub async fn key(&self, kid: &str) -> Option<DecodingKey> {
        if let Some(key) = self.held(kid) {
            return Some(key);
        }
        let mut last = self.last_fetch.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.held(kid) {
            return Some(key);
        }
        if last.is_some_and(|at| at.elapsed() < self.min_refetch) {
            return None;
        }
        *last = Some(Instant::now());
        self.fetch().await;
        self.held(kid)
    }

    fn held(&self, kid: &str) -> Option<DecodingKey> {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(kid).cloned()
    }

    /// Fetches the set now; on failure the held keys stay. Counted in
    /// `journeygraph_jwks_refreshes_total{outcome}`.
    pub async fn fetch(&self) {
        match self.download().await {
            Ok(keys) => {
                metrics::counter!("journeygraph_jwks_refreshes_total", "outcome" => "ok")
                    .increment(1);
                metrics::gauge!("journeygraph_jwks_keys").set(keys.len() as f64);
                tracing::info!(keys = keys.len(), url = %self.url, "fetched the JWKS");
                *self
                    .keys
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(keys);
            }
            Err(error) => {
                metrics::counter!("journeygraph_jwks_refreshes_total", "outcome" => "error")
                    .increment(1);
                tracing::warn!(error = %format!("{error:#}"), url = %self.url, "JWKS fetch failed; keeping the keys held");
            }
        }
    }

    async fn download(&self) -> anyhow::Result<HashMap<String, DecodingKey>> {
        let mut response = self.client.get(self.url.clone()).send().await?;
        anyhow::ensure!(response.status().is_success(), "HTTP {}", response.status());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            anyhow::ensure!(
                body.len() + chunk.len() <= MAX_JWKS_BYTES,
                "the key set is larger than {MAX_JWKS_BYTES} bytes"
            );
            body.extend_from_slice(&chunk);
        }
        let set: JwkSet = serde_json::from_slice(&body).context("not a JSON Web Key Set")?;
        Ok(usable_keys(&set, self.algorithm))
    }

    /// Fetches every `interval` for as long as the process runs.
    pub fn refresh_every(self: Arc<Self>, interval: Duration) {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            loop {
                ticks.tick().await;
                self.fetch().await;
            }
        });
    }
}

/// The keys of `set` a token signed with `algorithm` may name: with a
/// `kid`, of the algorithm's family, not for encryption, and not declaring
/// another algorithm. Symmetric (`oct`) keys are never taken from a set.
fn usable_keys(set: &JwkSet, algorithm: JwtAlgorithm) -> HashMap<String, DecodingKey> {
    let (family_fits, declared): (fn(&AlgorithmParameters) -> bool, KeyAlgorithm) = match algorithm
    {
        JwtAlgorithm::Rs256 => (
            |p| matches!(p, AlgorithmParameters::RSA(_)),
            KeyAlgorithm::RS256,
        ),
        JwtAlgorithm::Es256 => (
            |p| matches!(p, AlgorithmParameters::EllipticCurve(_)),
            KeyAlgorithm::ES256,
        ),
        JwtAlgorithm::EdDsa => (
            |p| matches!(p, AlgorithmParameters::OctetKeyPair(_)),
            KeyAlgorithm::EdDSA,
        ),
        JwtAlgorithm::Hs256 => return HashMap::new(),
    };
    set.keys
        .iter()
        .filter(|jwk| family_fits(&jwk.algorithm))
        .filter(|jwk| jwk.common.public_key_use != Some(PublicKeyUse::Encryption))
        .filter(|jwk| jwk.common.key_algorithm.is_none_or(|alg| alg == declared))
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((kid, key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_keys_of_the_configured_algorithm_are_taken() {
        let set: JwkSet = serde_json::from_value(serde_json::json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "enc", "use": "enc", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "other-alg", "alg": "RS256", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "oct", "kid": "secret", "k": "c2VjcmV0"},
        ]}))
        .expect("a key set");
        let keys = usable_keys(&set, JwtAlgorithm::EdDsa);
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ed"]);
        assert!(usable_keys(&set, JwtAlgorithm::Rs256).is_empty());
    }

    #[test]
    fn the_url_must_be_https_or_loopback() {
        let refused =
            |url: &str| Jwks::new(url, JwtAlgorithm::Rs256, Duration::from_secs(1)).is_err();
        assert!(!refused("https://idp.example.com/.well-known/jwks.json"));
        assert!(!refused("http://127.0.0.1:8080/jwks"));
        assert!(!refused("http://localhost/jwks"));
        assert!(refused("http://idp.example.com/jwks"));
        assert!(refused("file:///etc/passwd"));
        assert!(
            Jwks::new(
                "https://idp.example.com/jwks",
                JwtAlgorithm::Hs256,
                Duration::from_secs(1)
            )
            .is_err()
        );
    }
}
