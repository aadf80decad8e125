//! The real binary, logging at debug level in JSON, never writes an API
//! token's secret (nor a JWT) to its logs.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const SECRET: &str = "logs-test-secret-logs-test-secret-0123456789";

fn journeygraph(db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_journeygraph"));
    cmd.env("DATABASE_URL", db)
        .env("JOURNEYGRAPH_JWT_SECRET", SECRET)
        .env("RUST_LOG", "debug");
    cmd
}

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let created = journeygraph(&db)
        .args(["org", "create", "acme", "--name", "Acme"])
        .output()
        .expect("org create");
    assert!(created.status.success(), "{created:?}");
    let minted = journeygraph(&db)
        .args([
            "token", "mint", "--org", "acme", "--role", "admin", "--sub", "ops",
        ])
        .output()
        .expect("mint");
    let jwt = String::from_utf8(minted.stdout)
        .expect("utf8")
        .trim()
        .to_owned();

    let mut server = journeygraph(&db)
        .args(["--log-format", "json", "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut logs = BufReader::new(server.stderr.take().expect("stderr"));
    let mut port = None;
    let mut line = String::new();
    while port.is_none() && logs.read_line(&mut line).expect("read") > 0 {
        if let Ok(entry) = serde_json::from_str::<Value>(&line)
            && entry["fields"]["message"] == "serving"
        {
            port = entry["fields"]["port"].as_u64();
        }
        line.clear();
    }
    let base = format!(
        "http://127.0.0.1:{}/graphql",
        port.expect("the server logs its port")
    );
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
