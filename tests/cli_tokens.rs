//! A partner set up from the command line, with the real binary:
//! `api-token create` (every token expires, 365 days unless told), `list`
//! and `revoke`, and the demo's Admin JWT that can mint more over GraphQL.

mod common;

use common::SECRET;
use common::process::{acme_admin, journeygraph, serve};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn run(db: &str, args: &[&str]) -> (bool, String, String) {
    let output = journeygraph(db, SECRET, "warn")
        .args(args)
        .output()
        .expect("run journeygraph");
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("utf8"),
        String::from_utf8(output.stderr).expect("utf8"),
    )
}

/// POST `query` to the server at `base` as `token`: (status, body).
async fn post(base: &str, token: &str, query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn viewer(base: &str, token: &str) -> (u16, Value) {
    post(base, token, "{ viewer { principal scopes } }").await
}

#[tokio::test]
async fn api_tokens_are_created_listed_and_revoked_from_the_cli() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    acme_admin(&db, SECRET);
    let (ok, secret, told) = run(
        &db,
        &[
            "api-token",
            "create",
            "--org",
            "acme",
            "--name",
            "helpdesk",
            "--scopes",
            "ingest:write,journeys:read",
            "--departments",
            "SUPPORT",
        ],
    );
    assert!(ok, "{told}");
    let secret = secret.trim().to_owned();
    assert!(secret.starts_with("jg_") && secret.len() == 51, "{secret}");
    let in_a_year = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        told.starts_with("created API token 1 (jg_")
            && told.contains(&format!("expires {in_a_year}")),
        "{told}"
    );

    let (ok, listed, _) = run(&db, &["api-token", "list", "--org", "acme"]);
    assert!(ok);
    let rows: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "id",
            "prefix",
            "name",
            "scopes",
            "departments",
            "expires",
            "status"
        ]
    );
    assert_eq!(rows.len(), 2, "{listed}");
    assert_eq!(
        (
            rows[1][0], rows[1][1], rows[1][2], rows[1][3], rows[1][4], rows[1][6]
        ),
        (
            "1",
            &secret[..11],
            "helpdesk",
            "ingest:write,journeys:read",
            "SUPPORT",
            "active"
        )
    );
    assert!(rows[1][5].starts_with(&in_a_year), "{listed}");
    assert!(!listed.contains(&secret[11..]), "the list shows no secret");

    let served = serve(journeygraph(&db, SECRET, "info"), &[]);
    let (mut server, port) = served.draining_logs();
    let base = format!("http://127.0.0.1:{port}");
    let (status, body) = viewer(&base, &secret).await;
    assert_eq!(
        (status, &body["data"]["viewer"]["principal"]),
        (200, &json!("token:1"))
    );

    let (ok, revoked, _) = run(&db, &["api-token", "revoke", "--org", "acme", "--id", "1"]);
    assert!(
        ok && revoked.starts_with("revoked 1\t") && revoked.trim_end().ends_with("\trevoked"),
        "{revoked}"
    );
    let (status, body) = viewer(&base, &secret).await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["code"]),
        (401, &json!("UNAUTHENTICATED"))
    );

    // Another organization's token id, an unknown one, a lifetime out of range.
    let (ok, _, told) = run(&db, &["api-token", "revoke", "--org", "acme", "--id", "99"]);
    assert!(!ok && told.contains("not found"), "{told}");
    let (ok, _, told) = run(
        &db,
        &[
            "api-token",
            "create",
            "--org",
            "acme",
            "--name",
            "x",
            "--scopes",
            "ingest:write",
            "--expires-in-days",
            "0",
        ],
    );
    assert!(!ok && told.contains("1..=3650"), "{told}");
    let (ok, _, told) = run(&db, &["api-token", "list", "--org", "nobody"]);
    assert!(!ok && told.contains("no organization \"nobody\""), "{told}");
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test]
async fn the_demo_prints_an_admin_jwt_that_manages_tokens() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let mut child = journeygraph(&db, SECRET, "warn")
        .args([
            "serve",
            "--demo",
            "--demo-customers",
            "20",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve --demo");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut port, mut leader, mut admin, mut partner) = (None, None, None, None);
    let mut line = String::new();
    while partner.is_none() {
        line.clear();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "the demo exited"
        );
        let value = |prefix: &str| line.trim().strip_prefix(prefix).map(str::to_owned);
        if let Some(url) = value("GraphiQL:  http://127.0.0.1:") {
            port = url.trim_end_matches("/graphiql").parse::<u16>().ok();
        }
        leader = leader.or(value("Leader JWT (7 days, reads everything): "));
        admin = admin.or(value(
            "Admin JWT (7 days, also manages API tokens and webhooks): ",
        ));
        partner = partner.or(value(
            "Partner token (all scopes, replaced at each start): ",
        ));
    }
    let base = format!("http://127.0.0.1:{}", port.expect("port"));
    let create = r#"mutation { createApiToken(name: "crm", scopes: [INGEST_WRITE]) { token { expiresAt } } }"#;
    let (_, by_leader) = post(&base, &leader.expect("leader JWT"), create).await;
    assert_eq!(by_leader["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let (_, by_admin) = post(&base, &admin.expect("admin JWT"), create).await;
    let expires = by_admin["data"]["createApiToken"]["token"]["expiresAt"]
        .as_str()
        .unwrap_or_else(|| panic!("{by_admin}"));
    let in_a_year = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    assert!(expires.starts_with(&in_a_year), "{expires}");
    let (status, _) = viewer(&base, &partner.expect("partner")).await;
    assert_eq!(status, 200);
    let _ = child.kill();
    let _ = child.wait();
}
