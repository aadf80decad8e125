//! Identity stitching: by (source, externalId), then email (any case), else
//! new; merges move everything and keep an audit row; organizations never
//! share customers.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const TOUCHPOINTS: &str = r#"mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { items { id } } }"#;
const CUSTOMER: &str = r#"query($s: String!, $e: String!) { customerByIdentity(source: $s, externalId: $e) {
    id displayName identities { source externalId } journey(first: 20) { edges { node { externalId } } } } }"#;

fn event(id: &str, source: &str, customer: &str, email: &str) -> Value {
    json!({ "source": "product", "externalId": id,
        "customer": {"source": source, "externalId": customer, "email": email, "displayName": customer},
        "department": "PRODUCT", "kind": "login", "occurredAt": "2026-01-05T09:00:00Z" })
}

/// Ingests one touchpoint with `token`.
async fn send(app: &TestApp, token: &str, record: Value) {
    let (_, body) = app
        .gql(Some(token), TOUCHPOINTS, json!({"input": [record]}))
        .await;
    assert!(body["data"]["ingestTouchpoints"].is_object(), "{body}");
}

async fn lookup(app: &TestApp, source: &str, external_id: &str) -> Value {
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            CUSTOMER,
            json!({"s": source, "e": external_id}),
        )
        .await;
    body["data"]["customerByIdentity"].clone()
}

async fn email_links_identities_across_systems(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    send(&app, &token, event("e1", "crm", "C-1", "ann@example.com")).await;
    send(
        &app,
        &token,
        event("e2", "helpdesk", "H-9", "  ANN@Example.COM "),
    )
    .await;
    send(
        &app,
        &token,
        event("e3", "billing", "B-3", "bob@example.com"),
    )
    .await;
    assert_eq!(app.count("customer").await, 2);
    let ann = lookup(&app, "helpdesk", "H-9").await;
    assert_eq!(ann["id"], lookup(&app, "crm", "C-1").await["id"]);
    assert_eq!(
        ann["identities"],
        json!([
        {"source": "crm", "externalId": "C-1"}, {"source": "helpdesk", "externalId": "H-9"}])
    );
    assert_eq!(ann["journey"]["edges"].as_array().expect("j").len(), 2);

    // Attributes sent later with a known identity update the customer;
    // absent ones stay.
    let mut later = event("e4", "crm", "C-1", "ann@example.com");
    later["customer"] = json!({"source": "crm", "externalId": "C-1", "displayName": "Ann Corp", "annualValue": 5000.25});
    send(&app, &token, later).await;
    let (_, body) = app.gql(Some(&app.leader()), r#"{ customerByIdentity(source: "helpdesk", externalId: "H-9") { displayName email annualValue } }"#, json!({})).await;
    assert_eq!(
        body["data"]["customerByIdentity"],
        json!({"displayName": "Ann Corp", "email": "ann@example.com", "annualValue": 5000.25})
    );
}

async fn merge_moves_everything_and_keeps_an_audit_row(app: TestApp) {
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    send(&app, &token, event("e1", "crm", "C-1", "ann@example.com")).await;
    send(
        &app,
        &token,
        event("e2", "helpdesk", "H-9", "ann.private@example.org"),
    )
    .await;
    let survivor = lookup(&app, "crm", "C-1").await["id"].clone();
    let merged = lookup(&app, "helpdesk", "H-9").await["id"].clone();
    assert_ne!(survivor, merged);

    let merge = r#"mutation($s: ID!, $m: ID!) { mergeCustomers(survivorId: $s, mergedId: $m) {
        survivor { id identities { source externalId } } audit { survivorId mergedId mergedBy moved } } }"#;
    let (_, body) = app
        .gql(
            Some(&app.jwt("acme", "AGENT")),
            merge,
            json!({"s": survivor, "m": merged}),
        )
        .await;
    let result = &body["data"]["mergeCustomers"];
    assert_eq!(
        result["survivor"]["identities"]
            .as_array()
            .expect("ids")
            .len(),
        2,
        "{body}"
    );
    assert_eq!(result["audit"]["survivorId"], survivor);
    assert_eq!(result["audit"]["mergedId"], merged);
    assert_eq!(result["audit"]["mergedBy"], "user:tester");
    let moved: Value =
        serde_json::from_str(result["audit"]["moved"].as_str().expect("moved")).expect("json");
    assert_eq!(moved["touchpoint"], 1);
    assert_eq!(moved["customer_identity"], 1);
    assert_eq!(app.count("identity_merge").await, 1);

    // Later records under either identity land on the survivor.
    send(
        &app,
        &token,
        event("e3", "helpdesk", "H-9", "ann.private@example.org"),
    )
    .await;
    send(
        &app,
        &token,
        event("e4", "web", "W-1", "ann.private@example.org"),
    )
    .await;
    let ann = lookup(&app, "helpdesk", "H-9").await;
    assert_eq!(ann["id"], survivor);
    assert_eq!(
        ann["journey"]["edges"].as_array().expect("j").len(),
        4,
        "{ann}"
    );
    assert_eq!(
        ann["identities"].as_array().expect("ids").len(),
        3,
        "W-1 joined by the merged email: {ann}"
    );
    // The merged id resolves to the survivor; it is gone from listings.
    let (_, by_id) = app
        .gql(
            Some(&app.leader()),
            "query($id: ID!) { customer(id: $id) { id } }",
            json!({"id": merged}),
        )
        .await;
    assert_eq!(by_id["data"]["customer"]["id"], survivor);
    let (_, list) = app
        .gql(
            Some(&app.leader()),
            "{ customers(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["customers"]["edges"],
        json!([{"node": {"id": survivor}}]),
        "{list}"
    );

    // Merging again, into itself, or with a partner token is refused.
    let (_, again) = app
        .gql(
            Some(&app.leader()),
            merge,
            json!({"s": survivor, "m": merged}),
        )
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{again}"
    );
    let (_, itself) = app
        .gql(
            Some(&app.leader()),
            merge,
            json!({"s": survivor, "m": survivor}),
        )
        .await;
    assert_eq!(itself["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (_, partner) = app
        .gql(Some(&token), merge, json!({"s": survivor, "m": merged}))
        .await;
    assert_eq!(partner["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

async fn organizations_never_share_customers(app: TestApp) {
    let ours = app.api_token(&["INGEST_WRITE"], None).await;
    let (_, other_admin) = (0, app.jwt("other", "ADMIN"));
    let (_, body) = app
        .gql(
            Some(&other_admin),
            r#"mutation { createApiToken(name: "p", scopes: [INGEST_WRITE]) { secret } }"#,
            json!({}),
        )
        .await;
    let theirs = body["data"]["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    send(&app, &ours, event("e1", "crm", "C-1", "ann@example.com")).await;
    send(&app, &theirs, event("e1", "crm", "C-1", "ann@example.com")).await;
    assert_eq!(
        app.count("customer").await,
        2,
        "the same key in two organizations is two customers"
    );
    assert_eq!(app.count("touchpoint").await, 2);
    let ann = lookup(&app, "crm", "C-1").await;
    assert_eq!(ann["journey"]["edges"].as_array().expect("j").len(), 1);

    // Merging with another organization's customer: NOT_FOUND.
    let theirs_id: i64 = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::customer::Entity::find()
            .filter(entity::customer::Column::OrgId.eq(app.other_org_id))
            .one(&app.db)
            .await
            .expect("q")
            .expect("row")
            .id
    };
    let (_, body) = app.gql(Some(&app.admin()),
        "mutation($s: ID!, $m: ID!) { mergeCustomers(survivorId: $s, mergedId: $m) { survivor { id } } }",
        json!({"s": ann["id"], "m": common::customer_id(theirs_id)})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
}

on_both_databases!(
    email_links_identities_across_systems,
    merge_moves_everything_and_keeps_an_audit_row,
    organizations_never_share_customers,
);
