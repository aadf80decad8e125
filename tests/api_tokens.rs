//! Partner API tokens: creation by admins only, the secret shown once,
//! scopes and departments enforced, and every bad token refused.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const TICKET: &str = r#"mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created updated unchanged } }"#;
const DEAL: &str = r#"mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }"#;

fn ticket() -> Value {
    json!([{ "source": "helpdesk", "externalId": "T-1",
        "customer": {"source": "helpdesk", "externalId": "U-1", "email": "u1@example.com"},
        "reason": "login_issue", "channel": "chat", "priority": "HIGH", "team": "tier1",
        "openedAt": "2026-01-05T10:00:00Z" }])
}

fn deal() -> Value {
    json!([{ "source": "crm", "externalId": "D-1", "customer": {"source": "crm", "externalId": "C-1"},
        "owner": "ana", "stage": "won", "amount": 1200.5, "openedAt": "2026-01-01T00:00:00Z",
        "closedAt": "2026-01-03T00:00:00Z", "outcome": "WON" }])
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

async fn admins_create_tokens_and_the_secret_is_shown_once(app: TestApp) {
    let (_, body) = app.gql(Some(&app.admin()),
        r#"mutation { createApiToken(name: "crm", scopes: [INGEST_WRITE], departments: [SALES], expiresInDays: 30) {
            secret token { id name prefix scopes departments createdBy expiresAt revokedAt lastUsedAt } } }"#,
        json!({})).await;
    let created = &body["data"]["createApiToken"];
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("jg_") && secret.len() == 51, "{secret}");
    assert_eq!(created["token"]["prefix"], secret[..11]);
    assert_eq!(created["token"]["scopes"], json!(["INGEST_WRITE"]));
    assert_eq!(created["token"]["departments"], json!(["SALES"]));
    assert_eq!(created["token"]["createdBy"], "user:tester");
    assert!(created["token"]["lastUsedAt"].is_null());

    // It works, and its use is recorded.
    let (_, used) = app.gql(Some(&secret), DEAL, json!({"input": deal()})).await;
    assert_eq!(used["data"]["ingestDeals"]["created"], 1, "{used}");
    let (_, listed) = app
        .gql(
            Some(&app.admin()),
            "{ apiTokens { id name prefix lastUsedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["apiTokens"].as_array().expect("list").len(),
        1
    );
    assert!(
        listed["data"]["apiTokens"][0]["lastUsedAt"].is_string(),
        "{listed}"
    );
    assert!(
        !listed.to_string().contains(&secret[11..]),
        "the secret never shows again"
    );

    // Only its SHA-256 is stored.
    let row = <entity::api_token::Entity as sea_orm::EntityTrait>::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_ne!(row.secret_hash, secret);
    assert_eq!(row.secret_hash.len(), 64);
    assert!(!format!("{row:?}").contains(&secret[11..]));
}

async fn only_admins_manage_tokens(app: TestApp) {
    let partner = app
        .api_token(
            &[
                "INGEST_WRITE",
                "JOURNEYS_READ",
                "ANALYTICS_READ",
                "OUTREACH_WRITE",
            ],
            None,
        )
        .await;
    let create = r#"mutation { createApiToken(name: "x", scopes: [INGEST_WRITE]) { secret } }"#;
    for token in [
        app.jwt("acme", "LEADER"),
        app.jwt("acme", "AGENT"),
        partner.clone(),
    ] {
        let (_, body) = app.gql(Some(&token), create, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        let (_, body) = app
            .gql(Some(&token), "{ apiTokens { id } }", json!({}))
            .await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    assert_eq!(app.count("api_token").await, 1);
}

async fn a_token_without_ingest_write_is_forbidden(app: TestApp) {
    let reader = app.api_token(&["JOURNEYS_READ"], None).await;
    let (_, body) = app
        .gql(Some(&reader), TICKET, json!({"input": ticket()}))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(app.count("ticket").await, 0);
    assert_eq!(app.count("customer").await, 0);
    // And a person who is not ADMIN may not ingest either.
    let (_, body) = app
        .gql(Some(&app.leader()), TICKET, json!({"input": ticket()}))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}

async fn a_sales_token_cannot_send_tickets(app: TestApp) {
    let sales = app.api_token(&["INGEST_WRITE"], Some(&["SALES"])).await;
    let (_, body) = app
        .gql(Some(&sales), TICKET, json!({"input": ticket()}))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "input[0]: this token may not write SUPPORT records"
    );
    assert_eq!(app.count("ticket").await, 0);
    let (_, body) = app.gql(Some(&sales), DEAL, json!({"input": deal()})).await;
    assert_eq!(body["data"]["ingestDeals"]["created"], 1, "{body}");
}

async fn bad_tokens_are_unauthenticated(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let refused = |body: &Value| code(body) == "UNAUTHENTICATED" && body["data"].is_null();

    // Malformed: a typo breaks the checksum; unknown: well-formed, never issued.
    let mut typo = token.clone().into_bytes();
    typo[20] = if typo[20] == b'0' { b'1' } else { b'0' };
    let typo = String::from_utf8(typo).expect("ascii");
    let (status, body) = app
        .gql(Some(&typo), TICKET, json!({"input": ticket()}))
        .await;
    assert!(status == 401 && refused(&body), "{body}");
    assert_eq!(body["errors"][0]["message"], "the API token is malformed");
    let (status, body) = app
        .gql(Some("jg_nothex"), TICKET, json!({"input": ticket()}))
        .await;
    assert!(status == 401 && refused(&body), "{body}");

    // Well-formed (the checksum is the first 4 bytes of SHA-256 of the body), never issued.
    let body = "0123456789abcdef0123456789abcdef01234567";
    let never_issued = format!(
        "jg_{body}{}",
        &journeygraph::service::api_token::hash(body)[..8]
    );
    assert!(journeygraph::service::api_token::well_formed(&never_issued));
    let (status, body) = app
        .gql(Some(&never_issued), TICKET, json!({"input": ticket()}))
        .await;
    assert!(status == 401 && refused(&body), "{body}");
    assert_eq!(body["errors"][0]["message"], "unknown API token");

    // Expired.
    app.db
        .execute_unprepared("UPDATE api_token SET expires_at = 1")
        .await
        .expect("expire");
    let (_, body) = app
        .gql(Some(&token), TICKET, json!({"input": ticket()}))
        .await;
    assert!(refused(&body), "{body}");
    assert_eq!(body["errors"][0]["message"], "the API token has expired");
    app.db
        .execute_unprepared("UPDATE api_token SET expires_at = NULL")
        .await
        .expect("unexpire");

    // Revoked: takes effect at once.
    let (_, list) = app
        .gql(Some(&app.admin()), "{ apiTokens { id } }", json!({}))
        .await;
    let id = list["data"]["apiTokens"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, ok) = app
        .gql(Some(&token), "{ viewer { principal scopes } }", json!({}))
        .await;
    assert_eq!(
        ok["data"]["viewer"]["scopes"],
        json!(["INGEST_WRITE"]),
        "{ok}"
    );
    let (_, revoked) = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
            json!({"id": id}),
        )
        .await;
    assert!(
        revoked["data"]["revokeApiToken"]["revokedAt"].is_string(),
        "{revoked}"
    );
    let (_, body) = app
        .gql(Some(&token), "{ viewer { principal } }", json!({}))
        .await;
    assert!(refused(&body), "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "the API token has been revoked"
    );
    assert_eq!(app.count("ticket").await, 0);
}

use sea_orm::ConnectionTrait;

on_both_databases!(
    admins_create_tokens_and_the_secret_is_shown_once,
    only_admins_manage_tokens,
    a_token_without_ingest_write_is_forbidden,
    a_sales_token_cannot_send_tickets,
    bad_tokens_are_unauthenticated,
);
