//! The conventions GraphQL clients expect: global ids and `node(id:)`,
//! Relay page info with `totalCount`, null plus NOT_FOUND for an id that is
//! not the caller's, and parse and validation failures as the GraphQL over
//! HTTP specification writes them.

mod common;

use common::TestApp;
use journeygraph::global_id::{self, Kind};
use serde_json::{Value, json};

fn customer(id: &str, name: &str) -> Value {
    json!({"source": "crm", "externalId": id, "displayName": name, "email": format!("{id}@example.com"), "segment": "SMB"})
}

const TICKETS: &str =
    "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";

/// Three customers of acme (c1..c3) and one of the other organization;
/// c1 contacts support twice about logging in.
async fn seed(app: &TestApp) {
    let opened = |hours: i64| (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339();
    let ticket = |id: &str, c: &str, hours: i64| {
        json!({"source": "helpdesk", "externalId": id, "customer": customer(c, c), "reason": "login",
               "channel": "chat", "priority": "LOW", "team": "tier1", "openedAt": opened(hours)})
    };
    app.ingest(
        &app.admin(),
        TICKETS,
        json!([
            ticket("t1", "c1", 30),
            ticket("t2", "c1", 10),
            ticket("t3", "c2", 10),
            ticket("t4", "c3", 10),
        ]),
    )
    .await;
    app.ingest(
        &app.jwt("other", "ADMIN"),
        TICKETS,
        json!([ticket("o1", "c1", 10)]),
    )
    .await;
}

async fn customer_ids(app: &TestApp, org: &str) -> Vec<String> {
    let (_, body) = app
        .gql(
            Some(&app.jwt(org, "LEADER")),
            "{ customers(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    body["data"]["customers"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn ids_are_global_and_node_finds_every_kind(app: TestApp) {
    seed(&app).await;
    let admin = app.admin();
    let ids = customer_ids(&app, "acme").await;
    assert_eq!(ids.len(), 3);
    let (kind, _) = global_id::decode(&ids[0]).expect("a global id");
    assert_eq!(kind, Kind::Customer);

    let (_, made) = app
        .gql(
            Some(&admin),
            r#"mutation($c: ID!) {
                insight: addInsight(text: "login page confuses people", customerId: $c) { id }
                task: createOutreach(input: {customerId: $c, frictionKind: REPEAT_CONTACT, subject: "login"}) { id }
                hook: createWebhook(url: "https://hooks.example.com/jg") { webhook { id } }
                token: createApiToken(name: "crm", scopes: [INGEST_WRITE]) { token { id } }
            }"#,
            json!({"c": ids[0]}),
        )
        .await;
    assert!(made["errors"].is_null(), "{made}");
    let (_, alerts) = app
        .gql(
            Some(&admin),
            "{ frictionAlerts(first: 5) { id kind customerId } }",
            json!({}),
        )
        .await;
    let alert = &alerts["data"]["frictionAlerts"][0];
    assert_eq!(alert["kind"], "REPEAT_CONTACT", "{alerts}");
    assert_eq!(alert["customerId"], ids[0]);

    let node = r#"query($id: ID!) { node(id: $id) { __typename id
        ... on Customer { displayName }
        ... on Insight { text }
        ... on OutreachTask { subject }
        ... on FrictionAlert { kind }
        ... on Webhook { url }
        ... on ApiToken { name } } }"#;
    let found = [
        (
            ids[0].clone(),
            json!({"__typename": "Customer", "displayName": "c1"}),
        ),
        (
            made["data"]["insight"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
            json!({"__typename": "Insight", "text": "login page confuses people"}),
        ),
        (
            made["data"]["task"]["id"].as_str().expect("id").to_owned(),
            json!({"__typename": "OutreachTask", "subject": "login"}),
        ),
        (
            alert["id"].as_str().expect("id").to_owned(),
            json!({"__typename": "FrictionAlert", "kind": "REPEAT_CONTACT"}),
        ),
        (
            made["data"]["hook"]["webhook"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
            json!({"__typename": "Webhook", "url": "https://hooks.example.com/jg"}),
        ),
        (
            made["data"]["token"]["token"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
            json!({"__typename": "ApiToken", "name": "crm"}),
        ),
    ];
    for (id, expected) in &found {
        let (status, body) = app.gql(Some(&admin), node, json!({"id": id})).await;
        assert_eq!(status, 200);
        let mut expected = expected.clone();
        expected["id"] = json!(id);
        assert_eq!(body, json!({"data": {"node": expected}}), "{id}");
    }

    // A node a LEADER may not read (an API token) is null with FORBIDDEN;
    // one a partner token may read (a customer, with journeys:read) is found.
    let token_id = &found[5].0;
    let (_, body) = app
        .gql(Some(&app.leader()), node, json!({"id": token_id}))
        .await;
    assert_eq!(body["data"], json!({"node": null}));
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(body["errors"][0]["path"], json!(["node"]));
    let reader = app.api_token(&["JOURNEYS_READ"], None).await;
    let (_, body) = app
        .gql(
            Some(&reader),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": ids[1]}),
        )
        .await;
    assert_eq!(body, json!({"data": {"node": {"id": ids[1]}}}));
}

async fn another_organizations_id_is_null_with_not_found(app: TestApp) {
    seed(&app).await;
    let foreign = &customer_ids(&app, "other").await[0];
    let unknown = global_id::encode(Kind::Customer, 999_999);
    for id in [foreign.as_str(), unknown.as_str()] {
        for (field, query) in [
            (
                "customer",
                "query($id: ID!) { customer(id: $id) { id } viewer { role } }",
            ),
            (
                "node",
                "query($id: ID!) { node(id: $id) { id } viewer { role } }",
            ),
        ] {
            let (status, body) = app.gql(Some(&app.leader()), query, json!({"id": id})).await;
            assert_eq!(status, 200);
            // The rest of the answer stands; only that field is null.
            assert_eq!(
                body["data"],
                json!({field: null, "viewer": {"role": "LEADER"}}),
                "{body}"
            );
            let error = &body["errors"][0];
            assert_eq!(error["message"], "customer not found");
            assert_eq!(error["path"], json!([field]));
            assert_eq!(error["extensions"]["code"], "NOT_FOUND");
        }
    }
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            r#"{ customerByIdentity(source: "crm", externalId: "nobody") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"], json!({"customerByIdentity": null}));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");

    // An id of another type, or a bare row number, is refused by argument.
    let insight = global_id::encode(Kind::Insight, 1);
    for (id, message) in [
        (
            insight.as_str(),
            "id: expected an id of Customer, got an id of Insight",
        ),
        ("1", "id: not a Customer id"),
    ] {
        let (_, body) = app
            .gql(
                Some(&app.leader()),
                "query($id: ID!) { customer(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(body["data"], json!({"customer": null}));
        assert_eq!(body["errors"][0]["message"], message);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["path"], "id");
    }
}

async fn pages_carry_relay_page_info_and_total_count(app: TestApp) {
    seed(&app).await;
    let query = r#"query($after: String, $filter: CustomerFilterInput) {
        customers(first: 2, after: $after, filter: $filter) { totalCount
          edges { cursor node { displayName } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#;
    let (_, body) = app.gql(Some(&app.leader()), query, json!({})).await;
    let page = &body["data"]["customers"];
    assert_eq!(page["totalCount"], 3);
    let cursors: Vec<&Value> = page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["cursor"])
        .collect();
    assert_eq!(
        page["pageInfo"],
        json!({"hasNextPage": true, "hasPreviousPage": false, "startCursor": cursors[0], "endCursor": cursors[1]})
    );
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            query,
            json!({"after": page["pageInfo"]["endCursor"]}),
        )
        .await;
    let next = &body["data"]["customers"];
    assert_eq!(next["totalCount"], 3);
    assert_eq!(
        next["edges"],
        json!([{"cursor": next["pageInfo"]["startCursor"], "node": {"displayName": "c3"}}])
    );
    assert_eq!(next["pageInfo"]["hasNextPage"], false);
    assert_eq!(next["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(
        next["pageInfo"]["startCursor"],
        next["pageInfo"]["endCursor"]
    );
    // The count follows the filter; an empty page has no cursors.
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            query,
            json!({"filter": {"search": "nobody"}}),
        )
        .await;
    assert_eq!(
        body["data"]["customers"],
        json!({"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null}})
    );

    // The other lists count as well.
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "{ outreachQueue(first: 1) { totalCount } outreachTasks(first: 1) { totalCount } insights(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({"outreachQueue": {"totalCount": 1}, "outreachTasks": {"totalCount": 0}, "insights": {"totalCount": 0}}),
        "{body}"
    );
}

on_both_databases!(
    ids_are_global_and_node_finds_every_kind,
    another_organizations_id_is_null_with_not_found,
    pages_carry_relay_page_info_and_total_count,
);

/// POST `query` with `accept`: (status, content type, body).
async fn post(app: &TestApp, accept: &str, query: &str) -> (u16, String, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept", accept)
        .bearer_auth(app.leader())
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let media = response.headers()["content-type"]
        .to_str()
        .expect("type")
        .to_owned();
    (status, media, response.json().await.expect("json"))
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

#[tokio::test]
async fn parse_and_validation_failures_are_coded_and_have_no_data() {
    let app = TestApp::sqlite().await;
    let cases = [
        (
            "{ viewer { role }",
            "the query does not parse at line 1, column 18: expected selection",
            "GRAPHQL_PARSE_FAILED",
            json!([{"line": 1, "column": 18}]),
        ),
        (
            "{ viewer { rank } }",
            r#"Unknown field "rank" on type "Viewer"."#,
            "GRAPHQL_VALIDATION_FAILED",
            json!([{"line": 1, "column": 12}]),
        ),
        (
            "{ customers(first: 1, bogus: 2) { totalCount } }",
            r#"Unknown argument "bogus" on field "customers" of type "QueryRoot"."#,
            "GRAPHQL_VALIDATION_FAILED",
            json!([{"line": 1, "column": 23}]),
        ),
    ];
    for (query, message, code, locations) in cases {
        for (accept, status) in [(GRAPHQL_RESPONSE, 400), ("application/json", 200)] {
            let (got, media, body) = post(&app, accept, query).await;
            assert_eq!((got, media.as_str()), (status, accept), "{query}");
            let errors = body["errors"].as_array().expect("errors");
            assert_eq!(errors.len(), 1, "{body}");
            assert_eq!(errors[0]["message"], message, "{body}");
            assert!(!message.contains('\n'));
            assert_eq!(errors[0]["locations"], locations, "{body}");
            assert_eq!(errors[0]["extensions"]["code"], code);
            assert!(errors[0]["extensions"]["requestId"].is_string());
            // No `data` entry at all: execution never began.
            assert_eq!(body.as_object().expect("object").len(), 1, "{body}");
        }
    }
    // Once execution began, a failed field is 200 with `data`, whatever the Accept.
    let unknown = global_id::encode(Kind::Customer, 5);
    let (status, _, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        &format!(r#"{{ customer(id: "{unknown}") {{ id }} }}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], json!({"customer": null}));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
