//! Opening the database: SQLite tuned for a server (WAL, busy timeout,
//! foreign keys) or PostgreSQL, and running migrations.

use crate::config::DatabaseSettings;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use std::time::Duration;

/// Connects to the configured database, for requests: PostgreSQL plans
/// prepared statements its own way (custom for the first runs, then a
/// generic plan when that is no worse), which spares re-planning the small
/// statements of journey reads and summaries at every execution.
///
/// SQLite: WAL journal so readers run beside the single writer, a busy
/// timeout so concurrent writers queue instead of failing with "database is
/// locked", `synchronous=NORMAL` (durable under WAL at commit boundaries) and
/// foreign keys enforced.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    open(settings, &[("plan_cache_mode", "auto")]).await
}

/// Runs one key lookup of a write transaction with a custom plan on
/// PostgreSQL, then hands the transaction back to the session's plan mode.
///
/// A batch looks up to 1,000 keys up at once. A generic plan of such a
/// lookup, made while the table's statistics said it was nearly empty,
/// kept only `(org_id, source)` as the index condition and filtered the keys
/// (120 ms per lookup in the ingest bench, against 2.6 ms). The rest of the
/// transaction keeps generic plans: re-planning every 1,000-row INSERT cost
/// a third of its time.
pub async fn with_custom_plan<C, T, E>(
    txn: &C,
    lookup: impl Future<Output = Result<T, E>>,
) -> Result<T, E>
where
    C: ConnectionTrait,
    E: From<DbErr>,
{
    let postgres = txn.get_database_backend() == DbBackend::Postgres;
    if postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
    }
    let found = lookup.await?;
    if postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode TO DEFAULT")
            .await?;
    }
    Ok(found)
}

/// Connects for organization-wide analytics: PostgreSQL plans every
/// execution for its own window bounds (a generic plan chosen for one
/// window can be far off for another). Sorts and hashes get 64 MB before
/// they spill to disk: handoffMatrix sorts ~360,000 transitions (40 MB) on
/// the benchmark data set, which the default 4 MB wrote to temporary files.
pub async fn connect_analytics(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    open(
        settings,
        &[
            ("plan_cache_mode", "force_custom_plan"),
            ("work_mem", "64MB"),
        ],
    )
    .await
}

/// A pooled connection idle at least this long is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

/// `session`: PostgreSQL settings of every connection of the pool.
async fn open(
    settings: &DatabaseSettings,
    session: &[(&str, &str)],
) -> Result<DatabaseConnection, DbErr> {
    let mut session: Vec<(String, String)> = session
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    let mut options = ConnectOptions::new(settings.database_url.clone());
    let busy_timeout = Duration::from_millis(settings.sqlite_busy_timeout_ms);
    session.push((
        "statement_timeout".to_owned(),
        settings.statement_timeout_ms.to_string(),
    ));
    session.push(("jit".to_owned(), "off".to_owned()));
    options
        .max_connections(settings.db_max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        // A ping on every checkout was a round trip more per statement, two
        // per journey read; only a connection idle long enough to have been
        // dropped (a restart, a proxy) is pinged first.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        // `statement_timeout` cancels, on the server, work a request whose
        // deadline passed no longer waits for.
        // JIT is off: the analytics' plans cost enough to trigger it, and on
        // the benchmark data set compiling took 0.6-1.5 s per statement for
        // 0.5 s of execution (auto_explain, see the README).
        .map_sqlx_postgres_opts(move |opts| opts.options(session.clone()))
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies every pending migration. When the one adding the touchpoints'
/// facts is among them, the facts are filled right after it, before the
/// migrations after it; if filling fails, that migration is undone, so
/// the next start does it again.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?;
    let facts = pending
        .iter()
        .position(|m| m.name() == migration::m20261208_000009_touchpoint_facts::NAME);
    if let Some(at) = facts {
        Migrator::up(db, Some(at as u32 + 1)).await?;
        if let Err(err) = crate::service::records::fill_all(db).await {
            Migrator::down(db, Some(1)).await?;
            return Err(err);
        }
    }
    Migrator::up(db, None).await
}

/// The SQLite file a `sqlite:` URL names, if it names one (not `:memory:`).
pub fn sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}
