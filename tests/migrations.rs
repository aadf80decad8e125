//! Migrations go up, down and up again on both databases.

mod common;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

const TABLES: usize = 20;

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
    Migrator::down(&db, None).await.expect("down");
    assert_eq!(count_tables(&db).await, 0);
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(count_tables(&db).await, TABLES as i64);
}

#[tokio::test]
async fn sqlite_up_down_up() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    up_down_up(Database::connect(url).await.expect("connect")).await;
}

#[tokio::test]
async fn postgres_up_down_up() {
    let Some(server) = common::postgres_url("postgres_up_down_up") else {
        return;
    };
    let name = format!("jg_migrate_{}", std::process::id());
    let db = Database::connect(common::create_database(&server, &name, None).await)
        .await
        .expect("connect");
    up_down_up(db.clone()).await;
    db.close().await.ok();
}
