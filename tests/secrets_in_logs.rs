//! The real binary, logging at debug level in JSON, never writes an API
//! token's secret (nor a JWT) to its logs.

mod common;

use common::process::{acme_admin, journeygraph, serve};
use serde_json::{Value, json};

const SECRET: &str = "logs-test-secret-logs-test-secret-0123456789";

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let jwt = acme_admin(&db, SECRET);
    let served = serve(journeygraph(&db, SECRET, "debug"), &[]);
    let (mut server, mut logs) = (served.child, served.logs);
    let base = format!("http://127.0.0.1:{}/graphql", served.port);
    let client = reqwest::Client::new();
    let created: Value = client.post(&base).bearer_auth(&jwt)
        .json(&json!({"query": r#"mutation { createApiToken(name: "crm", scopes: [INGEST_WRITE, JOURNEYS_READ]) { secret } }"#}))
        .send().await.expect("send").json().await.expect("json");
    let token = created["data"]["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    for _ in 0..2 {
        let used: Value = client
            .post(&base)
            .bearer_auth(&token)
            .json(&json!({"query": "{ viewer { principal } }"}))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert!(used["data"]["viewer"]["principal"].is_string(), "{used}");
    }
    let _ = client
        .post(&base)
        .bearer_auth(format!("{token}x"))
        .json(&json!({"query": "{ viewer { principal } }"}))
        .send()
        .await;
    server.kill().expect("kill");
    let _ = server.wait();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut logs, &mut rest).expect("read logs");

    assert!(rest.contains("request"), "the requests were logged");
    // The prefix (jg_ + 8 characters) is a public identifier; the rest is secret.
    assert!(
        !rest.contains(&token[11..]),
        "the API token secret leaked into the logs"
    );
    assert!(
        !rest.contains(jwt.rsplit('.').next().expect("signature")),
        "a JWT leaked into the logs"
    );
    assert!(!rest.contains(SECRET));
}
