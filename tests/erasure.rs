//! `eraseCustomer` and `journeygraph customers erase`: a person with
//! records in every kind of table, a duplicate merged into them, a signal,
//! a task and an insight, erased; then every table of the schema, read from
//! the database's own catalog (so a table added later is checked too), must
//! hold none of their ids, email, names or partner ids. Analytics lose
//! exactly their contribution; another organization's customer with the
//! same partner ids stays; LEADERs and partner tokens are refused.

mod common;

use common::TestApp;
use common::process::journeygraph;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

/// RFC 3339 of hour `h` after 2026-01-01T00:00Z.
fn h(hours: i64) -> String {
    chrono::DateTime::from_timestamp_millis(1_767_225_600_000 + hours * 3_600_000)
        .expect("time")
        .to_rfc3339()
}

fn who(source: &str, id: &str, email: &str, name: &str) -> Value {
    json!({"source": source, "externalId": id, "email": email, "displayName": name, "annualValue": 5000.0})
}

fn ticket(id: &str, customer: Value, opened: i64) -> Value {
    json!({"source": "helpdesk", "externalId": id, "customer": customer, "reason": "login", "channel": "chat",
        "priority": "HIGH", "team": "tier1", "openedAt": h(opened), "resolvedAt": h(opened + 2)})
}

const TICKETS: &str =
    "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";

/// Pat (crm P-1 and helpdesk H-P, one email), with a deal, a step, a
/// campaign delivery, two tickets (a repeat contact), a survey answer about
/// one and a touchpoint; Quinn (mkt Q-1), merged into Pat; Robin, another
/// customer; and in organization `other`, a customer with Pat's partner ids.
/// The ids of Pat and Quinn.
async fn seed(app: &TestApp) -> (String, String) {
    let admin = app.admin();
    let pat = who("crm", "P-1", "pat@example.com", "Pat Person");
    let pat_helpdesk = who("helpdesk", "H-P", "pat@example.com", "Pat Person");
    app.ingest(&admin, "mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }",
        json!([{"source": "crm", "externalId": "D-P", "customer": pat, "owner": "ana", "stage": "won", "amount": 100.0,
            "openedAt": h(10), "closedAt": h(20), "outcome": "WON"}])).await;
    let (_, steps) = app.gql(Some(&admin), r#"mutation { defineOnboardingSteps(steps: [{key: "s1", name: "One", position: 1, expectedDays: 2}]) { key } }"#, json!({})).await;
    assert!(steps["errors"].is_null(), "{steps}");
    app.ingest(&admin, "mutation($input: [OnboardingProgressInput!]!) { ingestOnboarding(input: $input) { created } }",
        json!([{"source": "tracker", "externalId": "O-P", "customer": pat, "stepKey": "s1", "startedAt": h(30)}])).await;
    app.ingest(&admin, "mutation($input: [CampaignDeliveryInput!]!) { ingestCampaignDeliveries(input: $input) { created } }",
        json!([{"source": "mkt", "externalId": "C-P", "customer": pat, "campaignExternalId": "spring", "campaignName": "Spring", "campaignChannel": "email",
            "deliveredAt": h(40)}])).await;
    app.ingest(
        &admin,
        TICKETS,
        json!([
            ticket("T-P1", pat_helpdesk.clone(), 50),
            ticket("T-P2", pat_helpdesk.clone(), 60)
        ]),
    )
    .await;
    app.ingest(&admin, "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }",
        json!([{"source": "surveys", "externalId": "F-P", "customer": pat, "metric": "CSAT", "score": 1, "occurredAt": h(63),
            "about": {"kind": "TICKET", "source": "helpdesk", "externalId": "T-P2"}}])).await;
    app.ingest(&admin, "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }",
        json!([{"source": "product", "externalId": "L-P", "customer": pat, "department": "PRODUCT", "kind": "login", "occurredAt": h(70),
            "attributes": {"note": "Pat Person logged in"}}])).await;
    // Two recent ones: a repeat contact now, so a signal is raised.
    let recent = |id: &str, hours_ago: i64| {
        json!({"source": "helpdesk", "externalId": id, "customer": pat_helpdesk.clone(), "reason": "login", "channel": "chat",
            "priority": "HIGH", "team": "tier1", "openedAt": (chrono::Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc3339()})
    };
    app.ingest(&admin, TICKETS, json!([recent("T-P3", 30)]))
        .await;
    app.ingest(&admin, TICKETS, json!([recent("T-P4", 2)]))
        .await;
    let quinn = who("mkt", "Q-1", "quinn@example.com", "Quinn Q");
    app.ingest(&admin, TICKETS, json!([ticket("T-Q", quinn, 80)]))
        .await;
    let robin = who("crm", "R-1", "robin@example.com", "Robin R");
    app.ingest(&admin, TICKETS, json!([ticket("T-R", robin, 90)]))
        .await;
    let other = app.jwt("other", "ADMIN");
    app.ingest(
        &other,
        TICKETS,
        json!([ticket(
            "T-P1",
            who("helpdesk", "H-P", "pat@example.com", "Pat Person"),
            50
        )]),
    )
    .await;

    let id = |body: &Value| {
        body["data"]["customerByIdentity"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let q =
        "query($s: String!, $e: String!) { customerByIdentity(source: $s, externalId: $e) { id } }";
    let pat_id = id(&app
        .gql(Some(&admin), q, json!({"s": "crm", "e": "P-1"}))
        .await
        .1);
    let quinn_id = id(&app
        .gql(Some(&admin), q, json!({"s": "mkt", "e": "Q-1"}))
        .await
        .1);
    let (_, merged) = app.gql(Some(&admin), "mutation($a: ID!, $b: ID!) { mergeCustomers(survivorId: $a, mergedId: $b) { audit { id } } }",
        json!({"a": pat_id, "b": quinn_id})).await;
    assert!(merged["errors"].is_null(), "{merged}");
    let (_, task) = app.gql(Some(&admin), "mutation($c: ID!) { createOutreach(input: {customerId: $c, frictionKind: REPEAT_CONTACT, note: \"call Pat Person\"}) { id } }",
        json!({"c": pat_id})).await;
    assert!(task["errors"].is_null(), "{task}");
    let (_, insight) = app.gql(Some(&admin), "mutation($c: ID!) { addInsight(customerId: $c, text: \"SSO confuses new admins\") { id } }",
        json!({"c": pat_id})).await;
    assert!(insight["errors"].is_null(), "{insight}");
    (pat_id, quinn_id)
}

/// Rows of `column` in `table` (of organization `org` where the table has
/// `org_id`) that hold `needle`: equal to it for integer columns, containing
/// it for text.
async fn holding(
    app: &TestApp,
    table: &str,
    column: &str,
    text: bool,
    org: Option<i64>,
    needle: &str,
) -> i64 {
    let backend = app.db.get_database_backend();
    let matches = if text {
        format!("CAST(\"{column}\" AS TEXT) LIKE '%{needle}%'")
    } else {
        format!("\"{column}\" = {needle}")
    };
    let scope = org
        .map(|o| format!(" AND org_id = {o}"))
        .unwrap_or_default();
    let sql =
        format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \"{table}\" WHERE {matches}{scope}");
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .expect("count")
        .expect("row");
    row.try_get_by::<i64, _>("n").expect("n")
}

/// Every (table, column, is text, has org_id) of the schema, from the catalog.
async fn columns(app: &TestApp) -> Vec<(String, String, bool, bool)> {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns WHERE table_schema = 'public'".to_owned(),
        _ => "SELECT m.name AS t, p.name AS c, p.type AS ty FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'".to_owned(),
    };
    let rows = app
        .db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("catalog");
    let mut found: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by("t").expect("t"),
                r.try_get_by("c").expect("c"),
                r.try_get_by::<String, _>("ty").expect("ty").to_lowercase(),
            )
        })
        .collect();
    found.sort();
    let with_org: std::collections::HashSet<String> = found
        .iter()
        .filter(|(_, c, _)| c == "org_id")
        .map(|(t, _, _)| t.clone())
        .collect();
    found
        .into_iter()
        .map(|(t, c, ty)| {
            let text = ty.contains("char") || ty.contains("text") || ty.contains("json");
            let org = with_org.contains(&t);
            (t, c, text, org)
        })
        .collect()
}

async fn kpi(app: &TestApp, token: &str) -> Value {
    let (_, body) = app
        .gql(Some(token), r#"{ kpis(window: {from: "2026-01-01T00:00:00Z", to: "2026-01-10T00:00:00Z"}) { contactRate { value } repeatContactRate { value } csatAverage { value } }
            frictionPoints(window: {from: "2026-01-01T00:00:00Z", to: "2026-01-10T00:00:00Z"}, kinds: [REPEAT_CONTACT], first: 5) { affectedCustomers exposedCustomers } }"#, json!({}))
        .await;
    body["data"].clone()
}

const ERASE: &str = "mutation($id: ID!, $dry: Boolean!) { eraseCustomer(id: $id, dryRun: $dry) { customers dryRun tables { table rows } } }";

async fn a_person_is_erased_from_every_table(app: TestApp) {
    let (pat, quinn) = seed(&app).await;
    let admin = app.admin();
    let row = |id: &str| journeygraph::global_id::decode(id).expect("global id").1;
    // Before: Pat's two tickets (one a repeat) and Quinn's (merged into
    // Pat), Robin's: 4 tickets over Pat and Robin.
    let before = kpi(&app, &app.leader()).await;
    assert_eq!(before["kpis"]["contactRate"]["value"], 2.0, "{before}");
    assert_eq!(
        before["kpis"]["repeatContactRate"]["value"], 0.5,
        "{before}"
    );
    assert_eq!(before["kpis"]["csatAverage"]["value"], 1.0, "{before}");
    assert_eq!(
        before["frictionPoints"][0]["affectedCustomers"], 1,
        "{before}"
    );

    // Who may: not a LEADER, not a partner token, not another organization.
    for (token, code) in [
        (app.leader(), "FORBIDDEN"),
        (
            app.api_token(
                &[
                    "INGEST_WRITE",
                    "JOURNEYS_READ",
                    "ANALYTICS_READ",
                    "OUTREACH_WRITE",
                ],
                None,
            )
            .await,
            "FORBIDDEN",
        ),
        (app.jwt("other", "ADMIN"), "NOT_FOUND"),
    ] {
        let (_, body) = app
            .gql(Some(&token), ERASE, json!({"id": pat, "dry": false}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }

    // A dry run counts and keeps everything.
    let (_, dry) = app
        .gql(Some(&admin), ERASE, json!({"id": pat, "dry": true}))
        .await;
    let (_, real_before) = app
        .gql(
            Some(&admin),
            "{ customers(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        real_before["data"]["customers"]["totalCount"], 2,
        "{real_before}"
    );
    let (_, erased) = app
        .gql(Some(&admin), ERASE, json!({"id": pat, "dry": false}))
        .await;
    let report = &erased["data"]["eraseCustomer"];
    assert_eq!(report["customers"], 2, "{erased}");
    assert_eq!(
        report["tables"], dry["data"]["eraseCustomer"]["tables"],
        "a dry run counts what an erasure removes"
    );
    let rows: std::collections::BTreeMap<String, i64> = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            (
                t["table"].as_str().expect("table").to_owned(),
                t["rows"].as_i64().expect("rows"),
            )
        })
        .collect();
    for (table, n) in [
        ("customer", 2),
        ("customer_identity", 3),
        ("deal", 1),
        ("onboarding_progress", 1),
        ("campaign_delivery", 1),
        ("ticket", 5),
        ("feedback", 1),
        ("outreach_task", 1),
        ("identity_merge", 1),
        ("insight (unlinked)", 1),
    ] {
        assert_eq!(rows.get(table), Some(&n), "{table}: {rows:?}");
    }
    assert!(rows["touchpoint"] >= 10, "{rows:?}");
    assert!(rows["friction_signal"] >= 1, "{rows:?}");
    // No webhook is registered here, so no delivery named them.
    assert_eq!((rows["webhook_delivery"], rows["webhook_attempt"]), (0, 0));

    // No table holds anything of theirs.
    let needles = [
        "pat@example.com",
        "quinn@example.com",
        "Pat Person",
        "Quinn Q",
        "P-1",
        "H-P",
        "Q-1",
        "T-P1",
        "T-P2",
        "T-P3",
        "T-P4",
        "T-Q",
        "D-P",
        "O-P",
        "C-P",
        "F-P",
        "L-P",
        &pat,
        &quinn,
    ];
    let ids = [row(&pat), row(&quinn)];
    let mut checked = 0;
    for (table, column, text, org) in columns(&app).await {
        let scope = org.then_some(app.org_id);
        if text {
            for needle in needles {
                assert_eq!(
                    holding(&app, &table, &column, true, scope, needle).await,
                    0,
                    "{table}.{column} holds {needle}"
                );
            }
            checked += 1;
        } else if column.contains("customer")
            || ["survivor_id", "merged_id", "merged_into"].contains(&column.as_str())
            || (table == "customer" && column == "id")
        {
            for id in ids {
                assert_eq!(
                    holding(&app, &table, &column, false, scope, &id.to_string()).await,
                    0,
                    "{table}.{column} holds {id}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");

    // Analytics lose exactly Pat's (and Quinn's) contribution: Robin's one ticket.
    let after = kpi(&app, &app.leader()).await;
    assert_eq!(after["kpis"]["contactRate"]["value"], 1.0, "{after}");
    assert_eq!(after["kpis"]["repeatContactRate"]["value"], 0.0, "{after}");
    assert!(after["kpis"]["csatAverage"]["value"].is_null(), "{after}");
    // REPEAT_CONTACT had only Pat affected: no point is left.
    assert_eq!(after["frictionPoints"], json!([]), "{after}");
    // The insight stays, without its customer.
    let (_, insights) = app
        .gql(
            Some(&admin),
            "{ insights(first: 5) { edges { node { text customer { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        insights["data"]["insights"]["edges"],
        json!([{"node": {"text": "SSO confuses new admins", "customer": null}}])
    );
    // The other organization's customer with Pat's partner ids is untouched.
    let (_, theirs) = app
        .gql(Some(&app.jwt("other", "ADMIN")), r#"{ customerByIdentity(source: "helpdesk", externalId: "H-P") { email journey(first: 5) { edges { node { kind } } } } }"#, json!({}))
        .await;
    assert_eq!(
        theirs["data"]["customerByIdentity"]["email"], "pat@example.com",
        "{theirs}"
    );
    // Erased twice: not found.
    let (_, again) = app
        .gql(Some(&admin), ERASE, json!({"id": pat, "dry": false}))
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{again}"
    );
}

on_both_databases!(a_person_is_erased_from_every_table);

/// The CLI finds the person by a partner identity; a dry run keeps them.
#[tokio::test]
async fn the_cli_erases_by_identity_with_a_dry_run() {
    let app = TestApp::sqlite().await;
    seed(&app).await;
    let run = |dry: bool| {
        let mut cmd = journeygraph(&app.database_url, common::SECRET, "warn");
        cmd.args([
            "customers",
            "erase",
            "--org",
            "acme",
            "--identity",
            "helpdesk:H-P",
        ]);
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.output().expect("run")
    };
    let dry = run(true);
    assert!(dry.status.success(), "{dry:?}");
    let text = String::from_utf8(dry.stdout).expect("utf8");
    assert!(
        text.starts_with("would erase 2 customer(s) known as helpdesk:H-P:\n"),
        "{text}"
    );
    assert!(text.contains("  ticket: 5\n"), "{text}");
    assert_eq!(app.count("customer").await, 4, "a dry run keeps everything");
    let done = run(false);
    assert!(done.status.success(), "{done:?}");
    assert!(
        String::from_utf8(done.stdout)
            .expect("utf8")
            .starts_with("erased 2 customer(s)")
    );
    assert_eq!(app.count("customer").await, 2);
    let missing = run(false);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8(missing.stderr)
            .expect("utf8")
            .contains("no customer known as helpdesk:H-P in acme")
    );
}
