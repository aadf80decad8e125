//! The demo data set is deterministic for a seed and anchor, and contains
//! the friction it promises (figures read from the raw tables).

use journeygraph::config::DatabaseSettings;
use journeygraph::service::demo::{self, DemoPlan};
use journeygraph::service::organization;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// 2026-06-01T00:00:00Z.
const ANCHOR: i64 = 1_780_272_000_000;
const H: i64 = 3_600_000;

async fn seeded(customers: u32) -> (DatabaseConnection, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let settings = DatabaseSettings {
        database_url: format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display()),
        database_read_url: None,
        db_max_connections: 4,
        sqlite_busy_timeout_ms: 10_000,
        statement_timeout_ms: 0,
    };
    let db = journeygraph::db::connect(&settings).await.expect("connect");
    journeygraph::db::migrate(&db).await.expect("migrate");
    let org = organization::create(&db, "demo", "Demo")
        .await
        .expect("org");
    let plan = DemoPlan {
        customers,
        seed: 7,
        anchor: ANCHOR,
    };
    demo::seed(&db, org.id, &plan, |_| {}).await.expect("seed");
    (db, dir)
}

async fn number(db: &DatabaseConnection, sql: &str) -> f64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row");
    row.try_get::<Option<f64>>("", "v")
        .ok()
        .flatten()
        .or_else(|| row.try_get::<i64>("", "v").ok().map(|v| v as f64))
        .unwrap_or(0.0)
}

async fn fingerprint(db: &DatabaseConnection) -> Vec<f64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) AS v FROM customer",
        "SELECT COUNT(*) AS v FROM touchpoint",
        "SELECT SUM(occurred_at % 1000003) AS v FROM touchpoint",
        "SELECT SUM(customer_id * 31 + occurred_at % 997) AS v FROM touchpoint",
        "SELECT COUNT(*) AS v FROM ticket",
        "SELECT SUM(opened_at % 1000003 + COALESCE(resolved_at, 0) % 999983) AS v FROM ticket",
        "SELECT SUM(score * id) AS v FROM feedback",
        "SELECT SUM(annual_value_cents % 1000003) AS v FROM customer",
    ] {
        out.push(number(db, sql).await);
    }
    out
}

#[tokio::test]
async fn same_seed_same_data() {
    let (a, _da) = seeded(150).await;
    let (b, _db) = seeded(150).await;
    let fa = fingerprint(&a).await;
    assert_eq!(fa, fingerprint(&b).await);
    assert_eq!(fa[0], 150.0);
    assert!(fa[1] > 2_000.0, "a realistic journey per customer: {fa:?}");
}

#[tokio::test]
async fn planted_friction_is_there() {
    let (db, _dir) = seeded(600).await;

    // Nothing after the anchor.
    assert_eq!(
        number(
            &db,
            &format!("SELECT COUNT(*) AS v FROM touchpoint WHERE occurred_at > {ANCHOR}")
        )
        .await,
        0.0
    );

    // The pricing campaign: recipients with a ticket within 72 h, vs other campaigns.
    let rate = |campaign: &str, op: &str| {
        format!(
            "SELECT 1.0 * COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM ticket t WHERE t.customer_id = d.customer_id \
         AND t.opened_at BETWEEN d.delivered_at AND d.delivered_at + {}) THEN d.customer_id END) / COUNT(DISTINCT d.customer_id) AS v \
         FROM campaign_delivery d JOIN campaign c ON c.id = d.campaign_id WHERE c.external_id {op} '{campaign}' \
         AND c.external_id <> 'CMP-NEWSLETTER'",
            72 * H
        )
    };
    let pricing = number(&db, &rate("CMP-PRICING", "=")).await;
    let others = number(&db, &rate("CMP-PRICING", "<>")).await;
    assert!(
        pricing >= 3.0 * others,
        "pricing {pricing:.3} vs others {others:.3}"
    );
    assert!(pricing > 0.2);

    // The integration step stalls for ~40%: completed late or still open past its deadline.
    let stalled = number(&db, &format!(
        "SELECT 1.0 * SUM(CASE WHEN COALESCE(p.completed_at, {ANCHOR}) - p.started_at > s.expected_days * 24 * {H} THEN 1 ELSE 0 END) \
         / SUM(CASE WHEN p.completed_at IS NOT NULL OR p.started_at + s.expected_days * 24 * {H} <= {ANCHOR} THEN 1 ELSE 0 END) AS v \
         FROM onboarding_progress p JOIN onboarding_step s ON s.id = p.step_id WHERE s.key = 'integration'")).await;
    assert!(
        (0.30..=0.55).contains(&stalled),
        "integration stall share {stalled:.3}"
    );
    let other_steps = number(&db, &format!(
        "SELECT 1.0 * SUM(CASE WHEN p.completed_at - p.started_at > s.expected_days * 24 * {H} THEN 1 ELSE 0 END) / COUNT(*) AS v \
         FROM onboarding_progress p JOIN onboarding_step s ON s.id = p.step_id WHERE s.key <> 'integration' AND p.completed_at IS NOT NULL")).await;
    assert!(other_steps < 0.05, "other steps stall {other_steps:.3}");

    // dana.okafor's won deals wait > 5 days for the first onboarding touchpoint.
    let handoff = |op: &str| {
        format!(
            "SELECT AVG((SELECT MIN(t.occurred_at) FROM touchpoint t WHERE t.customer_id = d.customer_id \
         AND t.department = 'ONBOARDING' AND t.occurred_at >= d.closed_at) - d.closed_at) / {H}.0 AS v \
         FROM deal d WHERE d.outcome = 'WON' AND d.owner {op} 'dana.okafor'"
        )
    };
    let slow = number(&db, &handoff("=")).await;
    let normal = number(&db, &handoff("<>")).await;
    assert!(
        slow > 120.0 && normal < 48.0,
        "handoff hours: slow {slow:.1}, others {normal:.1}"
    );

    // login_issue comes back: a same-reason ticket within 7 days before it.
    let repeat = |reason: &str| {
        format!(
            "SELECT 1.0 * SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket e WHERE e.customer_id = t.customer_id AND e.reason = t.reason \
         AND e.id <> t.id AND e.opened_at <= t.opened_at AND e.opened_at >= t.opened_at - {}) THEN 1 ELSE 0 END) / COUNT(*) AS v \
         FROM ticket t WHERE t.reason = '{reason}'",
            168 * H
        )
    };
    let login = number(&db, &repeat("login_issue")).await;
    let how_to = number(&db, &repeat("how_to")).await;
    assert!(
        login > 0.25 && login > 3.0 * how_to,
        "repeat share login {login:.3} vs how_to {how_to:.3}"
    );

    // Some customers who went live long ago have had no touch in 30 days.
    let dark = number(&db, &format!(
        "SELECT COUNT(DISTINCT p.customer_id) AS v FROM onboarding_progress p JOIN onboarding_step s ON s.id = p.step_id \
         WHERE s.key = 'go_live' AND p.completed_at <= {} AND NOT EXISTS (SELECT 1 FROM touchpoint t \
         WHERE t.customer_id = p.customer_id AND t.occurred_at > {})", ANCHOR - 30 * 24 * H, ANCHOR - 30 * 24 * H)).await;
    assert!(dark >= 5.0, "customers going dark: {dark}");
}

#[tokio::test]
async fn planted_friction_ranks_first_in_its_kind() {
    use journeygraph::auth::Viewer;
    use journeygraph::domain::{FrictionKind, Role};
    use journeygraph::service::friction::{Params, friction_points};
    use journeygraph::service::window::Window;

    let (db, _dir) = seeded(600).await;
    let org = organization::find_by_slug(&db, "demo")
        .await
        .expect("q")
        .expect("org");
    let viewer = Viewer::person(org.id, org.slug, "test".into(), Role::Leader);
    let window = Window::new(ANCHOR - 90 * 24 * H, ANCHOR, ANCHOR).expect("window");
    for (kind, planted) in [
        (FrictionKind::CampaignTriggeredContact, "CMP-PRICING"),
        (FrictionKind::OnboardingStall, "integration"),
        (FrictionKind::HandoffDelay, "dana.okafor"),
        (FrictionKind::RepeatContact, "login_issue"),
    ] {
        let points = friction_points(&db, &viewer, window, &[kind], &Params::default(), 1, 100)
            .await
            .expect("friction");
        let top = points
            .first()
            .unwrap_or_else(|| panic!("{kind}: no points"));
        assert_eq!(top.subject_key, planted, "{kind}: {points:#?}");
        if kind == FrictionKind::CampaignTriggeredContact {
            assert!(
                top.lift.is_some_and(|l| l >= 3.0),
                "{kind}: lift {:?}",
                top.lift
            );
        }
    }
}
