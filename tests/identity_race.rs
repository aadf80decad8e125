//! Two systems introducing the same people at the same instant (a CRM's
//! deals and a marketing tool's deliveries, each person with one email)
//! make one customer per email, every round, on both databases. On
//! PostgreSQL the two batches run in parallel transactions, where READ
//! COMMITTED alone let each miss the other's new customer.

mod common;

use common::TestApp;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const DEALS: &str = r#"mutation($input: [DealInput!]!) { ingestDeals(input: $input) { created } }"#;
const DELIVERIES: &str = r#"mutation($input: [CampaignDeliveryInput!]!) { ingestCampaignDeliveries(input: $input) { created } }"#;
const PEOPLE: usize = 40;
const ROUNDS: usize = 15;

fn email(round: usize, person: usize) -> String {
    format!("p{round}-{person}@example.com")
}

fn deals(round: usize) -> Value {
    (0..PEOPLE)
        .map(|i| {
            json!({"source": "crm", "externalId": format!("D-{round}-{i}"),
                "customer": {"source": "crm", "externalId": format!("C-{round}-{i}"), "email": email(round, i)},
                "owner": "ana", "stage": "new", "amount": 10.0,
                "openedAt": "2026-01-05T09:00:00Z", "outcome": "OPEN"})
        })
        .collect()
}

fn deliveries(round: usize) -> Value {
    (0..PEOPLE)
        .map(|i| {
            // Upper case here: stitching ignores case.
            json!({"source": "mkt", "externalId": format!("M-{round}-{i}"),
                "customer": {"source": "mkt", "externalId": format!("S-{round}-{i}"), "email": email(round, i).to_uppercase()},
                "campaignExternalId": "spring", "campaignName": "Spring", "campaignChannel": "email",
                "deliveredAt": "2026-01-05T09:00:00Z"})
        })
        .collect()
}

async fn two_systems_at_once_make_one_customer_per_email(app: TestApp) {
    let crm = app.api_token(&["INGEST_WRITE"], Some(&["SALES"])).await;
    let mkt = app.api_token(&["INGEST_WRITE"], Some(&["MARKETING"])).await;
    for round in 0..ROUNDS {
        let (a, b) = tokio::join!(
            app.gql(Some(&crm), DEALS, json!({"input": deals(round)})),
            app.gql(Some(&mkt), DELIVERIES, json!({"input": deliveries(round)})),
        );
        assert!(a.1["errors"].is_null(), "{}", a.1);
        assert!(b.1["errors"].is_null(), "{}", b.1);
        let live = app
            .count(&format!(
                "customer WHERE merged_into IS NULL AND email_normalized LIKE 'p{round}-%'"
            ))
            .await;
        assert_eq!(live, PEOPLE as i64, "round {round}: one customer per email");
        let linked = app
            .count(&format!(
                "customer_identity i JOIN customer c ON c.id = i.customer_id WHERE c.email_normalized LIKE 'p{round}-%'"
            ))
            .await;
        assert_eq!(
            linked,
            2 * PEOPLE as i64,
            "round {round}: both identities linked"
        );
    }
}

/// What the race left behind before the lock: two live customers with one
/// email. The repair merges them into the oldest, records and identities
/// moved, one audit row each; a dry run only lists them.
async fn customers_sharing_an_email_are_merged_into_the_oldest(app: TestApp) {
    use journeygraph::auth::Viewer;
    use journeygraph::domain::Role;
    use journeygraph::service::dedupe::{Duplicates, merge_shared_emails};
    let crm = app.api_token(&["INGEST_WRITE"], None).await;
    let mut people = deals(99);
    people.as_array_mut().expect("list").truncate(2);
    for (i, deal) in people.as_array_mut().expect("list").iter_mut().enumerate() {
        deal["customer"]["email"] = json!(format!("twin{i}@example.com"));
    }
    let (_, body) = app.gql(Some(&crm), DEALS, json!({"input": people})).await;
    assert!(body["errors"].is_null(), "{body}");
    // Make the second share the first's email, as the race did.
    app.db
        .execute_unprepared(
            "UPDATE customer SET email_normalized = 'twin0@example.com' WHERE email_normalized = 'twin1@example.com'",
        )
        .await
        .expect("update");
    let ids: Vec<i64> = {
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT id FROM customer WHERE email_normalized = 'twin0@example.com' ORDER BY id",
            ))
            .await
            .expect("ids");
        rows.iter()
            .map(|r| r.try_get::<i64>("", "id").expect("id"))
            .collect()
    };
    assert_eq!(ids.len(), 2);
    let admin = Viewer::person(app.org_id, "acme".into(), "ops".into(), Role::Admin);
    let expected = vec![Duplicates {
        email: "twin0@example.com".into(),
        survivor: ids[0],
        merged: vec![ids[1]],
    }];
    let listed = merge_shared_emails(&app.db, &admin, true)
        .await
        .expect("dry run");
    assert_eq!(listed, expected);
    assert_eq!(
        app.count("identity_merge").await,
        0,
        "a dry run merges nothing"
    );
    let merged = merge_shared_emails(&app.db, &admin, false)
        .await
        .expect("merge");
    assert_eq!(merged, expected);
    assert_eq!(app.count("identity_merge").await, 1);
    assert_eq!(
        app.count(&format!("deal WHERE customer_id = {}", ids[0]))
            .await,
        2
    );
    assert_eq!(
        app.count("customer WHERE merged_into IS NULL AND email_normalized = 'twin0@example.com'")
            .await,
        1
    );
    // A LEADER may not.
    let leader = Viewer::person(app.org_id, "acme".into(), "lee".into(), Role::Leader);
    let refused = merge_shared_emails(&app.db, &leader, true).await;
    assert_eq!(refused.map_err(|e| e.code()), Err("FORBIDDEN"));
}

on_both_databases!(
    two_systems_at_once_make_one_customer_per_email,
    customers_sharing_an_email_are_merged_into_the_oldest
);
