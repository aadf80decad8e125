//! What the benches share: a PostgreSQL database of their own, the large
//! data set, what processes spend, and the peer (PostGraphile).
#![allow(dead_code)]

pub mod dataset;
pub mod plain_insert;
pub mod postgraphile;
pub mod procfs;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// A port on 127.0.0.1 nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Creates the database `name` (dropping a leftover first) on the server of
/// `JOURNEYGRAPH_BENCH_POSTGRES_URL` (or `JOURNEYGRAPH_TEST_POSTGRES_URL`);
/// returns a connection to the server and the new database's URL. None,
/// with a line saying so, when no server is configured.
pub async fn fresh_postgres(name: &str) -> Option<(DatabaseConnection, String)> {
    postgres_database(name, true).await
}

/// The database `name`: created afresh when `fresh`, else reused when it
/// exists (created when it does not).
pub async fn postgres_database(name: &str, fresh: bool) -> Option<(DatabaseConnection, String)> {
    let Some(server) = std::env::var("JOURNEYGRAPH_BENCH_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("JOURNEYGRAPH_TEST_POSTGRES_URL").ok())
    else {
        eprintln!("postgres: skipped (set JOURNEYGRAPH_BENCH_POSTGRES_URL)");
        return None;
    };
    let admin = Database::connect(&server).await.expect("connect");
    if fresh {
        drop_postgres(&admin, name).await;
    }
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .expect("look up")
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create");
    }
    let (root, query) = server
        .split_once('?')
        .map(|(r, q)| (r, format!("?{q}")))
        .unwrap_or((&server, String::new()));
    let url = format!(
        "{}/{name}{query}",
        root.rsplit_once('/').map(|(r, _)| r).unwrap_or(root)
    );
    Some((admin, url))
}

/// Drops the bench database `name`.
pub async fn drop_postgres(admin: &DatabaseConnection, name: &str) {
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop");
}
