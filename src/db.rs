//! Opening the database: SQLite tuned for a server (WAL, busy timeout,
//! foreign keys) or PostgreSQL, and running migrations.

use crate::config::DatabaseSettings;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Connects to the configured database.
///
/// SQLite: WAL journal so readers run beside the single writer, a busy
/// timeout so concurrent writers queue instead of failing with "database is
/// locked", `synchronous=NORMAL` (durable under WAL at commit boundaries) and
/// foreign keys enforced.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    let busy_timeout = Duration::from_millis(settings.sqlite_busy_timeout_ms);
    let statement_timeout_ms = settings.statement_timeout_ms;
    options
        .max_connections(settings.db_max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        // Batches look rows up with `IN (...)` lists of hundreds of keys;
        // PostgreSQL's generic plan for such prepared statements (chosen
        // after five runs) can fall back to scanning the table. Custom plans
        // keep them index lookups.
        // `statement_timeout` cancels, on the server, work a request whose
        // deadline passed no longer waits for.
        // JIT is off: the analytics' plans cost enough to trigger it, and on
        // the benchmark data set compiling took 0.6-1.5 s per statement for
        // 0.5 s of execution (auto_explain, see the README).
        .map_sqlx_postgres_opts(move |opts| {
            opts.options([
                ("plan_cache_mode", "force_custom_plan".to_owned()),
                ("statement_timeout", statement_timeout_ms.to_string()),
                ("jit", "off".to_owned()),
            ])
        })
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// The SQLite file a `sqlite:` URL names, if it names one (not `:memory:`).
pub fn sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}
