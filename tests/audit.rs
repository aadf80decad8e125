//! The audit trail: every administrative act is one row with who, when,
//! the request id, what it acted on and its particulars, read back with
//! exact fields through `auditEvents`; a customer's rows keep only the
//! pseudonym once the customer is erased; only ADMINs read it.

mod common;

use common::TestApp;
use common::process::journeygraph;
use serde_json::{Value, json};

const EVENTS: &str = "query($first: Int!, $before: ID, $action: AuditAction) { auditEvents(first: $first, before: $before, action: $action) {
    id action actor requestId target customerId customerRef otherCustomerId otherCustomerRef detail at } }";

/// POST /graphql as the ADMIN with `x-request-id: request`; the data.
async fn act(app: &TestApp, request: &str, query: &str, variables: Value) -> Value {
    let body: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(app.admin())
        .header("x-request-id", request)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// The newest audit row.
async fn latest(app: &TestApp) -> Value {
    let (_, body) = app
        .gql(Some(&app.admin()), EVENTS, json!({"first": 1}))
        .await;
    let mut row = body["data"]["auditEvents"][0].clone();
    assert!(row["at"].is_string(), "{body}");
    row.as_object_mut().expect("row").remove("at");
    row.as_object_mut().expect("row").remove("id");
    row
}

/// `detail` of a row, parsed.
fn detail(row: &Value) -> Value {
    serde_json::from_str(row["detail"].as_str().expect("detail")).expect("json detail")
}

/// An audit row's fields but `detail`, `id` and `at`, for exact comparison.
fn fields(row: &Value) -> Value {
    let mut row = row.clone();
    for field in ["detail", "id", "at"] {
        row.as_object_mut().expect("row").remove(field);
    }
    row
}

fn row(action: &str, request: Option<&str>, target: Option<&str>) -> Value {
    json!({"action": action, "actor": "user:tester", "requestId": request, "target": target,
        "customerId": null, "customerRef": null, "otherCustomerId": null, "otherCustomerRef": null})
}

async fn every_administrative_act_is_audited(app: TestApp) {
    // A token created and revoked.
    let created = act(&app, "req-1", "mutation { createApiToken(name: \"sync\", scopes: [INGEST_WRITE], departments: [SUPPORT], expiresInDays: 30) { token { id expiresAt } } }", json!({})).await;
    let token = &created["createApiToken"]["token"];
    let token_row = journeygraph::global_id::decode(token["id"].as_str().expect("id"))
        .expect("id")
        .1;
    let target = format!("api_token:{token_row}");
    let expires = chrono::DateTime::parse_from_rfc3339(token["expiresAt"].as_str().expect("at"))
        .expect("time")
        .timestamp_millis();
    let audit = latest(&app).await;
    assert_eq!(
        fields(&audit),
        row("API_TOKEN_CREATED", Some("req-1"), Some(&target))
    );
    assert_eq!(
        detail(&audit),
        json!({"name": "sync", "scopes": "ingest:write", "departments": "SUPPORT", "expiresAt": expires})
    );
    act(
        &app,
        "req-2",
        "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
        json!({"id": token["id"]}),
    )
    .await;
    let audit = latest(&app).await;
    assert_eq!(
        fields(&audit),
        row("API_TOKEN_REVOKED", Some("req-2"), Some(&target))
    );
    assert_eq!(detail(&audit), json!({"name": "sync"}));
    // Revoking it again changes nothing and writes no row.
    act(
        &app,
        "req-2b",
        "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
        json!({"id": token["id"]}),
    )
    .await;
    assert_eq!(latest(&app).await["requestId"], "req-2");

    // A webhook created and deleted: its origin only, never its path or query.
    let hook = act(&app, "req-3", "mutation { createWebhook(url: \"http://127.0.0.1:9/hooks/jg?key=s3cret\", kinds: [GOING_DARK]) { webhook { id } } }", json!({})).await;
    let hook_id = hook["createWebhook"]["webhook"]["id"].clone();
    let hook_row = journeygraph::global_id::decode(hook_id.as_str().expect("id"))
        .expect("id")
        .1;
    let target = format!("webhook:{hook_row}");
    let audit = latest(&app).await;
    assert_eq!(
        fields(&audit),
        row("WEBHOOK_CREATED", Some("req-3"), Some(&target))
    );
    assert_eq!(
        detail(&audit),
        json!({"origin": "http://127.0.0.1:9", "kinds": "GOING_DARK"})
    );
    act(
        &app,
        "req-4",
        "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
        json!({"id": hook_id}),
    )
    .await;
    let audit = latest(&app).await;
    assert_eq!(
        fields(&audit),
        row("WEBHOOK_DELETED", Some("req-4"), Some(&target))
    );
    assert_eq!(detail(&audit), json!({"origin": "http://127.0.0.1:9"}));

    // Two customers merged: both named by id and pseudonym.
    let who = |id: &str, email: &str| json!({"source": "crm", "externalId": id, "email": email});
    app.ingest(&app.admin(), "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
        json!([
            {"source": "helpdesk", "externalId": "T-1", "customer": who("A-1", "ann@example.com"), "reason": "login", "channel": "chat", "priority": "LOW", "team": "t1", "openedAt": "2026-01-01T00:00:00Z"},
            {"source": "helpdesk", "externalId": "T-2", "customer": who("A-2", "ann.b@example.com"), "reason": "login", "channel": "chat", "priority": "LOW", "team": "t1", "openedAt": "2026-01-02T00:00:00Z"}
        ])).await;
    let id = |external: &'static str| {
        let app = &app;
        async move {
            let (_, body) = app.gql(Some(&app.admin()), "query($e: String!) { customerByIdentity(source: \"crm\", externalId: $e) { id } }", json!({"e": external})).await;
            body["data"]["customerByIdentity"]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    };
    let (survivor, merged) = (id("A-1").await, id("A-2").await);
    let merge = act(&app, "req-5", "mutation($s: ID!, $m: ID!) { mergeCustomers(survivorId: $s, mergedId: $m) { audit { id } } }", json!({"s": survivor, "m": merged})).await;
    let merge_row = journeygraph::global_id::decode(
        merge["mergeCustomers"]["audit"]["id"].as_str().expect("id"),
    )
    .expect("id")
    .1;
    let merge_audit = latest(&app).await;
    let (survivor_ref, merged_ref) = (
        merge_audit["customerRef"].as_str().expect("ref").to_owned(),
        merge_audit["otherCustomerRef"]
            .as_str()
            .expect("ref")
            .to_owned(),
    );
    assert!(survivor_ref.starts_with("cust_") && survivor_ref != merged_ref);
    assert_eq!(
        fields(&merge_audit),
        json!({"action": "CUSTOMERS_MERGED", "actor": "user:tester", "requestId": "req-5",
            "target": format!("identity_merge:{merge_row}"), "customerId": survivor, "customerRef": survivor_ref,
            "otherCustomerId": merged, "otherCustomerRef": merged_ref})
    );
    assert_eq!(
        detail(&merge_audit),
        json!({"moved": {"campaign_delivery": 0, "customer_identity": 1, "deal": 0, "feedback": 0, "friction_signal": 0,
            "insight": 0, "onboarding_progress": 0, "outreach_task": 0, "ticket": 1, "touchpoint": 1}})
    );

    // A setting changed; the same value again writes nothing.
    let settings = "mutation($m: SuppressedRecords!) { updateOrganizationSettings(suppressedRecords: $m) { suppressedRecords } }";
    act(&app, "req-6", settings, json!({"m": "DROP"})).await;
    let audit = latest(&app).await;
    let target = format!("organization:{}", app.org_id);
    assert_eq!(
        fields(&audit),
        row(
            "ORGANIZATION_SETTINGS_CHANGED",
            Some("req-6"),
            Some(&target)
        )
    );
    assert_eq!(
        detail(&audit),
        json!({"suppressedRecords": {"from": "REFUSE", "to": "DROP"}})
    );
    act(&app, "req-6b", settings, json!({"m": "DROP"})).await;
    assert_eq!(latest(&app).await["requestId"], "req-6");

    // A dry run writes no row; the erasure does, by pseudonym only, and
    // the merge row loses the ids and keeps the pseudonyms.
    let erase = "mutation($id: ID!, $dry: Boolean!) { eraseCustomer(id: $id, dryRun: $dry) { customerRef } }";
    act(&app, "req-7a", erase, json!({"id": survivor, "dry": true})).await;
    assert_eq!(latest(&app).await["requestId"], "req-6");
    let erased = act(&app, "req-7", erase, json!({"id": survivor, "dry": false})).await;
    assert_eq!(erased["eraseCustomer"]["customerRef"], survivor_ref);
    let audit = latest(&app).await;
    let mut expected = row("CUSTOMER_ERASED", Some("req-7"), None);
    expected["customerRef"] = json!(survivor_ref);
    assert_eq!(fields(&audit), expected);
    assert_eq!(
        detail(&audit),
        json!({"customers": 2, "suppressed": 4, "rows": {"campaign_delivery": 0, "customer": 2, "customer_identity": 2, "deal": 0,
            "feedback": 0, "friction_signal": 0, "identity_merge": 1, "insight (unlinked)": 0, "onboarding_progress": 0,
            "outreach_task": 0, "ticket": 2, "touchpoint": 2, "webhook_attempt": 0, "webhook_delivery": 0}})
    );
    let (_, merges) = app
        .gql(
            Some(&app.admin()),
            EVENTS,
            json!({"first": 5, "action": "CUSTOMERS_MERGED"}),
        )
        .await;
    let mut expected = fields(&merge_audit);
    expected["customerId"] = Value::Null;
    expected["otherCustomerId"] = Value::Null;
    assert_eq!(fields(&merges["data"]["auditEvents"][0]), expected);
    assert_eq!(
        merges["data"]["auditEvents"].as_array().map(Vec::len),
        Some(1)
    );

    // A suppression lifted.
    let lifted = act(
        &app,
        "req-8",
        "mutation { liftSuppression(email: \"ann@example.com\") { id } }",
        json!({}),
    )
    .await;
    let entry =
        journeygraph::global_id::decode(lifted["liftSuppression"]["id"].as_str().expect("id"))
            .expect("id")
            .1;
    let audit = latest(&app).await;
    let mut expected = row(
        "SUPPRESSION_LIFTED",
        Some("req-8"),
        Some(&format!("suppression:{entry}")),
    );
    expected["customerRef"] = json!(survivor_ref);
    assert_eq!(fields(&audit), expected);
    assert_eq!(detail(&audit), json!({"kind": "email"}));

    // The CLI's acts are audited too, without a request id.
    let out = journeygraph(&app.database_url, common::SECRET, "warn")
        .args([
            "api-token",
            "create",
            "--org",
            "acme",
            "--name",
            "batch",
            "--scopes",
            "journeys:read",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let audit = latest(&app).await;
    assert_eq!(
        (
            audit["action"].clone(),
            audit["actor"].clone(),
            audit["requestId"].clone()
        ),
        (json!("API_TOKEN_CREATED"), json!("user:cli"), Value::Null)
    );

    // Newest first, paged with `before`.
    let (_, all) = app
        .gql(Some(&app.admin()), EVENTS, json!({"first": 100}))
        .await;
    let actions: Vec<&str> = all["data"]["auditEvents"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "API_TOKEN_CREATED",
            "SUPPRESSION_LIFTED",
            "CUSTOMER_ERASED",
            "ORGANIZATION_SETTINGS_CHANGED",
            "CUSTOMERS_MERGED",
            "WEBHOOK_DELETED",
            "WEBHOOK_CREATED",
            "API_TOKEN_REVOKED",
            "API_TOKEN_CREATED"
        ]
    );
    let third = all["data"]["auditEvents"][2]["id"].clone();
    let (_, page) = app
        .gql(
            Some(&app.admin()),
            EVENTS,
            json!({"first": 2, "before": third}),
        )
        .await;
    let paged: Vec<&str> = page["data"]["auditEvents"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["action"].as_str().expect("action"))
        .collect();
    assert_eq!(paged, ["ORGANIZATION_SETTINGS_CHANGED", "CUSTOMERS_MERGED"]);

    // Only ADMINs read it, each their own organization's.
    let partner = app
        .api_token(
            &[
                "JOURNEYS_READ",
                "ANALYTICS_READ",
                "INGEST_WRITE",
                "OUTREACH_WRITE",
                "CUSTOMERS_ERASE",
            ],
            None,
        )
        .await;
    for token in [app.leader(), app.jwt("acme", "AGENT"), partner] {
        let (_, body) = app.gql(Some(&token), EVENTS, json!({"first": 5})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    }
    let (_, theirs) = app
        .gql(
            Some(&app.jwt("other", "ADMIN")),
            EVENTS,
            json!({"first": 5}),
        )
        .await;
    assert_eq!(theirs["data"]["auditEvents"], json!([]), "{theirs}");
    for first in [0, 101, -1] {
        let (_, body) = app
            .gql(Some(&app.admin()), EVENTS, json!({"first": first}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
}

on_both_databases!(every_administrative_act_is_audited);
