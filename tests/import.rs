//! NDJSON import: the same validation and idempotency as the API, bad lines
//! reported by number, and a re-run that writes nothing new.

mod common;

use journeygraph::import::import;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("q")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn fresh_db(dir: &tempfile::TempDir) -> (DatabaseConnection, i64) {
    let settings = common::settings(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("i.db").display()
    ));
    let db = journeygraph::db::connect(&settings.database)
        .await
        .expect("connect");
    journeygraph::db::migrate(&db).await.expect("migrate");
    let org = journeygraph::service::organization::create(&db, "acme", "Acme")
        .await
        .expect("org");
    (db, org.id)
}

#[tokio::test]
async fn the_example_file_imports_and_reimports_unchanged() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, org) = fresh_db(&dir).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/import.ndjson"
    ))
    .expect("example");
    let first = import(&db, org, text.as_bytes(), |_| {})
        .await
        .expect("import");
    assert_eq!(
        (first.records, first.created, first.updated, first.unchanged),
        (7, 7, 0, 0),
        "{first:?}"
    );
    assert!(first.errors.is_empty(), "{first:?}");
    assert_eq!(
        count(&db, "customer").await,
        1,
        "crm, marketing and helpdesk identities stitched by email"
    );
    assert_eq!(count(&db, "customer_identity").await, 3);
    assert_eq!(count(&db, "onboarding_step").await, 2);
    let touchpoints = count(&db, "touchpoint").await;

    let again = import(&db, org, text.as_bytes(), |_| {})
        .await
        .expect("re-import");
    assert_eq!(
        (again.records, again.created, again.updated, again.unchanged),
        (7, 0, 0, 7),
        "{again:?}"
    );
    assert_eq!(count(&db, "touchpoint").await, touchpoints);
}

#[tokio::test]
async fn bad_lines_are_reported_by_number_and_the_rest_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, org) = fresh_db(&dir).await;
    let tp = |id: &str, at: &str| {
        format!(
            r#"{{"type":"touchpoint","source":"product","externalId":"{id}","customer":{{"source":"crm","externalId":"C-1"}},"department":"PRODUCT","kind":"login","occurredAt":"{at}"}}"#
        )
    };
    let text = [
        tp("e1", "2026-01-01T00:00:00Z"),
        "{not json".to_owned(),
        tp("e2", "2099-01-01T00:00:00Z"),
        String::new(),
        tp("e3", "2026-01-02T00:00:00Z"),
        r#"{"type":"spaceship","externalId":"x"}"#.to_owned(),
        tp("e1", "2026-01-03T00:00:00Z"),
    ]
    .join("\n");
    let summary = import(&db, org, text.as_bytes(), |_| {})
        .await
        .expect("import");
    assert_eq!(summary.created, 2, "{summary:?}");
    let lines: Vec<&str> = summary
        .errors
        .iter()
        .map(|e| e.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines,
        vec!["line 2", "line 3", "line 6", "line 7"],
        "{summary:?}"
    );
    assert!(
        summary.errors[1].contains("occurredAt: is more than 24 h in the future"),
        "{summary:?}"
    );
    assert!(
        summary.errors[3].contains("was also sent as line 1 with different content"),
        "{summary:?}"
    );
    assert_eq!(count(&db, "touchpoint").await, 2);
}

/// A file that names an erased person: with REFUSE each such line is an
/// error and the rest is written; with DROP they are counted as left out.
#[tokio::test]
async fn lines_naming_an_erased_person_are_refused_or_left_out() {
    use journeygraph::auth::Viewer;
    use journeygraph::domain::{Role, SuppressedRecords};
    use journeygraph::service::{erasure, organization};
    let dir = tempfile::tempdir().expect("dir");
    let (db, org) = fresh_db(&dir).await;
    let tp = |id: &str, customer: &str| {
        format!(
            r#"{{"type":"touchpoint","source":"product","externalId":"{id}","customer":{{"source":"crm","externalId":"{customer}"}},"department":"PRODUCT","kind":"login","occurredAt":"2026-01-01T00:00:00Z"}}"#
        )
    };
    let first = import(&db, org, tp("e0", "C-1").as_bytes(), |_| {})
        .await
        .expect("import");
    assert_eq!(first.created, 1);
    let admin = Viewer::person(org, "acme".into(), "ops".into(), Role::Admin);
    let customer = count(&db, "customer").await;
    assert_eq!(customer, 1);
    let id = journeygraph::service::customer::get_by_identity(&db, &admin, "crm", "C-1")
        .await
        .expect("customer")
        .id;
    erasure::erase_customer(&db, &admin, id, false)
        .await
        .expect("erased");
    let text = [tp("e1", "C-1"), tp("e2", "C-2"), tp("e3", "C-1")].join("\n");
    let refused = import(&db, org, text.as_bytes(), |_| {})
        .await
        .expect("import");
    assert_eq!((refused.created, refused.suppressed), (1, 0), "{refused:?}");
    assert_eq!(
        refused.errors,
        [
            "line 1: customer: names a person erased from this organization; an ADMIN can lift the suppression",
            "line 3: customer: names a person erased from this organization; an ADMIN can lift the suppression"
        ]
    );
    organization::update_settings(&db, &admin, Some(SuppressedRecords::Drop))
        .await
        .expect("DROP");
    let dropped = import(&db, org, text.as_bytes(), |_| {})
        .await
        .expect("import");
    assert_eq!(
        (dropped.records, dropped.unchanged, dropped.suppressed),
        (1, 1, 2),
        "{dropped:?}"
    );
    assert!(dropped.errors.is_empty(), "{dropped:?}");
    assert_eq!(count(&db, "customer").await, 1, "only C-2");
}
