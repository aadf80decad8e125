//! Migrations go up, down and up again on both databases.

mod common;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

const TABLES: usize = 22;

async fn count_tables(db: &DatabaseConnection) -> i64 {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn up_down_up(db: DatabaseConnection) {
    Migrator::up(&db, None).await.expect("up");
    assert_eq!(count_tables(&db).await, TABLES as i64);
    // The sixth migration orders a customer's tickets by (opened_at, id).
    let ticket_indexes = [
        "ix_ticket_customer_order",
        "ix_ticket_opened",
        "ix_ticket_resolved",
        "ux_ticket_key",
    ];
    assert_eq!(indexes(&db, "ticket").await, ticket_indexes);
    // The eighth keeps the audit trail append-only: the database refuses
    // to change or delete a row, except to clear its customer ids.
    run(
        &db,
        "INSERT INTO organization (id, slug, name, created_at) VALUES (1, 'a', 'A', 0)",
    )
    .await
    .expect("org");
    assert_eq!(
        ids(&db, "SELECT COUNT(*) FROM organization WHERE suppressed_records = 'REFUSE' AND erasure_key IS NULL").await,
        [1]
    );
    run(&db, "INSERT INTO audit_event (org_id, at, actor, action, customer_id, customer_ref, other_customer_id, detail) VALUES (1, 5, 'user:x', 'customers.merged', 10, 'cust_1', 11, '{}')").await.expect("audit row");
    for refused in [
        "UPDATE audit_event SET actor = 'user:y'",
        "UPDATE audit_event SET customer_ref = 'cust_2'",
        "UPDATE audit_event SET detail = '{\"a\": 1}'",
        "DELETE FROM audit_event",
        "DELETE FROM organization",
    ] {
        assert!(run(&db, refused).await.is_err(), "{refused}");
    }
    run(
        &db,
        "UPDATE audit_event SET customer_id = NULL, other_customer_id = NULL",
    )
    .await
    .expect("an erasure clears the ids");
    assert_eq!(
        ids(&db, "SELECT COUNT(*) FROM audit_event WHERE customer_id IS NULL AND other_customer_id IS NULL AND customer_ref = 'cust_1' AND actor = 'user:x'").await,
        [1]
    );
    // The ninth keeps what an event shows of its record on the touchpoint.
    run(&db, "SELECT facts FROM touchpoint")
        .await
        .expect("facts");
    // The tenth keeps each customer's active days.
    run(
        &db,
        "SELECT first_active_day, last_active_day FROM customer",
    )
    .await
    .expect("active days");
    Migrator::down(&db, Some(1)).await.expect("down the tenth");
    assert!(
        run(&db, "SELECT first_active_day FROM customer")
            .await
            .is_err()
    );
    Migrator::down(&db, Some(1)).await.expect("down the ninth");
    assert!(run(&db, "SELECT facts FROM touchpoint").await.is_err());
    Migrator::down(&db, Some(1)).await.expect("down the eighth");
    assert!(
        run(&db, "SELECT erasure_key FROM organization")
            .await
            .is_err()
    );
    assert!(run(&db, "SELECT 1 FROM audit_event").await.is_err());
    run(&db, "DELETE FROM organization").await.expect("delete");
    // The seventh gives each organization a currency: USD for those
    // created before it.
    Migrator::down(&db, Some(1)).await.expect("down one");
    assert!(run(&db, "SELECT currency FROM organization").await.is_err());
    run(
        &db,
        "INSERT INTO organization (id, slug, name, created_at) VALUES (1, 'old', 'Old', 0)",
    )
    .await
    .expect("an organization before it");
    Migrator::up(&db, None).await.expect("up one");
    let currency = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT currency FROM organization WHERE id = 1",
        ))
        .await
        .expect("select")
        .expect("row")
        .try_get::<String>("", "currency")
        .expect("currency");
    assert_eq!(currency, "USD");
    run(&db, "DELETE FROM organization").await.expect("delete");
    Migrator::down(&db, Some(5)).await.expect("down five");
    assert_eq!(
        indexes(&db, "ticket").await,
        [
            "ix_ticket_customer",
            "ix_ticket_opened",
            "ix_ticket_resolved",
            "ux_ticket_key"
        ]
    );
    Migrator::up(&db, None).await.expect("up five");
    assert_eq!(indexes(&db, "ticket").await, ticket_indexes);
    Migrator::down(&db, None).await.expect("down");
    assert_eq!(count_tables(&db).await, 0);
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(count_tables(&db).await, TABLES as i64);
}

/// An empty SQLite database in a directory that lives as long as the guard.
/// (sqlx turns SQLite's foreign keys on for every connection.)
async fn empty_sqlite() -> (tempfile::TempDir, DatabaseConnection) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let db = Database::connect(url).await.expect("connect");
    (dir, db)
}

/// An empty PostgreSQL database `jg_<kind>_<pid>`; None when the
/// PostgreSQL tests are skipped.
async fn empty_postgres(test: &str, kind: &str) -> Option<DatabaseConnection> {
    let server = common::postgres_url(test)?;
    let name = format!("jg_{kind}_{}", std::process::id());
    let db = Database::connect(common::create_database(&server, &name, None).await)
        .await
        .expect("connect");
    Some(db)
}

#[tokio::test]
async fn sqlite_up_down_up() {
    let (_dir, db) = empty_sqlite().await;
    up_down_up(db).await;
}

#[tokio::test]
async fn postgres_up_down_up() {
    if let Some(db) = empty_postgres("postgres_up_down_up", "migrate").await {
        up_down_up(db.clone()).await;
        db.close().await.ok();
    }
}

/// Organization 1 and its customer 10.
async fn org_and_customer(db: &DatabaseConnection) {
    run(
        db,
        "INSERT INTO organization (id, slug, name, created_at) VALUES (1, 'a', 'A', 0)",
    )
    .await
    .expect("org");
    run(db, "INSERT INTO customer (id, org_id, display_name, annual_value_cents, created_at) VALUES (10, 1, 'x', 0, 0)").await.expect("customer");
}

async fn run(db: &DatabaseConnection, sql: &str) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared(sql).await.map(|_| ())
}

async fn ids(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0).expect("id"))
        .collect()
}

/// The names of `table`'s indexes (PostgreSQL's primary key index aside).
async fn indexes(db: &DatabaseConnection, table: &str) -> Vec<String> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT indexname AS name FROM pg_indexes WHERE tablename = '{table}' AND indexname <> '{table}_pkey' ORDER BY 1"
        ),
        _ => format!(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL ORDER BY 1"
        ),
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("indexes")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name"))
        .collect()
}

const TOUCHPOINT: &str = "INSERT INTO touchpoint (org_id, source, external_id, customer_id, \
    department, kind, occurred_at) VALUES";

/// The fifth migration swaps the touchpoint's two foreign keys for one on
/// (org_id, customer_id): rows, ids, indexes and the id sequence survive
/// (on SQLite the table is rebuilt), a touchpoint naming another
/// organization's customer is refused afterwards (and accepted again once
/// the migration is undone).
async fn touchpoint_customer_key(db: DatabaseConnection) {
    Migrator::up(&db, Some(4)).await.expect("up to the fourth");
    run(&db, "INSERT INTO organization (id, slug, name, created_at) VALUES (1, 'a', 'A', 0), (2, 'b', 'B', 0)").await.expect("orgs");
    run(&db, "INSERT INTO customer (id, org_id, display_name, annual_value_cents, created_at) VALUES (10, 1, 'x', 0, 0), (20, 2, 'y', 0, 0)").await.expect("customers");
    run(&db, &format!("{TOUCHPOINT} (1, 's', 't1', 10, 'SALES', 'k', 1), (1, 's', 't2', 10, 'SALES', 'k', 2), (1, 's', 't3', 10, 'SALES', 'k', 3)")).await.expect("touchpoints");
    // The newest row goes: the sequence, not the largest id left, says what comes next.
    run(&db, "DELETE FROM touchpoint WHERE external_id = 't3'")
        .await
        .expect("delete");
    let before = indexes(&db, "touchpoint").await;
    let cross = format!("{TOUCHPOINT} (1, 's', 'cross', 20, 'SALES', 'k', 4)");

    Migrator::up(&db, Some(1)).await.expect("up the fifth");
    assert_eq!(
        ids(&db, "SELECT id FROM touchpoint ORDER BY id").await,
        [1, 2]
    );
    assert_eq!(indexes(&db, "touchpoint").await, before);
    run(
        &db,
        &format!("{TOUCHPOINT} (1, 's', 't4', 10, 'SALES', 'k', 4)"),
    )
    .await
    .expect("own customer");
    assert_eq!(
        ids(&db, "SELECT id FROM touchpoint WHERE external_id = 't4'").await,
        [4]
    );
    assert!(
        run(&db, &cross).await.is_err(),
        "another organization's customer is refused"
    );
    run(&db, "DELETE FROM organization WHERE id = 1")
        .await
        .expect("delete org");
    assert_eq!(
        ids(&db, "SELECT COUNT(*) FROM touchpoint").await,
        [0],
        "cascaded from the customer"
    );

    Migrator::down(&db, Some(1)).await.expect("down one");
    org_and_customer(&db).await;
    run(&db, &cross)
        .await
        .expect("the two separate keys let it through");
    assert!(
        Migrator::up(&db, None).await.is_err(),
        "the key is checked against the rows already there"
    );
    assert_eq!(
        ids(&db, "SELECT COUNT(*) FROM touchpoint").await,
        [1],
        "nothing half done"
    );
    run(&db, "DELETE FROM touchpoint").await.expect("clear");
    Migrator::up(&db, None).await.expect("up again");
    assert!(run(&db, &cross).await.is_err());
}

#[tokio::test]
async fn sqlite_touchpoint_customer_key() {
    let (_dir, db) = empty_sqlite().await;
    touchpoint_customer_key(db).await;
}

#[tokio::test]
async fn postgres_touchpoint_customer_key() {
    if let Some(db) = empty_postgres("postgres_touchpoint_customer_key", "migratekey").await {
        touchpoint_customer_key(db.clone()).await;
        db.close().await.ok();
    }
}

/// The ninth migration adds `touchpoint.facts`; the server fills it right
/// after, for touchpoints that were there before: a deal's event shows the
/// deal, a touchpoint without a record keeps NULL.
async fn facts_are_filled_for_what_was_there(db: DatabaseConnection) {
    Migrator::up(&db, Some(8)).await.expect("up to the eighth");
    org_and_customer(&db).await;
    run(&db, "INSERT INTO deal (id, org_id, customer_id, source, external_id, owner, stage, amount_cents, opened_at, closed_at, outcome, updated_at) \
              VALUES (7, 1, 10, 'crm', 'D-7', 'ana', 'won', 120050, 1000, 2000, 'WON', 2000)").await.expect("deal");
    run(&db, &format!("{TOUCHPOINT} (1, 'journeygraph', 'deal:7:deal_won', 10, 'SALES', 'deal_won', 2000), (1, 's', 'plain', 10, 'PRODUCT', 'login', 3)")).await.expect("touchpoints");
    run(&db, "UPDATE touchpoint SET record_kind = 'DEAL', record_id = 7 WHERE external_id = 'deal:7:deal_won'").await.expect("record");
    journeygraph::db::migrate(&db).await.expect("migrate");
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT external_id, facts FROM touchpoint ORDER BY id",
        ))
        .await
        .expect("facts");
    let facts: Vec<(String, Option<serde_json::Value>)> = rows
        .iter()
        .map(|r| {
            let text: Option<String> = r.try_get("", "facts").expect("facts");
            let parsed = text.map(|t| serde_json::from_str(&t).expect("json"));
            (r.try_get("", "external_id").expect("key"), parsed)
        })
        .collect();
    assert_eq!(
        facts,
        [
            (
                "deal:7:deal_won".to_owned(),
                Some(
                    serde_json::json!({"d": {"external_id": "D-7", "owner": "ana", "stage": "won",
                    "amount_cents": 120050, "opened_at": 1000, "closed_at": 2000, "outcome": "WON"}})
                )
            ),
            ("plain".to_owned(), None),
        ]
    );
}

#[tokio::test]
async fn sqlite_facts_are_filled_for_what_was_there() {
    let (_dir, db) = empty_sqlite().await;
    facts_are_filled_for_what_was_there(db).await;
}

#[tokio::test]
async fn postgres_facts_are_filled_for_what_was_there() {
    if let Some(db) = empty_postgres(
        "postgres_facts_are_filled_for_what_was_there",
        "migratefacts",
    )
    .await
    {
        facts_are_filled_for_what_was_there(db.clone()).await;
        db.close().await.ok();
    }
}

const DAY: i64 = 86_400_000;

/// (id, first_active_day, last_active_day) of every customer, by id.
async fn active_days(db: &DatabaseConnection) -> Vec<(i64, Option<i64>, Option<i64>)> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT id, first_active_day, last_active_day FROM customer ORDER BY id",
    ))
    .await
    .expect("days")
    .iter()
    .map(|r| {
        (
            r.try_get_by_index(0).expect("id"),
            r.try_get_by_index(1).expect("first"),
            r.try_get_by_index(2).expect("last"),
        )
    })
    .collect()
}

/// The tenth migration gives each customer the days of their earliest and
/// latest touchpoint: filled for what was there, widened by every insert
/// (of one row or many) and by touchpoints moved to the customer, never
/// narrowed; going down and up again fills them afresh.
async fn active_days_are_kept(db: DatabaseConnection) {
    Migrator::up(&db, Some(9)).await.expect("up to the ninth");
    org_and_customer(&db).await;
    run(&db, "INSERT INTO customer (id, org_id, display_name, annual_value_cents, created_at) VALUES (11, 1, 'y', 0, 0)").await.expect("customer 11");
    let at = |day: i64, n: &str| {
        format!(
            "(1, 's', 'p{n}', 10, 'PRODUCT', 'login', {})",
            day * DAY + 7
        )
    };
    run(&db, &format!("{TOUCHPOINT} {}, {}", at(5, "a"), at(7, "b")))
        .await
        .expect("before");
    Migrator::up(&db, None).await.expect("up the tenth");
    assert_eq!(
        active_days(&db).await,
        [(10, Some(5), Some(7)), (11, None, None)]
    );
    // Earlier and later in one statement; one in between changes nothing.
    run(&db, &format!("{TOUCHPOINT} {}, {}", at(3, "c"), at(9, "d")))
        .await
        .expect("wider");
    run(&db, &format!("{TOUCHPOINT} {}", at(6, "e")))
        .await
        .expect("within");
    run(&db, &format!("{TOUCHPOINT} (1, 's', 'q1', 11, 'SALES', 'call', {}), (1, 's', 'q2', 11, 'SALES', 'call', {})", DAY + 1, 12 * DAY))
        .await
        .expect("customer 11");
    assert_eq!(
        active_days(&db).await,
        [(10, Some(3), Some(9)), (11, Some(1), Some(12))]
    );
    // A merge moves 11's touchpoints to 10: 10 widens, 11 keeps its days.
    run(
        &db,
        "UPDATE touchpoint SET customer_id = 10 WHERE customer_id = 11",
    )
    .await
    .expect("moved");
    assert_eq!(
        active_days(&db).await,
        [(10, Some(1), Some(12)), (11, Some(1), Some(12))]
    );
    Migrator::down(&db, Some(1)).await.expect("down the tenth");
    assert!(
        run(&db, "SELECT first_active_day FROM customer")
            .await
            .is_err()
    );
    run(&db, &format!("{TOUCHPOINT} {}", at(20, "f")))
        .await
        .expect("without the triggers");
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(
        active_days(&db).await,
        [(10, Some(1), Some(20)), (11, None, None)]
    );
}

#[tokio::test]
async fn sqlite_active_days_are_kept() {
    let (_dir, db) = empty_sqlite().await;
    active_days_are_kept(db).await;
}

#[tokio::test]
async fn postgres_active_days_are_kept() {
    if let Some(db) = empty_postgres("postgres_active_days_are_kept", "migratedays").await {
        active_days_are_kept(db.clone()).await;
        db.close().await.ok();
    }
}
