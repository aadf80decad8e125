//! People's tokens from an identity provider: keys from a JSON Web Key Set
//! served on loopback by the test, chosen by `kid`; the organization and the
//! role read from configured claims (a nested org, a `groups` list mapped to
//! roles). Rotation, an unknown kid (one refetch, rate-limited), a removed
//! key, the provider down (held keys keep working; none held, nobody in),
//! and the refusals every token gets.

mod common;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{AUDIENCE, ISSUER, SECRET, TestApp};
use journeygraph::config::JwtAlgorithm;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An Ed25519 key pair: the signing key and its public JWK.
struct KeyPair {
    kid: &'static str,
    signing: EncodingKey,
    x: String,
}

impl KeyPair {
    fn new(kid: &'static str) -> KeyPair {
        let seed: [u8; 32] = rand::random();
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        // PKCS#8 v1 for Ed25519: a fixed header, then the 32-byte seed.
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&seed);
        KeyPair {
            kid,
            signing: EncodingKey::from_ed_der(&der),
            x: URL_SAFE_NO_PAD.encode(public.to_bytes()),
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": self.kid, "x": self.x})
    }

    /// A token signed with this key, naming `kid`, with `claims` over the defaults.
    fn token(&self, kid: Option<&str>, claims: Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &with_defaults(claims), &self.signing).expect("sign")
    }
}

fn with_defaults(claims: Value) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    let mut all = json!({"sub": "okta|ana", "iss": ISSUER, "aud": AUDIENCE, "nbf": now - 5,
        "exp": now + 600, "app": {"org": "acme"}, "groups": ["everyone", "jg-leads"]});
    for (k, v) in claims.as_object().expect("claims") {
        all[k] = v.clone();
    }
    all
}

/// What the identity provider serves, and how often it was asked.
#[derive(Clone, Default)]
struct Provider {
    answer: Arc<Mutex<(u16, Value)>>,
    fetches: Arc<AtomicUsize>,
}

impl Provider {
    fn publish(&self, keys: &[&KeyPair]) {
        let set = json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()});
        *self.answer.lock().expect("lock") = (200, set);
    }
    fn go_down(&self) {
        *self.answer.lock().expect("lock") = (503, json!({"error": "maintenance"}));
    }
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

async fn jwks(State(provider): State<Provider>) -> impl IntoResponse {
    provider.fetches.fetch_add(1, Ordering::SeqCst);
    let (status, body) = provider.answer.lock().expect("lock").clone();
    (
        StatusCode::from_u16(status).expect("status"),
        axum::Json(body),
    )
}

/// The provider on a loopback port, and its key set URL.
async fn provider() -> (Provider, String) {
    let provider = Provider::default();
    let app = axum::Router::new()
        .route("/keys", axum::routing::get(jwks))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/keys", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (provider, url)
}

/// A server trusting `url`: refetch on an unknown kid at most once a
/// second, refresh every second, org at `/app/org`, roles from `groups`.
async fn server(url: String) -> TestApp {
    TestApp::sqlite_with(|s| {
        s.auth.jwt_algorithm = JwtAlgorithm::EdDsa;
        s.auth.jwt_secret = None;
        s.auth.jwt_jwks_url = Some(url);
        s.auth.jwt_jwks_refresh_secs = 1;
        s.auth.jwt_jwks_min_refetch_secs = 1;
        s.auth.jwt_org_claim = "/app/org".into();
        s.auth.jwt_role_claim = "groups".into();
        s.auth.jwt_role_map = Some("jg-admins=ADMIN, jg-leads=LEADER,support=AGENT".into());
    })
    .await
}

/// `{ viewer { organization role } }` as `token`: the viewer, or the refusal's message.
async fn who(app: &TestApp, token: &str) -> Result<Value, String> {
    let (status, body) = app
        .gql(Some(token), "{ viewer { principal role } }", json!({}))
        .await;
    match status {
        200 => Ok(body["data"]["viewer"].clone()),
        401 => {
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
            Err(body["errors"][0]["message"]
                .as_str()
                .expect("message")
                .to_owned())
        }
        other => panic!("HTTP {other}: {body}"),
    }
}

async fn wait_for_fetches(provider: &Provider, at_least: usize) {
    for _ in 0..100 {
        if provider.fetches() >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the key set was fetched {} times, not {at_least}",
        provider.fetches()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_come_from_the_provider_by_kid_and_roles_from_groups() {
    let (provider, url) = provider().await;
    let a = KeyPair::new("key-a");
    let b = KeyPair::new("key-b");
    provider.publish(&[&a]);
    let app = server(url).await;
    wait_for_fetches(&provider, 1).await;

    // Roles from the groups claim: the strongest mapped group wins.
    let leader = json!({"principal": "user:okta|ana", "role": "LEADER"});
    assert_eq!(
        who(&app, &a.token(Some("key-a"), json!({}))).await,
        Ok(leader.clone())
    );
    assert_eq!(
        who(
            &app,
            &a.token(Some("key-a"), json!({"groups": ["support", "jg-admins"]}))
        )
        .await,
        Ok(json!({"principal": "user:okta|ana", "role": "ADMIN"}))
    );
    assert_eq!(
        who(&app, &a.token(Some("key-a"), json!({"groups": "support"}))).await,
        Ok(json!({"principal": "user:okta|ana", "role": "AGENT"}))
    );
    assert_eq!(
        who(
            &app,
            &a.token(Some("key-a"), json!({"groups": ["everyone", "ADMIN"]}))
        )
        .await,
        Err("the token's `groups` claim names no role this server knows".into())
    );
    assert_eq!(
        who(
            &app,
            &a.token(Some("key-a"), json!({"app": {"org": "nobody"}}))
        )
        .await,
        Err("the token names an unknown organization".into())
    );
    assert_eq!(
        who(&app, &a.token(Some("key-a"), json!({"app": {}}))).await,
        Err("the token has no `/app/org` claim naming an organization".into())
    );

    // Rotation: the provider adds key B; the first token naming it fetches
    // the set again (once), and B is trusted from then on.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    provider.publish(&[&a, &b]);
    assert_eq!(
        who(&app, &b.token(Some("key-b"), json!({}))).await,
        Ok(leader.clone())
    );

    // Unknown kids: refused, and a burst of them fetches at most once more.
    let before = provider.fetches();
    for i in 0..30 {
        let kid = format!("made-up-{i}");
        assert_eq!(
            who(&app, &a.token(Some(&kid), json!({}))).await,
            Err("the token's key (kid) is not one the identity provider publishes".into())
        );
    }
    assert!(
        provider.fetches() - before <= 2,
        "{} fetches for 30 unknown kids",
        provider.fetches() - before
    );

    // A key the provider removed stops working at the next refresh.
    provider.publish(&[&b]);
    let removed = provider.fetches();
    wait_for_fetches(&provider, removed + 2).await;
    assert_eq!(
        who(&app, &a.token(Some("key-a"), json!({}))).await,
        Err("the token's key (kid) is not one the identity provider publishes".into())
    );
    assert_eq!(
        who(&app, &b.token(Some("key-b"), json!({}))).await,
        Ok(leader.clone())
    );

    // The provider down: the keys held keep working, failures are counted.
    provider.go_down();
    let down = provider.fetches();
    wait_for_fetches(&provider, down + 2).await;
    assert_eq!(
        who(&app, &b.token(Some("key-b"), json!({}))).await,
        Ok(leader.clone())
    );
    let metrics = reqwest::get(format!("{}/metrics", app.base))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text");
    let failed = metrics
        .lines()
        .find_map(|l| l.strip_prefix(r#"journeygraph_jwks_refreshes_total{outcome="error"} "#))
        .and_then(|n| n.parse::<u64>().ok())
        .expect("the failure counter");
    assert!(failed >= 2, "{failed}");
    assert!(metrics.contains("journeygraph_jwks_keys 1\n"), "{metrics}");

    // Every refusal still holds with keys from a set.
    let now = jsonwebtoken::get_current_timestamp();
    let hs256 = jsonwebtoken::encode(
        &Header {
            kid: Some("key-b".into()),
            ..Header::new(Algorithm::HS256)
        },
        &with_defaults(json!({})),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    // A leader's signature on an admin's claims.
    let signed: Vec<String> = b
        .token(Some("key-b"), json!({}))
        .split('.')
        .map(str::to_owned)
        .collect();
    let admin_claims =
        URL_SAFE_NO_PAD.encode(with_defaults(json!({"groups": ["jg-admins"]})).to_string());
    let tampered = format!("{}.{admin_claims}.{}", signed[0], signed[2]);
    let unsigned = {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"key-b"}"#);
        let body = URL_SAFE_NO_PAD.encode(with_defaults(json!({})).to_string());
        format!("{header}.{body}.")
    };
    for (token, refusal) in [
        (b.token(None, json!({})), "the token names no key (kid)"),
        (
            a.token(Some("key-b"), json!({})),
            "the token signature does not verify",
        ),
        (tampered, "the token signature does not verify"),
        (
            hs256,
            "the token uses an algorithm this server does not accept",
        ),
        (unsigned, "the token is malformed"),
        (
            b.token(Some("key-b"), json!({"exp": now - 120})),
            "the token has expired",
        ),
        (
            b.token(Some("key-b"), json!({"nbf": now + 600})),
            "the token is not valid yet (nbf)",
        ),
        (
            b.token(Some("key-b"), json!({"aud": "someone-else"})),
            "the token has the wrong audience",
        ),
        (
            b.token(Some("key-b"), json!({"iss": "https://evil.example"})),
            "the token has the wrong issuer",
        ),
        (
            b.token(Some("key-b"), json!({"sub": ""})),
            "the token's sub names nobody (empty, over 255 bytes or with control characters)",
        ),
    ] {
        assert_eq!(who(&app, &token).await, Err(refusal.to_owned()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_provider_down_from_the_start_nobody_gets_in() {
    let (provider, url) = provider().await;
    provider.go_down();
    let app = server(url).await;
    wait_for_fetches(&provider, 1).await;
    let a = KeyPair::new("key-a");
    assert_eq!(
        who(&app, &a.token(Some("key-a"), json!({}))).await,
        Err("the token's key (kid) is not one the identity provider publishes".into())
    );
    // Once it is back, the next refresh lets people in.
    provider.publish(&[&a]);
    let back = provider.fetches();
    wait_for_fetches(&provider, back + 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        who(&app, &a.token(Some("key-a"), json!({}))).await,
        Ok(json!({"principal": "user:okta|ana", "role": "LEADER"}))
    );
}

#[test]
fn a_key_set_needs_an_asymmetric_algorithm_and_a_safe_url() {
    let mut settings = common::settings("sqlite::memory:".into()).auth;
    settings.jwt_jwks_url = Some("https://idp.example.com/keys".into());
    let refused = |s: &journeygraph::config::AuthSettings| {
        journeygraph::auth::keys::load(s, "sqlite::memory:")
            .err()
            .map(|e| format!("{e:#}"))
    };
    assert_eq!(
        refused(&settings).as_deref(),
        Some(
            "--jwt-jwks-url needs --jwt-algorithm RS256, ES256 or EdDSA (a key set holds public keys)"
        )
    );
    settings.jwt_algorithm = JwtAlgorithm::Rs256;
    assert_eq!(refused(&settings), None);
    settings.jwt_jwks_url = Some("http://idp.example.com/keys".into());
    assert_eq!(
        refused(&settings).as_deref(),
        Some("--jwt-jwks-url must be https (http only on a loopback address)")
    );
    settings.jwt_jwks_url = Some("https://idp.example.com/keys".into());
    settings.jwt_role_map = Some("admins:ADMIN".into());
    assert_eq!(
        refused(&settings).as_deref(),
        Some("--jwt-role-map: `admins:ADMIN` is not value=ROLE")
    );
    settings.jwt_role_map = Some("admins=OWNER".into());
    assert_eq!(
        refused(&settings).as_deref(),
        Some("--jwt-role-map: `OWNER` is not ADMIN, LEADER or AGENT")
    );
}
