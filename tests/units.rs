//! Units a person can read: every share in the schema says it is a
//! fraction (and the one percent left says so, deprecated), every money
//! figure says it is in the organization's currency, and that currency
//! (ISO 4217, chosen at `org create`, USD by default) is on `viewer`.

mod common;

use common::TestApp;
use journeygraph::service::organization;
use serde_json::json;

/// (type.field, description) of every field of `schema.graphql`.
fn fields() -> Vec<(String, String)> {
    let text = include_str!("../schema.graphql");
    let mut found = Vec::new();
    let (mut owner, mut description, mut open) = (String::new(), String::new(), false);
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(rest) = ["type ", "input ", "interface "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        {
            owner = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            description.clear();
        } else if trimmed == "\"\"\"" {
            if !open {
                description.clear();
            }
            open = !open;
        } else if open {
            description.push_str(trimmed);
            description.push(' ');
        } else if line.starts_with('\t') && !line.starts_with("\t\t") {
            let name: String = trimmed
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            if !name.is_empty() && !owner.is_empty() {
                found.push((format!("{owner}.{name}"), description.clone()));
            }
            description.clear();
        }
    }
    found
}

#[test]
fn every_share_says_fraction_and_every_money_figure_its_currency() {
    let fields = fields();
    assert!(fields.len() > 300, "{}", fields.len());
    let mut shares = 0;
    let mut money = 0;
    for (field, description) in &fields {
        let name = field.rsplit('.').next().unwrap_or_default();
        let is_share = ["Rate", "rate", "Share", "share", "Attainment"]
            .iter()
            .any(|end| name.ends_with(end));
        if field == "Kpis.contactRate" || field == "KpiTrend.contactRate" {
            assert!(
                description.contains("tickets per customer, not a share"),
                "{field}: {description}"
            );
        } else if is_share {
            assert!(
                description.contains("a fraction ("),
                "{field}: {description}"
            );
            shares += 1;
        }
        if name.ends_with("Percent") {
            assert!(
                description.contains("a percent (0-100)"),
                "{field}: {description}"
            );
        }
        let is_money = ["annualValue", "amount", "revenueAtRisk", "impactScore"].contains(&name)
            || field == "OutreachQueueEntry.priority";
        if is_money {
            assert!(
                description.contains("(`viewer.currency`)"),
                "{field}: {description}"
            );
            money += 1;
        }
    }
    // 17 shares before trends; kpiTrend adds 5, contactReasonTrend 2, frictionTrend 1.
    assert_eq!((shares, money), (25, 7));
    let lift = fields
        .iter()
        .find(|(f, _)| f == "FrictionPoint.lift")
        .expect("lift");
    assert!(lift.1.contains("a multiple"), "{}", lift.1);
    let nps = fields.iter().find(|(f, _)| f == "Kpis.nps").expect("nps");
    assert!(nps.1.contains("a score from -100 to 100"), "{}", nps.1);
}

async fn the_currency_is_the_organizations(app: TestApp) {
    let who = "{ viewer { organization currency } }";
    let (_, body) = app.gql(Some(&app.leader()), who, json!({})).await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"organization": "acme", "currency": "USD"})
    );
    organization::create_in(&app.db, "eu", "EU", "EUR")
        .await
        .expect("eu");
    let (_, body) = app.gql(Some(&app.jwt("eu", "AGENT")), who, json!({})).await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"organization": "eu", "currency": "EUR"})
    );
    // A partner token reads it too.
    let token = app.api_token(&["INGEST_WRITE"], None).await;
    let (_, body) = app
        .gql(Some(&token), "{ viewer { currency } }", json!({}))
        .await;
    assert_eq!(body["data"]["viewer"]["currency"], "USD");
    for code in ["EURO", "eur", "ABC", "", "US$"] {
        let refused = organization::create_in(&app.db, "x", "X", code)
            .await
            .expect_err(code);
        assert_eq!(
            refused.to_string(),
            format!("currency: {code:?} is not an ISO 4217 currency code (such as USD, EUR, JPY)")
        );
    }
    assert!(
        organization::find_by_slug(&app.db, "x")
            .await
            .expect("find")
            .is_none()
    );
}

on_both_databases!(the_currency_is_the_organizations);

#[test]
fn org_create_takes_a_currency() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("units.db").display()
    );
    let run = |args: &[&str]| {
        common::process::journeygraph(&db, common::SECRET, "warn")
            .args(args)
            .output()
            .expect("run")
    };
    let made = run(&["org", "create", "jp", "--name", "JP", "--currency", "JPY"]);
    assert!(made.status.success(), "{made:?}");
    assert_eq!(
        String::from_utf8_lossy(&made.stdout).trim(),
        "created organization jp (id 1, money in JPY)"
    );
    let refused = run(&["org", "create", "xx", "--name", "XX", "--currency", "YEN"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains(r#"currency: "YEN" is not an ISO 4217 currency code"#),
        "{refused:?}"
    );
}
