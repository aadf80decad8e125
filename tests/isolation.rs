//! Organization isolation of every analytic: seeding a second organization
//! with heavy friction (the demo data set, with the same external ids, plus
//! outreach tasks and insights) changes none of the first organization's
//! figures, while the second organization's own figures are non-empty.

mod common;

use common::TestApp;
use journeygraph::service::demo::{self, DemoPlan};
use serde_json::{Value, json};

/// 2026-06-01T00:00:00Z.
const ANCHOR: i64 = 1_780_272_000_000;

const EVERYTHING: &str = r#"query($w: WindowInput!) {
  kpis(window: $w) {
    contactRate { value previous } csatPercent { value previous } csatAverage { value previous } nps { value previous }
    cesAverage { value previous } fcrRate { value previous } repeatContactRate { value previous }
    medianFirstResponseHours { value previous } medianResolutionHours { value previous } slaAttainment { value previous }
    medianTimeToValueDays { value previous } onboardingCompletionRate { value previous } }
  frictionPoints(window: $w, minAffected: 0, first: 100) {
    kind subject subjectKey occurrences exposedCustomers affectedCustomers rate baselineRate lift medianDelayHours
    revenueAtRisk impactScore previousRate topReasons { reason count } examples(first: 3) { id } insights(first: 3) { text } }
  contactReasons(window: $w, first: 100) {
    reason tickets customers share previousShare medianResolutionHours csatAverage repeatRate precededBy { department share } }
  handoffMatrix(window: $w) { fromDepartment toDepartment transitions medianGapHours followedByTicketShare }
  journeyPaths(window: $w, steps: 4, first: 50) { departments customers share }
  funnel(window: $w, steps: ["campaign_delivered", "ticket_opened", "ticket_resolved"], conversionWindowDays: 14) {
    kind customers conversionFromPrevious conversionFromStart }
  outreachEffectiveness(window: $w) { flaggedCustomers contactedCustomers preventedContactRate }
  outreachQueue(first: 100) { edges { node { customer { id } severity priority reasons { kind subject since } } } }
  insights(first: 100) { edges { node { id text votes } } }
}"#;

fn window() -> Value {
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("time")
            .to_rfc3339()
    };
    json!({"w": {"from": at(ANCHOR - 90 * 86_400_000), "to": at(ANCHOR)}})
}

async fn everything(app: &TestApp, org: &str) -> Value {
    let (_, body) = app
        .gql(Some(&app.jwt(org, "LEADER")), EVERYTHING, window())
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

async fn second_organization_changes_nothing(app: TestApp) {
    let plan = |customers, seed| DemoPlan {
        customers,
        seed,
        anchor: ANCHOR,
    };
    demo::seed(&app.db, app.org_id, &plan(120, 7), |_| {})
        .await
        .expect("seed acme");
    let before = everything(&app, "acme").await;
    assert!(
        before["frictionPoints"].as_array().map_or(0, Vec::len) > 10,
        "acme has friction to compare: {before}"
    );

    // The other organization: more customers, another seed, the same
    // external ids (demo customers are numbered), and its own outreach and
    // insights on its own customers.
    demo::seed(&app.db, app.other_org_id, &plan(300, 11), |_| {})
        .await
        .expect("seed other");
    let other_agent = app.jwt("other", "AGENT");
    let (_, queue) = app
        .gql(
            Some(&other_agent),
            "{ outreachQueue(first: 5) { edges { node { customer { id } reasons { kind } } } } }",
            json!({}),
        )
        .await;
    let edges = queue["data"]["outreachQueue"]["edges"]
        .as_array()
        .expect("queue");
    assert_eq!(edges.len(), 5, "{queue}");
    for edge in edges {
        let (_, task) = app
            .gql(
                Some(&other_agent),
                "mutation($c: ID!, $k: FrictionKind!) { createOutreach(input: {customerId: $c, frictionKind: $k}) { id } }",
                json!({"c": edge["node"]["customer"]["id"], "k": edge["node"]["reasons"][0]["kind"]}),
            )
            .await;
        assert!(task["errors"].is_null(), "{task}");
    }
    for (kind, subject) in [
        ("REPEAT_CONTACT", "login_issue"),
        ("ONBOARDING_STALL", "integration"),
    ] {
        let (_, added) = app
            .gql(
                Some(&other_agent),
                "mutation($k: FrictionKind, $s: String) { addInsight(text: \"other org note\", frictionKind: $k, subject: $s) { id } }",
                json!({"k": kind, "s": subject}),
            )
            .await;
        assert!(added["errors"].is_null(), "{added}");
    }

    let after = everything(&app, "acme").await;
    assert_eq!(before, after, "acme's figures moved");
    let other = everything(&app, "other").await;
    assert_ne!(other["frictionPoints"], after["frictionPoints"]);
    assert_ne!(other["kpis"], after["kpis"]);
    assert!(other.to_string().contains("other org note"));
    assert!(!after.to_string().contains("other org note"));
}

on_both_databases!(second_organization_changes_nothing);
