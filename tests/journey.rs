//! The journey read over HTTP: order, keyset pagination (equal timestamps
//! included), filters, bounds, typed events, and organization isolation.

mod common;

use common::TestApp;
use common::data::{self, at};
use journeygraph::domain::Department;
use serde_json::{Value, json};

const JOURNEY: &str = r#"
query($id: ID!, $first: Int!, $after: String, $departments: [Department!], $from: DateTime, $to: DateTime) {
  customer(id: $id) {
    journey(first: $first, after: $after, departments: $departments, from: $from, to: $to) {
      edges { cursor node { __typename id occurredAt department kind } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"#;

async fn customer_id(app: &TestApp, external_id: &str) -> String {
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "query($e: String!) { customerByIdentity(source: \"crm\", externalId: $e) { id } }",
            json!({"e": external_id}),
        )
        .await;
    body["data"]["customerByIdentity"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// All event ids of a journey, read page by page with `first`.
async fn read_all(app: &TestApp, id: &str, first: i64, extra: Value) -> Vec<(String, String)> {
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let mut vars = json!({"id": id, "first": first, "after": after});
        if let Value::Object(extra) = &extra {
            for (k, v) in extra {
                vars[k] = v.clone();
            }
        }
        let (status, body) = app.gql(Some(&app.leader()), JOURNEY, vars).await;
        assert_eq!(status, 200, "{body}");
        let journey = &body["data"]["customer"]["journey"];
        let edges = journey["edges"].as_array().expect("edges");
        assert!(edges.len() as i64 <= first);
        for e in edges {
            seen.push((
                e["node"]["occurredAt"].as_str().expect("at").to_owned(),
                e["node"]["id"].as_str().expect("id").to_owned(),
            ));
        }
        if !journey["pageInfo"]["hasNextPage"].as_bool().expect("bool") {
            return seen;
        }
        after = journey["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

async fn seed_one_customer(app: &TestApp) {
    // Five events at the same instant, then a spread over departments.
    let mut tps: Vec<_> = (0..5)
        .map(|i| data::touchpoint("C1", &format!("same-{i}"), Department::Product, 10))
        .collect();
    tps.push(data::touchpoint("C1", "mkt", Department::Marketing, 1));
    tps.push(data::touchpoint("C1", "succ", Department::Success, 30));
    tps.push(data::touchpoint("C1", "late", Department::Product, 50));
    data::touchpoints(&app.db, app.org_id, tps).await;
    // One ticket: opened (h 20) and resolved (h 22) lifecycle events.
    data::tickets(
        &app.db,
        app.org_id,
        vec![data::ticket("C1", "T1", 20, Some(22))],
    )
    .await;
}

async fn pagination_has_no_gap_and_no_duplicate(app: TestApp) {
    seed_one_customer(&app).await;
    let id = customer_id(&app, "C1").await;
    let all = read_all(&app, &id, 100, json!({})).await;
    assert_eq!(all.len(), 10, "8 touchpoints + ticket opened + resolved");
    // Newest first by (occurredAt, id).
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| {
        let row = |id: &str| journeygraph::global_id::decode(id).expect("an event id").1;
        b.0.cmp(&a.0).then(row(&b.1).cmp(&row(&a.1)))
    });
    assert_eq!(all, sorted);
    for first in [1, 2, 3, 4] {
        assert_eq!(
            read_all(&app, &id, first, json!({})).await,
            all,
            "first = {first}"
        );
    }
}

async fn typed_events_carry_their_record(app: TestApp) {
    seed_one_customer(&app).await;
    let id = customer_id(&app, "C1").await;
    let query = r#"query($id: ID!) { customer(id: $id) { journey(first: 10, departments: [SUPPORT]) { edges { node {
        __typename kind department
        ... on SupportEvent { reason priority team ticketExternalId openedAt resolvedAt } } } } } }"#;
    let (_, body) = app.gql(Some(&app.leader()), query, json!({"id": id})).await;
    let nodes: Vec<&Value> = body["data"]["customer"]["journey"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(nodes.len(), 2, "{body}");
    assert_eq!(nodes[0]["kind"], "ticket_resolved");
    assert_eq!(nodes[1]["kind"], "ticket_opened");
    for n in nodes {
        assert_eq!(n["__typename"], "SupportEvent");
        assert_eq!(n["reason"], "login_issue");
        assert_eq!(n["priority"], "HIGH");
        assert_eq!(n["team"], "tier1");
        assert_eq!(n["ticketExternalId"], "T1");
        assert_eq!(n["openedAt"], "2026-01-01T20:00:00+00:00");
        assert_eq!(n["resolvedAt"], "2026-01-01T22:00:00+00:00");
    }
}

async fn department_and_time_filters(app: TestApp) {
    seed_one_customer(&app).await;
    let id = customer_id(&app, "C1").await;
    let product = read_all(&app, &id, 3, json!({"departments": ["PRODUCT"]})).await;
    assert_eq!(product.len(), 6);
    let two = read_all(
        &app,
        &id,
        3,
        json!({"departments": ["MARKETING", "SUCCESS"]}),
    )
    .await;
    assert_eq!(two.len(), 2);
    // [from, to): h 10 included, h 30 excluded.
    let window = read_all(
        &app,
        &id,
        2,
        json!({"from": "2026-01-01T10:00:00Z", "to": "2026-01-02T06:00:00Z"}),
    )
    .await;
    assert_eq!(window.len(), 7, "5 at h10, ticket h20 and h22: {window:?}");
    assert!(
        window
            .iter()
            .all(|(t, _)| t.as_str() >= "2026-01-01T10:00:00+00:00"
                && t.as_str() < "2026-01-02T06:00:00+00:00")
    );
}

async fn first_out_of_range_is_bad_user_input(app: TestApp) {
    seed_one_customer(&app).await;
    let id = customer_id(&app, "C1").await;
    for first in [0, -1, 101] {
        let (_, body) = app
            .gql(
                Some(&app.leader()),
                JOURNEY,
                json!({"id": id, "first": first}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{first}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["path"], "first");
    }
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "{ customers(first: 101) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            JOURNEY,
            json!({"id": id, "first": 5, "after": "garbage"}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

async fn another_organizations_customer_is_not_found(app: TestApp) {
    data::touchpoints(
        &app.db,
        app.other_org_id,
        vec![data::touchpoint("X1", "x", Department::Product, 1)],
    )
    .await;
    let other_id: i64 = <entity::customer::Entity as sea_orm::EntityTrait>::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("one customer")
        .id;
    let q = "query($id: ID!) { customer(id: $id) { id displayName } }";
    let (_, theirs) = app
        .gql(
            Some(&app.leader()),
            q,
            json!({"id": common::customer_id(other_id)}),
        )
        .await;
    let (_, missing) = app
        .gql(
            Some(&app.leader()),
            q,
            json!({"id": common::customer_id(999_999)}),
        )
        .await;
    assert_eq!(theirs["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(
        theirs["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    assert_eq!(theirs["data"], json!({"customer": null}));
    let (_, by_identity) = app
        .gql(
            Some(&app.leader()),
            r#"{ customerByIdentity(source: "crm", externalId: "X1") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(by_identity["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let (_, list) = app
        .gql(
            Some(&app.leader()),
            "{ customers(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["customers"]["edges"],
        json!([]),
        "acme has no customers"
    );
}

async fn customers_list_pages_and_nests_journeys(app: TestApp) {
    let tps = (0..7)
        .map(|i| data::touchpoint(&format!("K{i}"), &format!("k{i}"), Department::Sales, i))
        .collect();
    data::touchpoints(&app.db, app.org_id, tps).await;
    let q = r#"query($after: String) { customers(first: 3, after: $after) {
        edges { node { displayName journey(first: 5) { edges { node { kind } } } } }
        pageInfo { hasNextPage endCursor } } }"#;
    let mut after: Option<String> = None;
    let mut names = Vec::new();
    loop {
        let (_, body) = app
            .gql(Some(&app.leader()), q, json!({"after": after}))
            .await;
        let c = &body["data"]["customers"];
        for e in c["edges"].as_array().expect("edges") {
            names.push(e["node"]["displayName"].as_str().expect("name").to_owned());
            assert_eq!(
                e["node"]["journey"]["edges"].as_array().expect("j").len(),
                1,
                "{body}"
            );
        }
        if !c["pageInfo"]["hasNextPage"].as_bool().expect("b") {
            break;
        }
        after = c["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let expected: Vec<String> = (0..7).map(|i| format!("Customer K{i}")).collect();
    assert_eq!(names, expected);
}

/// `customers { journey }` costs the same few statements for 3 customers
/// as for 12: the list, one ranked journey query, one ticket lookup. The
/// organization named by the JWT is looked up by the first request only
/// (then remembered), which the first query here pays.
async fn nested_journeys_cost_a_fixed_number_of_statements(app: TestApp) {
    let tps = (0..12)
        .map(|i| data::touchpoint(&format!("N{i}"), &format!("n{i}"), Department::Product, i))
        .collect();
    data::touchpoints(&app.db, app.org_id, tps).await;
    let tickets = (0..12)
        .map(|i| data::ticket(&format!("N{i}"), &format!("NT{i}"), i + 1, None))
        .collect();
    data::tickets(&app.db, app.org_id, tickets).await;
    let q = r#"query($n: Int!) { customers(first: $n) { edges { node { id
        journey(first: 5) { edges { node { __typename ... on SupportEvent { reason } } } } } } } }"#;
    let mut costs = Vec::new();
    for n in [1, 3, 12] {
        let before = app.statements();
        let (_, body) = app.gql(Some(&app.leader()), q, json!({"n": n})).await;
        costs.push(app.statements() - before);
        let edges = body["data"]["customers"]["edges"]
            .as_array()
            .expect("edges");
        assert_eq!(edges.len(), n as usize, "{body}");
        for e in edges {
            let journey = e["node"]["journey"]["edges"].as_array().expect("journey");
            assert_eq!(journey.len(), 2, "a login and a ticket opened: {body}");
            assert_eq!(journey[0]["node"]["reason"], "login_issue");
        }
    }
    assert_eq!(
        costs,
        vec![3, 2, 2],
        "statements for 1 (with the organization lookup), 3 and 12 customers: \
         the customers, then every journey page with its records"
    );
}

/// Every kind of typed event carries the fields of its own record, and the
/// page with all of them costs one statement beside the customer's.
async fn every_typed_event_carries_its_record_in_one_statement(app: TestApp) {
    let admin = app.admin();
    let who = json!({"source": "crm", "externalId": "K1"});
    let (_, body) = app
        .gql(
            Some(&admin),
            r#"mutation { defineOnboardingSteps(steps: [{key: "s1", name: "Kickoff", position: 1, expectedDays: 3}]) { key } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    app.ingest(&admin, "mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }", json!([
        {"source": "crm", "externalId": "D1", "customer": who, "owner": "ana", "stage": "negotiation",
         "amount": 1200.5, "openedAt": "2026-01-01T01:00:00Z", "outcome": "OPEN"}])).await;
    app.ingest(&admin, "mutation($input: [OnboardingProgressInput!]!) { ingestOnboarding(input: $input) { created } }", json!([
        {"source": "tracker", "externalId": "P1", "customer": who, "stepKey": "s1",
         "startedAt": "2026-01-01T02:00:00Z", "completedAt": "2026-01-01T03:00:00Z"}])).await;
    app.ingest(&admin, "mutation($input: [CampaignDeliveryInput!]!) { ingestCampaignDeliveries(input: $input) { created } }", json!([
        {"source": "marketing", "externalId": "M1", "customer": who, "campaignExternalId": "CMP-1",
         "campaignName": "Spring \u{1F331} launch", "campaignChannel": "email",
         "deliveredAt": "2026-01-01T04:00:00Z", "openedAt": "2026-01-01T05:00:00Z"}])).await;
    app.ingest(&admin, "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }", json!([
        {"source": "helpdesk", "externalId": "T1", "customer": who, "reason": "billing", "channel": "email",
         "priority": "URGENT", "team": "tier2", "openedAt": "2026-01-01T06:00:00Z"}])).await;
    app.ingest(
        &admin,
        "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }",
        json!([
        {"source": "surveys", "externalId": "F1", "customer": who, "metric": "CSAT", "score": 4,
         "comment": "fine", "occurredAt": "2026-01-01T07:00:00Z",
         "about": {"kind": "DEAL", "source": "crm", "externalId": "D1"}}]),
    )
    .await;
    let id = customer_id(&app, "K1").await;
    let query = r#"query($id: ID!) { customer(id: $id) { journey(first: 20) { edges { node {
        __typename kind
        ... on DealEvent { dealExternalId owner stage amount outcome dealOpenedAt: openedAt closedAt }
        ... on OnboardingEvent { stepKey stepName stepPosition expectedDays startedAt completedAt }
        ... on CampaignEvent { campaignExternalId campaignName campaignChannel deliveredAt campaignOpenedAt: openedAt clickedAt }
        ... on SupportEvent { ticketExternalId reason priority team openedAt resolvedAt reopenedCount }
        ... on FeedbackEvent { metric score comment about } } } } } }"#;
    let leader = app.leader();
    let (_, body) = app.gql(Some(&leader), query, json!({"id": id})).await;
    let before = app.statements();
    let (_, again) = app.gql(Some(&leader), query, json!({"id": id})).await;
    assert_eq!(app.statements() - before, 2, "the customer, then the page");
    assert_eq!(again, body);
    let kinds: Vec<&Value> = body["data"]["customer"]["journey"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"]["kind"])
        .collect();
    assert_eq!(
        kinds,
        [
            "feedback_given",
            "ticket_opened",
            "campaign_opened",
            "campaign_delivered",
            "step_completed",
            "step_started",
            "deal_opened"
        ],
        "{body}"
    );
    let node = |i: usize| &body["data"]["customer"]["journey"]["edges"][i]["node"];
    let deal = json!({"__typename": "DealEvent", "kind": "deal_opened", "dealExternalId": "D1", "owner": "ana",
        "stage": "negotiation", "amount": 1200.5, "outcome": "OPEN", "dealOpenedAt": "2026-01-01T01:00:00+00:00", "closedAt": null});
    assert_eq!(node(6), &deal);
    let step = |kind: &str| {
        json!({"__typename": "OnboardingEvent", "kind": kind, "stepKey": "s1", "stepName": "Kickoff",
        "stepPosition": 1, "expectedDays": 3, "startedAt": "2026-01-01T02:00:00+00:00", "completedAt": "2026-01-01T03:00:00+00:00"})
    };
    assert_eq!(node(5), &step("step_started"));
    assert_eq!(node(4), &step("step_completed"));
    let campaign = |kind: &str| {
        json!({"__typename": "CampaignEvent", "kind": kind, "campaignExternalId": "CMP-1",
        "campaignName": "Spring \u{1F331} launch", "campaignChannel": "email", "deliveredAt": "2026-01-01T04:00:00+00:00",
        "campaignOpenedAt": "2026-01-01T05:00:00+00:00", "clickedAt": null})
    };
    assert_eq!(node(3), &campaign("campaign_delivered"));
    assert_eq!(node(2), &campaign("campaign_opened"));
    assert_eq!(
        node(1),
        &json!({"__typename": "SupportEvent", "kind": "ticket_opened", "ticketExternalId": "T1",
        "reason": "billing", "priority": "URGENT", "team": "tier2", "openedAt": "2026-01-01T06:00:00+00:00",
        "resolvedAt": null, "reopenedCount": 0})
    );
    assert_eq!(
        node(0),
        &json!({"__typename": "FeedbackEvent", "kind": "feedback_given", "metric": "CSAT",
        "score": 4, "comment": "fine", "about": "DEAL"})
    );
}

/// What an event shows of its record follows the record: a ticket re-sent
/// resolved, a step renamed, an outreach task contacted all show on the
/// events written before the change, not only on the new ones.
async fn events_show_their_record_as_it_is_now(app: TestApp) {
    let admin = app.admin();
    let who = json!({"source": "crm", "externalId": "K2"});
    let steps = r#"mutation($name: String!) { defineOnboardingSteps(steps: [{key: "s1", name: $name, position: 1, expectedDays: 3}]) { key } }"#;
    let (_, body) = app
        .gql(Some(&admin), steps, json!({"name": "Kickoff"}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    app.ingest(&admin, "mutation($input: [OnboardingProgressInput!]!) { ingestOnboarding(input: $input) { created } }", json!([
        {"source": "tracker", "externalId": "P1", "customer": who, "stepKey": "s1",
         "startedAt": "2026-01-01T02:00:00Z"}])).await;
    let ticket = |resolved: Value, team: &str| {
        json!([{"source": "helpdesk", "externalId": "T1", "customer": who, "reason": "billing",
            "channel": "email", "priority": "HIGH", "team": team,
            "openedAt": "2026-01-01T06:00:00Z", "resolvedAt": resolved}])
    };
    let tickets =
        "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created updated } }";
    app.ingest(&admin, tickets, ticket(Value::Null, "tier1"))
        .await;
    let id = customer_id(&app, "K2").await;
    let create = r#"mutation($c: ID!) { createOutreach(input: {customerId: $c, frictionKind: REPEAT_CONTACT, owner: "sam"}) { id } }"#;
    let (_, task) = app.gql(Some(&admin), create, json!({"c": id})).await;
    let task_id = task["data"]["createOutreach"]["id"].clone();
    assert!(task_id.is_string(), "{task}");

    // The changes.
    app.ingest(
        &admin,
        tickets,
        ticket(json!("2026-01-01T09:00:00Z"), "tier2"),
    )
    .await;
    let (_, body) = app
        .gql(Some(&admin), steps, json!({"name": "Kick-off call"}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let update = r#"mutation($id: ID!) { updateOutreach(input: {id: $id, status: CONTACTED, note: "called"}) { status } }"#;
    let (_, body) = app.gql(Some(&admin), update, json!({"id": task_id})).await;
    assert_eq!(
        body["data"]["updateOutreach"]["status"], "CONTACTED",
        "{body}"
    );

    let query = r#"query($id: ID!) { customer(id: $id) { journey(first: 20) { edges { node {
        kind
        ... on OnboardingEvent { stepName }
        ... on SupportEvent { team resolvedAt }
        ... on OutreachEvent { status owner note } } } } } }"#;
    let (_, body) = app.gql(Some(&app.leader()), query, json!({"id": id})).await;
    let mut nodes: Vec<Value> = body["data"]["customer"]["journey"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    nodes.sort_by_key(|n| n["kind"].as_str().unwrap_or_default().to_owned());
    let outreach =
        |kind: &str| json!({"kind": kind, "status": "CONTACTED", "owner": "sam", "note": "called"});
    let support = |kind: &str| json!({"kind": kind, "team": "tier2", "resolvedAt": "2026-01-01T09:00:00+00:00"});
    assert_eq!(
        nodes,
        [
            outreach("outreach_contacted"),
            outreach("outreach_opened"),
            json!({"kind": "step_started", "stepName": "Kick-off call"}),
            support("ticket_opened"),
            support("ticket_resolved"),
        ],
        "{body}"
    );
}

on_both_databases!(
    events_show_their_record_as_it_is_now,
    every_typed_event_carries_its_record_in_one_statement,
    nested_journeys_cost_a_fixed_number_of_statements,
    pagination_has_no_gap_and_no_duplicate,
    typed_events_carry_their_record,
    department_and_time_filters,
    first_out_of_range_is_bad_user_input,
    another_organizations_customer_is_not_found,
    customers_list_pages_and_nests_journeys,
);

#[test]
fn the_test_clock_is_what_the_assertions_assume() {
    assert_eq!(at(0), 1_767_225_600_000);
}
