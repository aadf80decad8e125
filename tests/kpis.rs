//! `kpis(window, segment)` on a hand-built data set, figures worked out by
//! hand below. Window W = [2026-01-10, 2026-01-20) = hours [216, 456) after
//! 2026-01-01 (as-of T = 456: the window is in the past); previous window
//! P = hours [-24, 216), judged at 216.

mod common;

use common::TestApp;
use serde_json::{Value, json};

/// RFC 3339 of hour `h` after 2026-01-01T00:00Z.
fn h(hours: i64) -> String {
    chrono::DateTime::from_timestamp_millis(1_767_225_600_000 + hours * 3_600_000)
        .expect("time")
        .to_rfc3339()
}

fn who(c: &str) -> Value {
    json!({"source": "crm", "externalId": c, "segment": if c == "E" { "ENTERPRISE" } else { "SMB" }})
}

async fn send(app: &TestApp, token: &str, mutation: &str, input: Value) {
    app.ingest(token, mutation, input).await;
}

fn ticket(
    id: &str,
    c: &str,
    reason: &str,
    priority: &str,
    opened: i64,
    first: Option<i64>,
    resolved: Option<i64>,
) -> Value {
    json!({"source": "helpdesk", "externalId": id, "customer": who(c), "reason": reason, "channel": "chat",
        "priority": priority, "team": "tier1", "openedAt": h(opened),
        "firstResponseAt": first.map(h), "resolvedAt": resolved.map(h)})
}

fn feedback(id: &str, c: &str, metric: &str, score: i32, at: i64) -> Value {
    json!({"source": "surveys", "externalId": id, "customer": who(c), "metric": metric, "score": score, "occurredAt": h(at)})
}

fn deal(id: &str, c: &str, opened: i64, won: i64) -> Value {
    json!({"source": "crm", "externalId": id, "customer": who(c), "owner": "ana", "stage": "won", "amount": 100.0,
        "openedAt": h(opened), "closedAt": h(won), "outcome": "WON"})
}

fn progress(id: &str, c: &str, step: &str, started: i64, completed: Option<i64>) -> Value {
    json!({"source": "tracker", "externalId": id, "customer": who(c), "stepKey": step,
        "startedAt": h(started), "completedAt": completed.map(h)})
}

fn login(id: &str, c: &str, at: i64) -> Value {
    json!({"source": "product", "externalId": id, "customer": who(c), "department": "PRODUCT", "kind": "login", "occurredAt": h(at)})
}

async fn seed(app: &TestApp, token: &str) {
    send(
        app,
        token,
        "mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }",
        json!([
            deal("DA", "A", 200, 218),
            deal("DC", "C", 210, 220),
            deal("DE", "E", 50, 100),
            deal("DB1", "B", 100, 212),
            deal("DB2", "B", 150, 230),
        ]),
    )
    .await;
    let (_, body) = app.gql(Some(token), r#"mutation { defineOnboardingSteps(steps: [
        {key: "s1", name: "One", position: 1, expectedDays: 2}, {key: "s2", name: "Two", position: 2, expectedDays: 3}]) { key } }"#, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    send(app, token, "mutation($input: [OnboardingProgressInput!]!) { ingestOnboarding(input: $input) { created } }", json!([
        progress("A1", "A", "s1", 220, Some(230)), progress("A2", "A", "s2", 231, Some(300)),
        progress("B1", "B", "s1", 210, None),
        progress("C1", "C", "s1", 400, Some(410)),
        progress("E1", "E", "s1", 450, Some(455)), progress("E2", "E", "s2", 455, Some(470)),
    ])).await;
    send(
        app,
        token,
        "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
        json!([
            ticket("T5", "B", "billing", "HIGH", 200, None, Some(210)),
            ticket("T1", "A", "login", "HIGH", 230, Some(231), Some(240)),
            ticket("T2", "A", "login", "NORMAL", 250, Some(253), Some(330)),
            ticket("T3", "B", "billing", "URGENT", 300, Some(305), None),
            ticket("T4", "C", "how_to", "LOW", 440, None, None),
        ]),
    )
    .await;
    send(
        app,
        token,
        "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }",
        json!([
            feedback("F1", "A", "CSAT", 5, 241),
            feedback("F2", "A", "CSAT", 2, 331),
            feedback("F3", "B", "CSAT", 4, 301),
            feedback("N1", "A", "NPS", 10, 400),
            feedback("N2", "B", "NPS", 6, 400),
            feedback("N3", "C", "NPS", 8, 400),
            feedback("N4", "D", "NPS", 9, 400),
            feedback("E1", "C", "CES", 5, 445),
            feedback("E2", "C", "CES", 6, 446),
        ]),
    )
    .await;
    send(
        app,
        token,
        "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }",
        json!([
            login("L1", "E", 216),
            login("L2", "D", 456),
            login("L3", "C", 455),
        ]),
    )
    .await;
}

const KPIS: &str = r#"query($from: DateTime!, $to: DateTime!, $segment: String) { kpis(window: {from: $from, to: $to}, segment: $segment) {
    contactRate { value previous } csatPercent { value previous } csatRate { value previous } csatAverage { value previous } nps { value previous }
    cesAverage { value previous } fcrRate { value previous } repeatContactRate { value previous }
    medianFirstResponseHours { value previous } medianResolutionHours { value previous } slaAttainment { value previous }
    medianTimeToValueDays { value previous } onboardingCompletionRate { value previous } } }"#;

/// The KPIS query as a LEADER of acme, with `variables`; the response body.
async fn leader_kpis(app: &TestApp, variables: Value) -> Value {
    app.gql(Some(&app.leader()), KPIS, variables).await.1
}

fn close(actual: &Value, expected: Option<f64>, what: &str) {
    match expected {
        None => assert!(actual.is_null(), "{what}: expected null, got {actual}"),
        Some(e) => {
            let a = actual
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: expected {e}, got {actual}"));
            assert!((a - e).abs() < 1e-9, "{what}: expected {e}, got {a}");
        }
    }
}

async fn kpis_match_the_hand_computed_figures(app: TestApp) {
    let token = app.admin();
    seed(&app, &token).await;
    // Another organization's data inside the window changes nothing.
    let other = app.jwt("other", "ADMIN");
    send(
        &app,
        &other,
        "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
        json!([ticket("X1", "X", "login", "LOW", 300, Some(301), Some(302))]),
    )
    .await;

    let body = leader_kpis(&app, json!({"from": h(216), "to": h(456)})).await;
    let k = &body["data"]["kpis"];
    assert!(k.is_object(), "{body}");
    let expect = |name: &str, value: Option<f64>, previous: Option<f64>| {
        close(&k[name]["value"], value, name);
        close(
            &k[name]["previous"],
            previous,
            &format!("{name} (previous)"),
        );
    };
    // W: tickets opened T1 T2 T3 T4 = 4; active customers A B C D E = 5
    // (E's login at 216 is on the lower edge: in; D's login at 456 is on the
    // upper edge: out, but D's NPS at 400 makes D active). P: T5 = 1 ticket;
    // active A (deal opened 200), B, C (deal opened 210), E (deal at 50/100) = 4.
    expect("contactRate", Some(4.0 / 5.0), Some(1.0 / 4.0));
    // CSAT in W: 5, 2, 4 -> two of three are 4-5; mean 11/3. None in P.
    expect("csatPercent", Some(200.0 / 3.0), None);
    expect("csatRate", Some(2.0 / 3.0), None);
    expect("csatAverage", Some(11.0 / 3.0), None);
    // NPS in W: 10, 6, 8, 9 -> (2 promoters - 1 detractor) / 4 x 100.
    expect("nps", Some(25.0), None);
    expect("cesAverage", Some(5.5), None);
    // Resolved in W: T1 (240; T2 same reason opened 250 <= 240 + 168: not
    // first-contact) and T2 (330; 330 + 168 > T = 456 and no repeat yet:
    // undecided, left out) -> 0 / 1. P: T5 resolved 210, 210 + 168 > 216,
    // T3 opened 300 > 216 -> undecided -> null.
    expect("fcrRate", Some(0.0), None);
    // Customers with a ticket in W: A, B, C. A: T2 follows T1 (20 h). B: T3
    // follows T5 (before W, 100 h <= 168 h). C: no -> 2/3. P: B only, no
    // earlier billing ticket -> 0/1.
    expect("repeatContactRate", Some(2.0 / 3.0), Some(0.0));
    // First response in W: 1, 3, 5 h -> 3. Resolution: 10, 80 h -> 45. P: T5
    // has no first response; resolution 10 h.
    expect("medianFirstResponseHours", Some(3.0), None);
    expect("medianResolutionHours", Some(45.0), Some(10.0));
    // SLA in W: T1 met (10 h <= 24); T2 breached (80 h > 72); T3 URGENT
    // unresolved, deadline 304 <= T: breached; T4 LOW deadline 608 > T:
    // undecided -> 1/3. P: T5 met -> 1/1.
    expect("slaAttainment", Some(1.0 / 3.0), Some(1.0));
    // First WON deal closed in W and last step (s2) done by T: A only (won
    // 218, s2 done 300 -> 82 h = 82/24 days). C never finished s2; B's first
    // WON deal closed at 212 (in P); E's at 100. P: B (212) and E (100) never
    // finished s2 by 216 -> null.
    expect("medianTimeToValueDays", Some(82.0 / 24.0), None);
    // First step start in W: A (220, all done by 300), C (400, s2 never
    // started), E (450; s2 completed at 470 > T) -> 1/3. P: B (210, nothing
    // completed) -> 0/1.
    expect("onboardingCompletionRate", Some(1.0 / 3.0), Some(0.0));

    // A repeat decides a resolution before its 7 days are over. W = [216,
    // 300), T = 300: T1 resolved 240 (240 + 168 > 300), but T2 (same reason)
    // opened at 250 -> decided, not first-contact -> 0 / 1. P = [132, 216):
    // T5 (210) undecided -> null.
    let early = leader_kpis(&app, json!({"from": h(216), "to": h(300)})).await;
    close(
        &early["data"]["kpis"]["fcrRate"]["value"],
        Some(0.0),
        "fcrRate to 300",
    );
    close(
        &early["data"]["kpis"]["fcrRate"]["previous"],
        None,
        "fcrRate to 300 (previous)",
    );

    // Segment: only E is ENTERPRISE: active, no tickets, onboarding not complete.
    let body = leader_kpis(
        &app,
        json!({"from": h(216), "to": h(456), "segment": "ENTERPRISE"}),
    )
    .await;
    let e = &body["data"]["kpis"];
    close(
        &e["contactRate"]["value"],
        Some(0.0),
        "contactRate ENTERPRISE",
    );
    close(
        &e["slaAttainment"]["value"],
        None,
        "slaAttainment ENTERPRISE",
    );
    close(
        &e["onboardingCompletionRate"]["value"],
        Some(0.0),
        "onboardingCompletionRate ENTERPRISE",
    );
}

async fn an_empty_window_has_no_figures(app: TestApp) {
    seed(&app, &app.admin()).await;
    let body = leader_kpis(&app, json!({"from": h(5000), "to": h(5001)})).await;
    let k = body["data"]["kpis"].as_object().expect("kpis").clone();
    for (name, figure) in k {
        assert!(figure["value"].is_null(), "{name}: {figure}");
    }
    let bad = leader_kpis(&app, json!({"from": h(10), "to": h(10)})).await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
}

async fn who_may_read_kpis(app: TestApp) {
    let q = KPIS;
    let vars = json!({"from": h(0), "to": h(10)});
    for (token, allowed) in [
        (app.jwt("acme", "LEADER"), true),
        (app.jwt("acme", "ADMIN"), true),
        (app.jwt("acme", "AGENT"), false),
        (app.api_token(&["ANALYTICS_READ"], None).await, true),
        (
            app.api_token(&["INGEST_WRITE", "JOURNEYS_READ"], None)
                .await,
            false,
        ),
    ] {
        let (_, body) = app.gql(Some(&token), q, vars.clone()).await;
        if allowed {
            assert!(body["data"]["kpis"].is_object(), "{body}");
        } else {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{body}"
            );
        }
    }
}

/// Contact reasons on the same data, plus one CSAT response about T1.
async fn contact_reasons_match_the_hand_computed_figures(app: TestApp) {
    let token = app.admin();
    seed(&app, &token).await;
    let mut about_t1 = feedback("F9", "A", "CSAT", 3, 245);
    about_t1["about"] = json!({"kind": "TICKET", "source": "helpdesk", "externalId": "T1"});
    send(
        &app,
        &token,
        "mutation($input: [FeedbackInput!]!) { ingestFeedback(input: $input) { created } }",
        json!([about_t1]),
    )
    .await;
    let q = r#"query($from: DateTime!, $to: DateTime!, $first: Int!) { contactReasons(window: {from: $from, to: $to}, first: $first) {
        reason tickets customers share previousShare medianResolutionHours csatAverage repeatRate precededBy { department share } } }"#;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            q,
            json!({"from": h(216), "to": h(456), "first": 10}),
        )
        .await;
    // In W: T1, T2 (login, A), T3 (billing, B), T4 (how_to, C): 4 tickets.
    // P: T5 (billing) only. Preceded by (last non-SUPPORT touchpoint in
    // [opened - 168 h, opened]): T1 at 230 <- A's step s1 completed at 230
    // (ONBOARDING, same instant counts); T2 at 250 <- A's CSAT at 241 (about
    // nothing: SUCCESS); T3 at 300 <- B's deal DB2 won at 230 (SALES); T4 at
    // 440 <- C's step s1 completed at 410 (ONBOARDING). Repeats: T2 after
    // T1; T3 after T5 (100 h). Resolution: T1 10 h, T2 80 h -> 45.
    assert_eq!(
        body["data"]["contactReasons"],
        json!([
            {"reason": "login", "tickets": 2, "customers": 1, "share": 0.5, "previousShare": 0.0,
             "medianResolutionHours": 45.0, "csatAverage": 3.0, "repeatRate": 0.5,
             "precededBy": [{"department": "ONBOARDING", "share": 0.5}, {"department": "SUCCESS", "share": 0.5}]},
            {"reason": "billing", "tickets": 1, "customers": 1, "share": 0.25, "previousShare": 1.0,
             "medianResolutionHours": null, "csatAverage": null, "repeatRate": 1.0,
             "precededBy": [{"department": "SALES", "share": 1.0}]},
            {"reason": "how_to", "tickets": 1, "customers": 1, "share": 0.25, "previousShare": 0.0,
             "medianResolutionHours": null, "csatAverage": null, "repeatRate": 0.0,
             "precededBy": [{"department": "ONBOARDING", "share": 1.0}]},
        ]),
        "{body}"
    );
    // `first` bounds the list; ties (billing, how_to) order by reason.
    let (_, two) = app
        .gql(
            Some(&app.leader()),
            q,
            json!({"from": h(216), "to": h(456), "first": 2}),
        )
        .await;
    let reasons: Vec<&str> = two["data"]["contactReasons"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["reason"].as_str().expect("r"))
        .collect();
    assert_eq!(reasons, vec!["login", "billing"]);
    let (_, agent) = app
        .gql(
            Some(&app.jwt("acme", "AGENT")),
            q,
            json!({"from": h(216), "to": h(456), "first": 2}),
        )
        .await;
    assert_eq!(agent["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

const KPI_TREND: &str = r#"query($from: DateTime!, $to: DateTime!, $bucket: BucketWidth!) { kpiTrend(window: {from: $from, to: $to}, bucket: $bucket) {
    buckets { from to partial } contactRate csatRate csatAverage nps cesAverage fcrRate repeatContactRate
    medianFirstResponseHours medianResolutionHours slaAttainment medianTimeToValueDays onboardingCompletionRate } }"#;

/// The KPI names of `kpiTrend` (every one but the deprecated csatPercent).
const TREND_KPIS: [&str; 12] = [
    "contactRate",
    "csatRate",
    "csatAverage",
    "nps",
    "cesAverage",
    "fcrRate",
    "repeatContactRate",
    "medianFirstResponseHours",
    "medianResolutionHours",
    "slaAttainment",
    "medianTimeToValueDays",
    "onboardingCompletionRate",
];

/// Weekly buckets over hours [-24, 768): Wednesday 2025-12-31 to Monday
/// 2026-02-02. Weeks start on Mondays at hours -72, 96, 264, 432 and 600,
/// so the first bucket is cut by the window (partial) and the last one
/// holds nothing. Each bucket is judged at its own end.
async fn kpi_trend_matches_the_hand_computed_figures(app: TestApp) {
    seed(&app, &app.admin()).await;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            KPI_TREND,
            json!({"from": h(-24), "to": h(768), "bucket": "WEEK"}),
        )
        .await;
    let t = &body["data"]["kpiTrend"];
    assert!(t.is_object(), "{body}");
    let bounds = [-24, 96, 264, 432, 600, 768];
    let expected_buckets: Vec<Value> = bounds
        .windows(2)
        .enumerate()
        .map(|(i, b)| json!({"from": h(b[0]), "to": h(b[1]), "partial": i == 0}))
        .collect();
    // DateTime comes back as RFC 3339 with a Z; compare instants.
    for (got, want) in t["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .zip(&expected_buckets)
    {
        for edge in ["from", "to"] {
            let at = |v: &Value| {
                chrono::DateTime::parse_from_rfc3339(v[edge].as_str().expect("time"))
                    .expect("rfc3339")
            };
            assert_eq!(at(got), at(want), "{got} {want}");
        }
        assert_eq!(got["partial"], want["partial"], "{got}");
    }
    assert_eq!(t["buckets"].as_array().map(Vec::len), Some(5));
    let series = |name: &str, expected: [Option<f64>; 5]| {
        for (i, e) in expected.into_iter().enumerate() {
            close(&t[name][i], e, &format!("{name}[{i}]"));
        }
    };
    let third = 1.0 / 3.0;
    // Tickets opened / active customers. Week 0: E's deal opened at 50, no
    // tickets. Week 1: T5, T1, T2 over A, B, C, E. Week 2: T3 over A, B, C,
    // D. Week 3: T4 over C, D, E. Week 4: nobody active.
    series(
        "contactRate",
        [Some(0.0), Some(0.75), Some(0.25), Some(third), None],
    );
    // CSAT: week 1 F1 (5); week 2 F2 (2), F3 (4).
    series("csatRate", [None, Some(1.0), Some(0.5), None, None]);
    series("csatAverage", [None, Some(5.0), Some(3.0), None, None]);
    // NPS 10, 6, 8, 9 at 400; CES 5, 6 at 445-446.
    series("nps", [None, None, Some(25.0), None, None]);
    series("cesAverage", [None, None, None, Some(5.5), None]);
    // Resolved in week 1 (T = 264): T5 at 210 (no billing ticket by 264:
    // undecided), T1 at 240 (T2 opened at 250 decides it: not first
    // contact) -> 0 / 1. Week 2: T2 at 330, 330 + 168 > 432 and no repeat:
    // undecided -> null.
    series("fcrRate", [None, Some(0.0), None, None, None]);
    // Week 1: A (T2 after T1) and B (T5, first) -> 1/2. Week 2: B's T3 after
    // T5 (100 h) -> 1/1. Week 3: C's T4, first -> 0/1.
    series(
        "repeatContactRate",
        [None, Some(0.5), Some(1.0), Some(0.0), None],
    );
    // Week 1: first responses 1, 3 h; resolutions 10, 10, 80 h. Week 2: T3
    // answered after 5 h, unresolved.
    series(
        "medianFirstResponseHours",
        [None, Some(2.0), Some(5.0), None, None],
    );
    series(
        "medianResolutionHours",
        [None, Some(10.0), None, None, None],
    );
    // Week 1 (T = 264): T5, T1 met; T2's deadline 322 is after T:
    // undecided -> 1. Week 2: T3 URGENT unresolved past 304 -> 0. Week 3: T4
    // LOW, deadline 608 after T = 600 -> undecided -> null.
    series("slaAttainment", [None, Some(1.0), Some(0.0), None, None]);
    // A's first WON deal closed at 218 (week 1), but s2 was completed at
    // 300, after the week's end: nobody counts in any week.
    series("medianTimeToValueDays", [None; 5]);
    // First step start: week 1 A (220, all done at 300 > 264) and B (210):
    // 0/2. Week 2: C (400, s2 never): 0/1. Week 3: E (450, done by 470) 1/1.
    series(
        "onboardingCompletionRate",
        [None, Some(0.0), Some(0.0), Some(1.0), None],
    );

    // Each bucket equals `kpis` asked for that bucket as its window.
    for (i, b) in bounds.windows(2).enumerate() {
        let one = leader_kpis(&app, json!({"from": h(b[0]), "to": h(b[1])})).await;
        for name in TREND_KPIS {
            let value = &one["data"]["kpis"][name]["value"];
            close(
                &t[name][i],
                value.as_f64(),
                &format!("{name}[{i}] against kpis"),
            );
        }
    }

    // Days over the same span: 33 buckets, the first and last partial.
    let (_, days) = app
        .gql(
            Some(&app.leader()),
            KPI_TREND,
            json!({"from": h(-12), "to": h(780), "bucket": "DAY"}),
        )
        .await;
    let buckets = days["data"]["kpiTrend"]["buckets"]
        .as_array()
        .expect("days");
    assert_eq!(buckets.len(), 34, "{days}");
    let partial: Vec<bool> = buckets.iter().map(|b| b["partial"] == true).collect();
    assert!(partial[0] && partial[33] && !partial[1..33].iter().any(|p| *p));
    // Too many buckets, and an AGENT, are refused.
    let (_, long) = app
        .gql(
            Some(&app.leader()),
            KPI_TREND,
            json!({"from": h(0), "to": h(24 * 600), "bucket": "DAY"}),
        )
        .await;
    assert_eq!(
        long["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{long}"
    );
    let (_, agent) = app
        .gql(
            Some(&app.jwt("acme", "AGENT")),
            KPI_TREND,
            json!({"from": h(0), "to": h(24), "bucket": "DAY"}),
        )
        .await;
    assert_eq!(
        agent["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{agent}"
    );
}

/// Contact reasons per week over the same span as the KPI trend.
async fn contact_reason_trend_matches_the_hand_computed_figures(app: TestApp) {
    seed(&app, &app.admin()).await;
    let q = r#"query($from: DateTime!, $to: DateTime!) { contactReasonTrend(window: {from: $from, to: $to}, bucket: WEEK, first: 10) {
        buckets { partial } tickets reasons { reason tickets customers share repeatRate } } }"#;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            q,
            json!({"from": h(-24), "to": h(768)}),
        )
        .await;
    let third = 1.0 / 3.0;
    // Week 1: T5 (billing), T1 and T2 (login; T2 a repeat). Week 2: T3
    // (billing, a repeat of T5). Week 3: T4 (how_to). billing and login tie
    // at two tickets: by reason.
    assert_eq!(
        body["data"]["contactReasonTrend"],
        json!({
            "buckets": [{"partial": true}, {"partial": false}, {"partial": false}, {"partial": false}, {"partial": false}],
            "tickets": [0, 3, 1, 1, 0],
            "reasons": [
                {"reason": "billing", "tickets": [0, 1, 1, 0, 0], "customers": [0, 1, 1, 0, 0],
                 "share": [null, third, 1.0, 0.0, null], "repeatRate": [null, 0.0, 1.0, null, null]},
                {"reason": "login", "tickets": [0, 2, 0, 0, 0], "customers": [0, 1, 0, 0, 0],
                 "share": [null, 2.0 / 3.0, 0.0, 0.0, null], "repeatRate": [null, 0.5, null, null, null]},
                {"reason": "how_to", "tickets": [0, 0, 0, 1, 0], "customers": [0, 0, 0, 1, 0],
                 "share": [null, 0.0, 0.0, 1.0, null], "repeatRate": [null, null, null, 0.0, null]},
            ]
        }),
        "{body}"
    );
}

/// Only the KPIs selected are computed: one or two statements per group of
/// KPIs that share them (CSAT, NPS and CES; the three ticket times), the
/// same figures as when every KPI is asked for, and fragments count. The
/// statements are counted on SQLite, where the analytics run on the
/// connection the test watches (PostgreSQL gives them a pool of their
/// own); which statements run does not depend on the database.
async fn only_the_kpis_selected_are_computed(app: TestApp) {
    let token = app.admin();
    seed(&app, &token).await;
    let leader = app.leader();
    let window = json!({"from": h(216), "to": h(456)});
    let counted = app.database_url.starts_with("sqlite:");
    let cost = |selection: &'static str| {
        let (app, leader, window) = (&app, &leader, window.clone());
        async move {
            let query = format!(
                "query($from: DateTime!, $to: DateTime!) {{ kpis(window: {{from: $from, to: $to}}) {{ {selection} }} }}"
            );
            let before = app.statements();
            let (_, body) = app.gql(Some(leader), &query, window).await;
            assert!(body["errors"].is_null(), "{body}");
            (app.statements() - before, body["data"]["kpis"].clone())
        }
    };
    let (one, k) = cost("nps { value previous }").await;
    assert_eq!(k, json!({"nps": {"value": 25.0, "previous": null}}));
    let (scores, _) = cost("nps { value } csatRate { value } cesAverage { value }").await;
    let (two, k) =
        cost("contactRate { value } ... on Kpis { slaAttainment { value previous } }").await;
    close(&k["contactRate"]["value"], Some(4.0 / 5.0), "contactRate");
    close(
        &k["slaAttainment"]["value"],
        Some(1.0 / 3.0),
        "slaAttainment",
    );
    close(
        &k["slaAttainment"]["previous"],
        Some(1.0),
        "slaAttainment (previous)",
    );
    let before = app.statements();
    leader_kpis(&app, window.clone()).await;
    let all = app.statements() - before;
    if counted {
        assert_eq!(one, 1, "one KPI, its one statement");
        assert_eq!(scores, 1, "the scores share one statement");
        assert_eq!(
            two, 3,
            "tickets and active customers, then the ticket times"
        );
        assert_eq!(all, 8, "every KPI: eight statements");
    }
}

/// Customers are looked at for a window only when their active days meet
/// it; those days must follow every touchpoint, also one that arrives after
/// later ones. X's login at hour 700 arrives first, then its login at hour
/// 24; Y opens a ticket at hour 30. Window [0, 48): one ticket, two active
/// customers (X and Y): contactRate 0.5. Had X's days stayed at hour 700's,
/// X would be left out and the rate 1.0.
async fn a_touchpoint_that_arrives_late_makes_its_customer_active(app: TestApp) {
    let token = app.admin();
    let touchpoints =
        "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created } }";
    send(&app, &token, touchpoints, json!([login("X2", "X", 700)])).await;
    send(&app, &token, touchpoints, json!([login("X1", "X", 24)])).await;
    send(
        &app,
        &token,
        "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }",
        json!([ticket("TY", "Y", "login", "NORMAL", 30, None, None)]),
    )
    .await;
    let body = app
        .gql(
            Some(&app.leader()),
            "query($from: DateTime!, $to: DateTime!) { kpis(window: {from: $from, to: $to}) { contactRate { value } } }",
            json!({"from": h(0), "to": h(48)}),
        )
        .await
        .1;
    assert!(body["errors"].is_null(), "{body}");
    close(
        &body["data"]["kpis"]["contactRate"]["value"],
        Some(0.5),
        "contactRate",
    );
}

on_both_databases!(
    a_touchpoint_that_arrives_late_makes_its_customer_active,
    only_the_kpis_selected_are_computed,
    kpi_trend_matches_the_hand_computed_figures,
    contact_reason_trend_matches_the_hand_computed_figures,
    contact_reasons_match_the_hand_computed_figures,
    kpis_match_the_hand_computed_figures,
    an_empty_window_has_no_figures,
    who_may_read_kpis,
);
