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

/// Rows of the tables a re-sent record would write to.
async fn written(app: &TestApp) -> [i64; 4] {
    [
        app.count("customer").await,
        app.count("customer_identity").await,
        app.count("ticket").await,
        app.count("touchpoint").await,
    ]
}

const TICKET_REPORT: &str = "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created updated unchanged suppressed items { externalId outcome } } }";
const SETTINGS: &str = "mutation($m: SuppressedRecords!) { updateOrganizationSettings(suppressedRecords: $m) { currency suppressedRecords } }";
const LIFT: &str = "mutation($i: IdentityKey, $e: String) { liftSuppression(identity: $i, email: $e) { kind customerRef createdBy } }";

/// Erased stays erased: the person's identities (Quinn's too, merged into
/// Pat) and emails are refused at ingest, with each record's path; with
/// the organization's DROP setting they are left out and listed; an
/// ADMIN lifts one entry; another organization is not affected.
async fn an_erased_person_is_refused_at_ingest(app: TestApp) {
    let (pat, _) = seed(&app).await;
    let admin = app.admin();
    let (_, erased) = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { eraseCustomer(id: $id) { suppressed customerRef } }",
            json!({"id": pat}),
        )
        .await;
    let report = &erased["data"]["eraseCustomer"];
    // crm:P-1, helpdesk:H-P, mkt:Q-1, pat@ and quinn@.
    assert_eq!(report["suppressed"], 5, "{erased}");
    let pseudonym = report["customerRef"].as_str().expect("customerRef");
    assert!(
        pseudonym.starts_with("cust_") && pseudonym.len() == 29,
        "{pseudonym}"
    );

    let before = written(&app).await;
    let robin = who("crm", "R-1", "robin@example.com", "Robin R");
    let refused = [
        // Pat's helpdesk identity, as the help desk re-sends it.
        (
            json!([ticket(
                "T-P1",
                who("helpdesk", "H-P", "pat@example.com", "Pat Person"),
                50
            )]),
            vec!["input[0].customer"],
        ),
        // A new identity with Pat's email (other case, spaces), after a
        // customer who may be written: the whole batch is refused.
        (
            json!([
                ticket("T-R2", robin.clone(), 95),
                ticket("T-C9", who("chat", "C-9", " PAT@Example.com ", "P."), 96)
            ]),
            vec!["input[1].customer"],
        ),
        // Quinn, merged into Pat, without an email; and Pat's crm id twice.
        (
            json!([
                ticket("T-Q2", json!({"source": "mkt", "externalId": "Q-1"}), 97),
                ticket("T-R3", robin.clone(), 98),
                ticket("T-P5", json!({"source": "crm", "externalId": "P-1"}), 99),
                ticket("T-P6", json!({"source": "crm", "externalId": "P-1"}), 99)
            ]),
            vec![
                "input[0].customer",
                "input[2].customer",
                "input[3].customer",
            ],
        ),
    ];
    for (input, paths) in refused {
        let (_, body) = app
            .gql(Some(&admin), TICKET_REPORT, json!({"input": input}))
            .await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "SUPPRESSED", "{body}");
        assert_eq!(error["extensions"]["path"], paths[0], "{body}");
        assert_eq!(error["extensions"]["paths"], json!(paths), "{body}");
        assert_eq!(
            error["message"],
            format!(
                "{} record(s) name a person erased from this organization (the first: {}); records about them are refused until an ADMIN lifts the suppression",
                paths.len(),
                paths[0]
            )
        );
        assert_eq!(written(&app).await, before, "nothing is written");
    }
    // Another organization's customer with Pat's ids is not suppressed.
    let (_, theirs) = app
        .gql(
            Some(&app.jwt("other", "ADMIN")),
            TICKET_REPORT,
            json!({"input": [ticket("T-P7", who("helpdesk", "H-P", "pat@example.com", "Pat Person"), 99)]}),
        )
        .await;
    assert_eq!(theirs["data"]["ingestTickets"]["created"], 1, "{theirs}");

    // DROP: the batch goes through without them, and says which were left out.
    let (_, denied) = app
        .gql(Some(&app.leader()), SETTINGS, json!({"m": "DROP"}))
        .await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let (_, settings) = app.gql(Some(&admin), SETTINGS, json!({"m": "DROP"})).await;
    assert_eq!(
        settings["data"]["updateOrganizationSettings"],
        json!({"currency": "USD", "suppressedRecords": "DROP"})
    );
    let (_, read) = app
        .gql(
            Some(&admin),
            "{ organizationSettings { currency suppressedRecords } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["data"]["organizationSettings"],
        json!({"currency": "USD", "suppressedRecords": "DROP"})
    );
    let (_, denied) = app
        .gql(
            Some(&app.leader()),
            "{ organizationSettings { currency } }",
            json!({}),
        )
        .await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let before = written(&app).await;
    let (_, dropped) = app
        .gql(
            Some(&admin),
            TICKET_REPORT,
            json!({"input": [
                ticket("T-C9", who("chat", "C-9", "pat@example.com", "P."), 96),
                ticket("T-R2", robin.clone(), 95)
            ]}),
        )
        .await;
    assert_eq!(
        dropped["data"]["ingestTickets"],
        json!({"created": 1, "updated": 0, "unchanged": 0, "suppressed": [0],
            "items": [{"externalId": "T-R2", "outcome": "CREATED"}]}),
        "{dropped}"
    );
    // Robin's ticket and its two timeline events; no customer, no identity.
    let after = written(&app).await;
    assert_eq!(
        [after[0], after[1], after[2], after[3]],
        [before[0], before[1], before[2] + 1, before[3] + 2]
    );

    // The list holds hashes only: ADMINs see kinds and the pseudonym.
    let (_, list) = app
        .gql(
            Some(&admin),
            "{ suppressions(first: 10) { kind customerRef createdBy } }",
            json!({}),
        )
        .await;
    let entries = list["data"]["suppressions"].as_array().expect("list");
    assert_eq!(entries.len(), 5, "{list}");
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "identity").count(), 3);
    assert_eq!(kinds.iter().filter(|k| **k == "email").count(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e["customerRef"] == pseudonym && e["createdBy"] == "user:tester")
    );
    for (token, code) in [
        (app.leader(), "FORBIDDEN"),
        (
            app.api_token(&["JOURNEYS_READ", "INGEST_WRITE"], None)
                .await,
            "FORBIDDEN",
        ),
    ] {
        let (_, body) = app
            .gql(Some(&token), "{ suppressions { kind } }", json!({}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        let (_, body) = app
            .gql(Some(&token), LIFT, json!({"e": "pat@example.com"}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }
    let (_, theirs) = app
        .gql(
            Some(&app.jwt("other", "ADMIN")),
            "{ suppressions { kind } }",
            json!({}),
        )
        .await;
    assert_eq!(theirs["data"]["suppressions"], json!([]), "{theirs}");

    // Lifting: exactly one of identity and email.
    let helpdesk = json!({"source": "helpdesk", "externalId": "H-P"});
    for variables in [json!({}), json!({"i": helpdesk, "e": "pat@example.com"})] {
        let (_, body) = app.gql(Some(&admin), LIFT, variables).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    let (_, lifted) = app.gql(Some(&admin), LIFT, json!({"i": helpdesk})).await;
    assert_eq!(
        lifted["data"]["liftSuppression"],
        json!({"kind": "identity", "customerRef": pseudonym, "createdBy": "user:tester"})
    );
    let (_, again) = app.gql(Some(&admin), LIFT, json!({"i": helpdesk})).await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{again}"
    );
    // Back to REFUSE: the help desk id alone is accepted (a new customer);
    // with Pat's email, still listed, it is refused.
    app.gql(Some(&admin), SETTINGS, json!({"m": "REFUSE"}))
        .await;
    let (_, accepted) = app
        .gql(
            Some(&admin),
            TICKET_REPORT,
            json!({"input": [ticket("T-P8", json!({"source": "helpdesk", "externalId": "H-P"}), 99)]}),
        )
        .await;
    assert_eq!(
        accepted["data"]["ingestTickets"]["created"], 1,
        "{accepted}"
    );
    let (_, refused) = app
        .gql(
            Some(&admin),
            TICKET_REPORT,
            json!({"input": [ticket("T-P9", who("helpdesk", "H-P", "pat@example.com", "Pat"), 99)]}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "SUPPRESSED",
        "{refused}"
    );
}

/// A partner token erases only with the explicit `CUSTOMERS_ERASE` scope.
async fn a_privacy_system_erases_with_its_own_scope(app: TestApp) {
    let (pat, _) = seed(&app).await;
    let token = app.api_token(&["CUSTOMERS_ERASE"], None).await;
    let (_, body) = app
        .gql(Some(&token), ERASE, json!({"id": pat, "dry": false}))
        .await;
    assert_eq!(body["data"]["eraseCustomer"]["customers"], 2, "{body}");
    let (_, events) = app
        .gql(
            Some(&app.admin()),
            "{ auditEvents(first: 1) { action actor } }",
            json!({}),
        )
        .await;
    let token_id = app.count("api_token").await;
    assert_eq!(
        events["data"]["auditEvents"],
        json!([{"action": "CUSTOMER_ERASED", "actor": format!("token:{token_id}")}])
    );
}

on_both_databases!(
    a_person_is_erased_from_every_table,
    an_erased_person_is_refused_at_ingest,
    a_privacy_system_erases_with_its_own_scope
);
