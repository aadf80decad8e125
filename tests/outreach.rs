//! Friction signals active now: `Customer.summary` and its health score,
//! the outreach queue, outreach tasks written to the journey, their
//! effectiveness, and frontline insights. Signals are judged at the present
//! instant, so the data is placed relative to now.

mod common;

use common::TestApp;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const HOUR_MS: i64 = 3_600_000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The instant `hours` before now, RFC 3339.
fn ago(hours: i64) -> String {
    chrono::DateTime::from_timestamp_millis(now_ms() - hours * HOUR_MS)
        .expect("time")
        .to_rfc3339()
}

fn customer(c: &str) -> Value {
    let value = match c {
        "P" => 100_000.0,
        "Q" => 40_000.0,
        "R" => 10_000.0,
        _ => 1_000.0,
    };
    json!({"source": "crm", "externalId": c, "displayName": c, "annualValue": value})
}

fn ticket(id: &str, c: &str, reason: &str, priority: &str, hours_ago: i64) -> Value {
    json!({"source": "helpdesk", "externalId": id, "customer": customer(c), "reason": reason, "channel": "chat",
        "priority": priority, "team": "tier2", "openedAt": ago(hours_ago)})
}

const TICKETS: &str =
    "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";

/// P: a repeat login contact 10 h ago. Q: an URGENT ticket open for 10 h
/// (4 h SLA: late since 6 h ago) and a CSAT of 1 five hours ago. R: step s1
/// (1 day expected) started 72 h ago, never completed (stalled since 48 h
/// ago). S: a login only.
async fn seed(app: &TestApp) {
    let admin = app.admin();
    app.ingest(
        &admin,
        TICKETS,
        json!([
            ticket("p1", "P", "login", "LOW", 30),
            ticket("p2", "P", "login", "LOW", 10),
            ticket("q1", "Q", "billing", "URGENT", 10),
        ]),
    )
    .await;
    app.ingest(&admin, "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }", json!([
        {"source": "surveys", "externalId": "f1", "customer": customer("Q"), "metric": "CSAT", "score": 1, "occurredAt": ago(5)},
    ])).await;
    let (_, body) = app
        .gql(
            Some(&admin),
            r#"mutation { defineOnboardingSteps(steps: [{key: "s1", name: "Setup", position: 1, expectedDays: 1}]) { key } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    app.ingest(&admin, "mutation($input: [OnboardingProgressInput!]!) { ingestOnboarding(input: $input) { created } }", json!([
        {"source": "tracker", "externalId": "r1", "customer": customer("R"), "stepKey": "s1", "startedAt": ago(72)},
    ])).await;
    app.ingest(&admin, "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }", json!([
        {"source": "product", "externalId": "s1", "customer": customer("S"), "department": "PRODUCT", "kind": "login", "occurredAt": ago(1)},
    ])).await;
}

const QUEUE: &str = r#"query($after: String) { outreachQueue(first: 2, after: $after) {
    edges { cursor node { customer { displayName } severity priority reasons { kind subject severity } } }
    pageInfo { hasNextPage endCursor } } }"#;

/// (name, severity, priority, kinds) of a queue page.
fn queue_rows(body: &Value) -> Vec<(String, i64, f64, Vec<String>)> {
    body["data"]["outreachQueue"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("queue: {body}"))
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["customer"]["displayName"]
                    .as_str()
                    .expect("name")
                    .to_owned(),
                n["severity"].as_i64().expect("severity"),
                n["priority"].as_f64().expect("priority"),
                n["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|r| r["kind"].as_str().expect("kind").to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn row(
    name: &str,
    severity: i64,
    priority: f64,
    kinds: &[&str],
) -> (String, i64, f64, Vec<String>) {
    (
        name.to_owned(),
        severity,
        priority,
        kinds.iter().map(|k| (*k).to_owned()).collect(),
    )
}

async fn summary_explains_the_health_score(app: TestApp) {
    seed(&app).await;
    let q = r#"query($s: String!, $e: String!) { customerByIdentity(source: $s, externalId: $e) { summary {
        stage departmentsTouched openTickets activeFrictionKinds healthScore
        healthFactors { factor points detail } activeFriction { kind subject severity } firstTouchAt lastTouchAt } } }"#;
    let summary = |c: &'static str| {
        let app = &app;
        async move {
            let (_, body) = app
                .gql(
                    Some(&app.jwt("acme", "AGENT")),
                    q,
                    json!({"s": "crm", "e": c}),
                )
                .await;
            body["data"]["customerByIdentity"]["summary"].clone()
        }
    };
    // Q: 100 - 30 (SLOW_RESOLUTION) - 30 (LOW_SATISFACTION) - 5 (1 open ticket) = 35.
    let q_summary = summary("Q").await;
    assert_eq!(q_summary["healthScore"], 35, "{q_summary}");
    assert_eq!(
        q_summary["healthFactors"],
        json!([
            {"factor": "SLOW_RESOLUTION", "points": -30, "detail": "tier2"},
            {"factor": "LOW_SATISFACTION", "points": -30, "detail": "CSAT"},
            {"factor": "open_tickets", "points": -5, "detail": "1 open ticket(s)"},
        ])
    );
    assert_eq!(
        q_summary["activeFrictionKinds"],
        json!(["SLOW_RESOLUTION", "LOW_SATISFACTION"])
    );
    assert_eq!(q_summary["stage"], "UNKNOWN");
    assert_eq!(q_summary["openTickets"], 1);
    // P: two open tickets (-10) and a repeat contact (-30); one signal per
    // (kind, subject) even though only p2 repeats.
    let p = summary("P").await;
    assert_eq!(p["healthScore"], 60, "{p}");
    assert_eq!(
        p["activeFriction"],
        json!([{"kind": "REPEAT_CONTACT", "subject": "login", "severity": 3}])
    );
    assert_eq!(p["departmentsTouched"], json!(["SUPPORT"]));
    // R: onboarding started, stalled (-20).
    let r = summary("R").await;
    assert_eq!(
        (r["stage"].clone(), r["healthScore"].clone()),
        (json!("ONBOARDING"), json!(80)),
        "{r}"
    );
    assert_eq!(r["healthFactors"][0]["detail"], "Setup");
    // S: nothing wrong.
    let s = summary("S").await;
    assert_eq!(s["healthScore"], 100, "{s}");
    assert_eq!(s["healthFactors"], json!([]));
    assert_eq!(s["departmentsTouched"], json!(["PRODUCT"]));
    assert_eq!(s["firstTouchAt"], s["lastTouchAt"]);
}

async fn outreach_queue_and_tasks(app: TestApp) {
    seed(&app).await;
    let agent = app.jwt("acme", "AGENT");
    // Priority = severity x annual value: P 3 x 100,000; Q (3 + 3) x 40,000;
    // R 2 x 10,000. S has no signal.
    let (_, first) = app.gql(Some(&agent), QUEUE, json!({})).await;
    assert_eq!(
        queue_rows(&first),
        vec![
            row("P", 3, 300_000.0, &["REPEAT_CONTACT"]),
            row("Q", 6, 240_000.0, &["SLOW_RESOLUTION", "LOW_SATISFACTION"]),
        ]
    );
    assert_eq!(
        first["data"]["outreachQueue"]["pageInfo"]["hasNextPage"],
        true
    );
    let cursor = first["data"]["outreachQueue"]["pageInfo"]["endCursor"].clone();
    let (_, second) = app.gql(Some(&agent), QUEUE, json!({"after": cursor})).await;
    assert_eq!(
        queue_rows(&second),
        vec![row("R", 2, 20_000.0, &["ONBOARDING_STALL"])]
    );
    assert_eq!(
        second["data"]["outreachQueue"]["pageInfo"]["hasNextPage"],
        false
    );

    // An agent takes P's repeat contact: P leaves the queue.
    let (_, p) = app
        .gql(
            Some(&agent),
            r#"{ customerByIdentity(source: "crm", externalId: "P") { id } }"#,
            json!({}),
        )
        .await;
    let p_id = p["data"]["customerByIdentity"]["id"].clone();
    let create = r#"mutation($c: ID!, $k: FrictionKind!) { createOutreach(input: {customerId: $c, frictionKind: $k, subject: "login", owner: "sam"}) { id status owner createdBy } }"#;
    let (_, task) = app
        .gql(
            Some(&agent),
            create,
            json!({"c": p_id, "k": "REPEAT_CONTACT"}),
        )
        .await;
    let task = task["data"]["createOutreach"].clone();
    assert_eq!(
        (task["status"].clone(), task["createdBy"].clone()),
        (json!("OPEN"), json!("user:tester")),
        "{task}"
    );
    let (_, twice) = app
        .gql(
            Some(&agent),
            create,
            json!({"c": p_id, "k": "REPEAT_CONTACT"}),
        )
        .await;
    assert_eq!(
        twice["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{twice}"
    );
    assert_eq!(app.count("outreach_task").await, 1);
    let (_, after_create) = app.gql(Some(&agent), QUEUE, json!({})).await;
    assert_eq!(queue_rows(&after_create)[0].0, "Q");

    // OPEN -> CONTACTED -> RESOLVED; each change is an OutreachEvent.
    let update = r#"mutation($id: ID!, $s: OutreachStatus!) { updateOutreach(input: {id: $id, status: $s, note: "called"}) { status note contactedAt closedAt } }"#;
    let (_, contacted) = app
        .gql(
            Some(&agent),
            update,
            json!({"id": task["id"], "s": "CONTACTED"}),
        )
        .await;
    assert_eq!(
        contacted["data"]["updateOutreach"]["status"], "CONTACTED",
        "{contacted}"
    );
    assert!(contacted["data"]["updateOutreach"]["contactedAt"].is_string());
    let (_, back) = app
        .gql(Some(&agent), update, json!({"id": task["id"], "s": "OPEN"}))
        .await;
    assert_eq!(
        back["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{back}"
    );
    assert_eq!(back["errors"][0]["extensions"]["path"], "status");
    // A partner system with outreach:write resolves it.
    let partner = app.api_token(&["OUTREACH_WRITE"], None).await;
    let (_, resolved) = app
        .gql(
            Some(&partner),
            update,
            json!({"id": task["id"], "s": "RESOLVED"}),
        )
        .await;
    assert_eq!(
        resolved["data"]["updateOutreach"]["status"], "RESOLVED",
        "{resolved}"
    );
    let journey = r#"query($id: ID!) { customer(id: $id) { journey(first: 10, departments: [SUCCESS]) { edges { node {
        kind department ... on OutreachEvent { frictionKind status } } } } } }"#;
    let (_, events) = app.gql(Some(&agent), journey, json!({"id": p_id})).await;
    let kinds: Vec<&str> = events["data"]["customer"]["journey"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        vec!["outreach_resolved", "outreach_contacted", "outreach_opened"],
        "{events}"
    );
    // The task is finished and the repeat contact is still active: P is back.
    let (_, again) = app.gql(Some(&agent), QUEUE, json!({})).await;
    assert_eq!(queue_rows(&again)[0].0, "P");
    let tasks = r#"{ outreachTasks(first: 5, status: RESOLVED) { edges { node { status note customer { displayName } } } } }"#;
    let (_, listed) = app.gql(Some(&agent), tasks, json!({})).await;
    assert_eq!(
        listed["data"]["outreachTasks"]["edges"],
        json!([{"node": {"status": "RESOLVED", "note": "called", "customer": {"displayName": "P"}}}])
    );

    // Access: the queue names customers, so analytics:read alone is refused;
    // a token without outreach:write cannot move tasks; another
    // organization's task id is NOT_FOUND.
    let analytics = app.api_token(&["ANALYTICS_READ"], None).await;
    let (_, refused) = app.gql(Some(&analytics), QUEUE, json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let reader = app.api_token(&["JOURNEYS_READ"], None).await;
    let (_, read) = app.gql(Some(&reader), QUEUE, json!({})).await;
    assert_eq!(queue_rows(&read).len(), 2, "{read}");
    let (_, moved) = app
        .gql(
            Some(&reader),
            update,
            json!({"id": task["id"], "s": "DISMISSED"}),
        )
        .await;
    assert_eq!(moved["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let (_, foreign) = app
        .gql(
            Some(&app.jwt("other", "ADMIN")),
            update,
            json!({"id": task["id"], "s": "DISMISSED"}),
        )
        .await;
    assert_eq!(
        foreign["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{foreign}"
    );
    let (_, foreign_queue) = app
        .gql(Some(&app.jwt("other", "AGENT")), QUEUE, json!({}))
        .await;
    assert_eq!(queue_rows(&foreign_queue), vec![]);
}

async fn outreach_effectiveness_compares_contacted_and_not(app: TestApp) {
    let admin = app.admin();
    // K1..K4 flagged 20 days ago, K5 and K6 5 days ago; K1 and K2 contacted.
    let mut ids = Vec::new();
    for c in ["K1", "K2", "K3", "K4", "K5", "K6"] {
        app.ingest(&admin, "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }", json!([
            {"source": "product", "externalId": format!("l{c}"), "customer": customer(c), "department": "PRODUCT", "kind": "login", "occurredAt": ago(600)},
        ])).await;
        let (_, found) = app
            .gql(Some(&admin), r#"query($e: String!) { customerByIdentity(source: "crm", externalId: $e) { id } }"#, json!({"e": c}))
            .await;
        let id = found["data"]["customerByIdentity"]["id"].clone();
        let (_, task) = app
            .gql(Some(&admin), r#"mutation($c: ID!) { createOutreach(input: {customerId: $c, frictionKind: GOING_DARK}) { id } }"#, json!({"c": id}))
            .await;
        ids.push(
            task["data"]["createOutreach"]["id"]
                .as_str()
                .expect("task id")
                .to_owned(),
        );
    }
    for id in &ids[..2] {
        let (_, body) = app
            .gql(Some(&admin), r#"mutation($id: ID!) { updateOutreach(input: {id: $id, status: CONTACTED}) { id } }"#, json!({"id": id}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    // The service stamps tasks with the present; a 14-day outcome needs
    // flags in the past, so the test moves them back (the only raw write).
    let day = 24 * HOUR_MS;
    for (i, id) in ids.iter().enumerate() {
        let id = journeygraph::global_id::decode(id).expect("a task id").1;
        let flagged = now_ms() - if i < 4 { 20 * day } else { 5 * day };
        app.db
            .execute_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                format!(
                    "UPDATE outreach_task SET created_at = {flagged}, contacted_at = CASE WHEN contacted_at IS NULL THEN NULL ELSE {} END WHERE id = {id}",
                    flagged + day
                ),
            ))
            .await
            .expect("backdate");
    }
    app.ingest(
        &admin,
        TICKETS,
        json!([
            ticket("k1", "K1", "login", "LOW", 15 * 24),
            ticket("k3", "K3", "login", "LOW", 18 * 24),
            ticket("k4", "K4", "login", "LOW", 2 * 24),
            ticket("k6", "K6", "login", "LOW", 4 * 24),
        ]),
    )
    .await;
    let q = r#"query($from: DateTime!, $to: DateTime!) { outreachEffectiveness(window: {from: $from, to: $to}) {
        flaggedCustomers contactedCustomers contactedWithTicket notContactedCustomers notContactedWithTicket
        contactedTicketRate notContactedTicketRate preventedContactRate } }"#;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            q,
            json!({"from": ago(30 * 24), "to": ago(-24)}),
        )
        .await;
    // K1 contacted, ticket 5 days after the flag: counted. K2 contacted, no
    // ticket. K3 not contacted, ticket 2 days after. K4 not contacted, its
    // ticket 18 days after: outside the 14 days. K5: 14 days not over and no
    // ticket: undecided, left out. K6: ticket 1 day after: decided.
    // Contacted 1/2, not contacted 2/3 (K3, K6 of K3 K4 K6); prevented
    // 1 - 0.5 / (2/3) = 0.25.
    let e = &body["data"]["outreachEffectiveness"];
    assert_eq!(
        (
            e["flaggedCustomers"].clone(),
            e["contactedCustomers"].clone(),
            e["contactedWithTicket"].clone(),
            e["notContactedCustomers"].clone(),
            e["notContactedWithTicket"].clone()
        ),
        (json!(5), json!(2), json!(1), json!(3), json!(2)),
        "{body}"
    );
    assert_eq!(e["contactedTicketRate"], 0.5);
    assert!((e["notContactedTicketRate"].as_f64().expect("rate") - 2.0 / 3.0).abs() < 1e-9);
    assert!((e["preventedContactRate"].as_f64().expect("rate") - 0.25).abs() < 1e-9);
    let (_, agent) = app
        .gql(
            Some(&app.jwt("acme", "AGENT")),
            q,
            json!({"from": ago(30 * 24), "to": ago(-24)}),
        )
        .await;
    assert_eq!(agent["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

async fn insights_are_voted_and_shown_on_friction_points(app: TestApp) {
    let admin = app.admin();
    app.ingest(
        &admin,
        TICKETS,
        json!([
            ticket("a1", "P", "login", "LOW", 30),
            ticket("a2", "P", "login", "LOW", 10),
            ticket("b1", "Q", "billing", "LOW", 20),
        ]),
    )
    .await;
    let add = r#"mutation($t: String!, $k: FrictionKind, $s: String) { addInsight(text: $t, frictionKind: $k, subject: $s) { id text votes author frictionKind subject } }"#;
    let ana = app.person("acme", "AGENT", "ana");
    let (_, first) = app
        .gql(Some(&ana), add, json!({"t": "SSO resets lock people out — «again» 🙃", "k": "REPEAT_CONTACT", "s": "login"}))
        .await;
    let first = first["data"]["addInsight"].clone();
    assert_eq!(first["author"], "user:ana", "{first}");
    assert_eq!(first["text"], "SSO resets lock people out — «again» 🙃");
    let (_, second) = app
        .gql(
            Some(&ana),
            add,
            json!({"t": "login page is slow", "k": "REPEAT_CONTACT", "s": "login"}),
        )
        .await;
    let second_id = second["data"]["addInsight"]["id"].clone();
    let vote = r#"mutation($id: ID!) { voteInsight(id: $id) { votes } }"#;
    // One vote per person: ana twice counts once, ben adds one.
    for (token, expected) in [
        (&ana, 1),
        (&ana, 1),
        (&app.person("acme", "LEADER", "ben"), 2),
    ] {
        let (_, voted) = app.gql(Some(token), vote, json!({"id": first["id"]})).await;
        assert_eq!(voted["data"]["voteInsight"]["votes"], expected, "{voted}");
    }
    assert_eq!(app.count("insight_vote").await, 2);
    let list = r#"{ insights(first: 1, frictionKind: REPEAT_CONTACT) { edges { node { id votes } } pageInfo { hasNextPage endCursor } } }"#;
    let (_, page) = app.gql(Some(&ana), list, json!({})).await;
    assert_eq!(
        page["data"]["insights"]["edges"][0]["node"],
        json!({"id": first["id"], "votes": 2}),
        "{page}"
    );
    let more = r#"query($a: String) { insights(first: 5, after: $a) { edges { node { id } } } }"#;
    let (_, rest) = app
        .gql(
            Some(&ana),
            more,
            json!({"a": page["data"]["insights"]["pageInfo"]["endCursor"]}),
        )
        .await;
    assert_eq!(
        rest["data"]["insights"]["edges"],
        json!([{"node": {"id": second_id}}]),
        "{rest}"
    );

    // The friction point of REPEAT_CONTACT / login shows both, most votes first.
    let points = r#"query($from: DateTime!, $to: DateTime!) { frictionPoints(window: {from: $from, to: $to}, kinds: [REPEAT_CONTACT], first: 5) {
        subject insights(first: 5) { text votes } } }"#;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            points,
            json!({"from": ago(48), "to": ago(0)}),
        )
        .await;
    assert_eq!(
        body["data"]["frictionPoints"][0],
        json!({"subject": "login", "insights": [
            {"text": "SSO resets lock people out — «again» 🙃", "votes": 2}, {"text": "login page is slow", "votes": 0}]}),
        "{body}"
    );

    // Bad input, other organizations, partner tokens.
    let (_, orphan) = app
        .gql(Some(&ana), add, json!({"t": "x", "s": "login"}))
        .await;
    assert_eq!(
        orphan["errors"][0]["extensions"]["path"], "subject",
        "{orphan}"
    );
    let (_, empty) = app.gql(Some(&ana), add, json!({"t": "  "})).await;
    assert_eq!(empty["errors"][0]["extensions"]["path"], "text", "{empty}");
    let (_, foreign) = app
        .gql(
            Some(&app.jwt("other", "AGENT")),
            vote,
            json!({"id": first["id"]}),
        )
        .await;
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let (_, foreign_customer) = app
        .gql(
            Some(&app.jwt("other", "AGENT")),
            r#"mutation($c: ID!) { addInsight(text: "x", customerId: $c) { id } }"#,
            json!({"c": common::customer_id(1)}),
        )
        .await;
    assert_eq!(
        foreign_customer["errors"][0]["extensions"]["code"],
        "NOT_FOUND"
    );
    let token = app
        .api_token(&["ANALYTICS_READ", "JOURNEYS_READ"], None)
        .await;
    let (_, partner) = app.gql(Some(&token), add, json!({"t": "x"})).await;
    assert_eq!(partner["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let (_, partner_points) = app
        .gql(Some(&token), points, json!({"from": ago(48), "to": ago(0)}))
        .await;
    assert_eq!(
        partner_points["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
    assert!(
        !partner_points.to_string().contains("SSO"),
        "{partner_points}"
    );
    assert_eq!(app.count("insight").await, 2);
}

const DEALS: &str =
    "mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created updated } }";

fn deal(id: &str, c: &str, opened_hours_ago: i64, outcome: &str) -> Value {
    let closed = (outcome != "OPEN").then(|| ago(opened_hours_ago - 20));
    json!({"source": "crm", "externalId": id, "customer": customer(c), "owner": "ana", "stage": outcome.to_lowercase(),
        "amount": 1000.0, "openedAt": ago(opened_hours_ago), "closedAt": closed, "outcome": outcome})
}

/// A customer whose latest deal was LOST has no relationship left to save:
/// not in the call queue, whatever their signals, until a newer deal opens.
async fn a_customer_whose_latest_deal_was_lost_is_not_called(app: TestApp) {
    seed(&app).await;
    let admin = app.admin();
    let names =
        |body: &Value| -> Vec<String> { queue_rows(body).into_iter().map(|r| r.0).collect() };
    // P lost its only deal; Q lost one, then opened a later one (open, so
    // no onboarding handoff is due).
    app.ingest(
        &admin,
        DEALS,
        json!([
            deal("dp1", "P", 200, "LOST"),
            deal("dq1", "Q", 300, "LOST"),
            deal("dq2", "Q", 250, "OPEN")
        ]),
    )
    .await;
    let (_, body) = app.gql(Some(&admin), QUEUE, json!({})).await;
    assert_eq!(names(&body), ["Q", "R"], "{body}");
    assert_eq!(
        body["data"]["outreachQueue"]["pageInfo"]["hasNextPage"],
        false
    );
    // A new deal opens with P: it is worth calling again, first as before.
    app.ingest(&admin, DEALS, json!([deal("dp2", "P", 50, "OPEN")]))
        .await;
    let (_, body) = app.gql(Some(&admin), QUEUE, json!({})).await;
    assert_eq!(names(&body), ["P", "Q"], "{body}");
}

on_both_databases!(
    summary_explains_the_health_score,
    outreach_queue_and_tasks,
    outreach_effectiveness_compares_contacted_and_not,
    insights_are_voted_and_shown_on_friction_points,
    a_customer_whose_latest_deal_was_lost_is_not_called,
);
