//! What the benches share: a fresh PostgreSQL database of their own.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// Creates the database `name` (dropping a leftover first) on the server of
/// `JOURNEYGRAPH_BENCH_POSTGRES_URL` (or `JOURNEYGRAPH_TEST_POSTGRES_URL`);
/// returns a connection to the server and the new database's URL. None,
/// with a line saying so, when no server is configured.
pub async fn fresh_postgres(name: &str) -> Option<(DatabaseConnection, String)> {
    let Some(server) = std::env::var("JOURNEYGRAPH_BENCH_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("JOURNEYGRAPH_TEST_POSTGRES_URL").ok())
    else {
        eprintln!("postgres: skipped (set JOURNEYGRAPH_BENCH_POSTGRES_URL)");
        return None;
    };
    let admin = Database::connect(&server).await.expect("connect");
    drop_postgres(&admin, name).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
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
