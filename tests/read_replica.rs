//! `DATABASE_READ_URL`: organization-wide analytics read the replica it
//! names, everything else the primary. Here the "replica" is a second
//! database with the same organizations, so the test can see which one
//! answered.

mod common;

use common::TestApp;
use common::data;
use journeygraph::service::organization;
use serde_json::json;

const REASONS: &str =
    r#"query($w: WindowInput!) { contactReasons(window: $w, first: 10) { reason tickets } }"#;

#[tokio::test]
async fn analytics_read_the_replica_and_writes_go_to_the_primary() {
    let dir = tempfile::tempdir().expect("dir");
    let replica_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("replica.db").display()
    );
    let replica_settings = common::settings(replica_url.clone()).database;
    let replica = journeygraph::db::connect(&replica_settings)
        .await
        .expect("connect");
    journeygraph::db::migrate(&replica).await.expect("migrate");
    let app = TestApp::sqlite_with(|s| s.database.database_read_url = Some(replica_url)).await;
    for (slug, id) in [("acme", app.org_id), ("other", app.other_org_id)] {
        assert_eq!(
            organization::create(&replica, slug, slug)
                .await
                .expect("org")
                .id,
            id
        );
    }
    // Written through the API: lands on the primary.
    let admin = app.admin();
    app.ingest(&admin, "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }", json!([
        {"source": "helpdesk", "externalId": "T1", "customer": {"source": "crm", "externalId": "C1"},
         "reason": "billing", "channel": "email", "priority": "LOW", "team": "tier1", "openedAt": "2026-01-02T00:00:00Z"}])).await;
    assert_eq!(app.count("ticket").await, 1);
    // The replica has a different ticket; analytics answer from it.
    data::tickets(
        &replica,
        app.org_id,
        vec![data::ticket("C9", "R1", 30, Some(31))],
    )
    .await;
    let window = json!({"w": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z"}});
    let (_, body) = app.gql(Some(&app.leader()), REASONS, window).await;
    assert_eq!(
        body["data"]["contactReasons"],
        json!([{"reason": "login_issue", "tickets": 1}]),
        "{body}"
    );
    // Journeys read the primary.
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            "{ customers(first: 10) { edges { node { displayName } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["customers"]["edges"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
}
