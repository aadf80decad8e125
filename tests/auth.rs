//! Every way a person's credential can be wrong answers UNAUTHENTICATED
//! (HTTP 401) and executes nothing.

mod common;

use base64::Engine;
use common::{TestApp, claims, sign};
use serde_json::{Value, json};

const QUERY: &str = "{ viewer { organization role principal } }";

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

async fn assert_refused(app: &TestApp, token: Option<&str>, reason: &str) {
    let (status, body) = app.gql(token, QUERY, json!({})).await;
    assert_eq!(status, 401, "{reason}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{reason}: {body}"
    );
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{reason}: nothing may execute: {body}"
    );
}

#[tokio::test]
async fn a_valid_token_resolves_the_viewer() {
    let app = TestApp::sqlite().await;
    let (status, body) = app.gql(Some(&app.leader()), QUERY, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["viewer"],
        json!({"organization": "acme", "role": "LEADER", "principal": "user:tester"})
    );
}

#[tokio::test]
async fn missing_and_malformed_credentials_are_refused() {
    let app = TestApp::sqlite().await;
    assert_refused(&app, None, "missing").await;
    assert_refused(&app, Some("not-a-jwt"), "malformed").await;
    assert_refused(&app, Some("a.b.c"), "garbage segments").await;
    let (status, _) = {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("Authorization", "Basic dXNlcjpwYXNz")
            .json(&json!({"query": QUERY}))
            .send()
            .await
            .expect("send");
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 401, "a non-bearer scheme");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let app = TestApp::sqlite().await;
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims("acme", "ADMIN", now(), now() + 3600),
        &jsonwebtoken::EncodingKey::from_secret(b"someone-elses-secret-someone-elses-secret"),
    )
    .expect("sign");
    assert_refused(&app, Some(&forged), "bad signature").await;
}

#[tokio::test]
async fn alg_none_is_refused() {
    let app = TestApp::sqlite().await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64
        .encode(serde_json::to_vec(&claims("acme", "ADMIN", now(), now() + 3600)).expect("json"));
    assert_refused(&app, Some(&format!("{header}.{payload}.")), "alg none").await;
    assert_refused(
        &app,
        Some(&format!("{header}.{payload}")),
        "alg none, two parts",
    )
    .await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused() {
    let app = TestApp::sqlite().await;
    // Beyond the 30 s leeway on either side.
    let expired = sign(&claims("acme", "LEADER", now() - 7200, now() - 120));
    assert_refused(&app, Some(&expired), "expired").await;
    let early = sign(&claims("acme", "LEADER", now() + 600, now() + 7200));
    assert_refused(&app, Some(&early), "nbf in the future").await;
}

#[tokio::test]
async fn wrong_issuer_audience_role_or_organization_is_refused() {
    let app = TestApp::sqlite().await;
    let mut c = claims("acme", "LEADER", now(), now() + 3600);
    c.iss = "someone-else".into();
    assert_refused(&app, Some(&sign(&c)), "wrong iss").await;
    let mut c = claims("acme", "LEADER", now(), now() + 3600);
    c.aud = "another-api".into();
    assert_refused(&app, Some(&sign(&c)), "wrong aud").await;
    assert_refused(
        &app,
        Some(&sign(&claims("acme", "SUPERUSER", now(), now() + 3600))),
        "unknown role",
    )
    .await;
    assert_refused(
        &app,
        Some(&sign(&claims("no-such-org", "LEADER", now(), now() + 3600))),
        "unknown org",
    )
    .await;
    for (sub, reason) in [
        ("", "empty sub"),
        ("   ", "blank sub"),
        ("ann\nBcc: x", "sub with a newline"),
    ] {
        let mut c = claims("acme", "LEADER", now(), now() + 3600);
        c.sub = sub.into();
        assert_refused(&app, Some(&sign(&c)), reason).await;
    }
    let mut c = claims("acme", "LEADER", now(), now() + 3600);
    c.sub = "x".repeat(256);
    assert_refused(&app, Some(&sign(&c)), "sub over 255 bytes").await;
}

#[tokio::test]
async fn the_refusal_says_how_to_authenticate() {
    let app = TestApp::sqlite().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": QUERY}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    assert!(response.headers().get("x-request-id").is_some());
}
