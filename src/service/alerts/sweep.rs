//! The periodic sweep: raises the signals that become true as time passes
//! (a won deal whose onboarding has not started, a stalled step, a customer
//! gone quiet, an open ticket past its SLA) and catches up on the ingest
//! kinds. Every replica runs the loop, but only the leader sweeps: on
//! PostgreSQL the replica holding a session-level advisory lock on its own
//! connection; when it dies its session ends, the lock is released and
//! another replica takes over at its next tick. On SQLite (one process) the
//! process is the leader. Either way `raise` stores each signal once.

use super::bus::SignalBus;
use super::{Origin, raise};
use crate::error::AppResult;
use crate::service::friction::Params;
use crate::service::signals::{self, SIGNAL_KINDS, Scope};
use crate::time::now_millis;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, Connection};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::time::Duration;

/// The advisory lock key of the sweep leader ("jgsweep" in ASCII).
pub const LEADER_LOCK: i64 = 0x006a_6773_7765_6570;

/// Sweeps every organization once; returns the number of signals raised.
pub async fn sweep_once(db: &DatabaseConnection, bus: &SignalBus) -> AppResult<usize> {
    let now = now_millis();
    let orgs = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM organization ORDER BY id",
        ))
        .await?;
    let mut total = 0;
    for row in orgs {
        let org: i64 = row.try_get_by("id")?;
        let found = signals::active_records(
            db,
            org,
            Scope::Organization,
            SIGNAL_KINDS,
            now,
            &Params::default(),
        )
        .await?;
        let raised = raise(db, org, &found, Origin::Sweep, now).await?;
        bus.publish(db, &raised).await;
        total += raised.len();
    }
    Ok(total)
}

/// Whether this replica sweeps.
enum Leadership {
    /// SQLite: one process, always the leader.
    Alone,
    /// PostgreSQL: the advisory lock decides.
    Lock {
        options: Box<PgConnectOptions>,
        connection: Option<PgConnection>,
        held: bool,
    },
}

impl Leadership {
    fn new(db: &DatabaseConnection) -> Leadership {
        if db.get_database_backend() == DbBackend::Postgres {
            Leadership::Lock {
                options: Box::new((*db.get_postgres_connection_pool().connect_options()).clone()),
                connection: None,
                held: false,
            }
        } else {
            Leadership::Alone
        }
    }

    /// Whether this replica leads now: checks the lock it holds is still
    /// held (its session alive), or tries to take it.
    async fn check(&mut self) -> bool {
        let Leadership::Lock {
            options,
            connection,
            held,
        } = self
        else {
            return true;
        };
        if connection.is_none() {
            match PgConnection::connect_with(options).await {
                Ok(c) => *connection = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "sweep: cannot connect for the leader lock");
                    *held = false;
                    return false;
                }
            }
        }
        let Some(conn) = connection.as_mut() else {
            return false;
        };
        let result = if *held {
            sqlx::query_scalar::<_, i32>("SELECT 1")
                .fetch_one(&mut *conn)
                .await
                .map(|_| true)
        } else {
            sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                .bind(LEADER_LOCK)
                .fetch_one(&mut *conn)
                .await
        };
        match result {
            Ok(now_held) => {
                if now_held && !*held {
                    tracing::info!("sweep: this replica is the leader");
                }
                *held = now_held;
            }
            Err(e) => {
                tracing::warn!(error = %e, "sweep: lost the leader connection");
                *connection = None;
                *held = false;
            }
        }
        *held
    }
}

/// Runs the sweep loop every `interval` (the first sweep one interval after
/// start) until the process ends.
pub fn spawn(db: DatabaseConnection, bus: SignalBus, interval: Duration) {
    tokio::spawn(async move {
        let mut leadership = Leadership::new(&db);
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let leader = leadership.check().await;
            metrics::gauge!("journeygraph_sweep_leader").set(if leader { 1.0 } else { 0.0 });
            if !leader {
                continue;
            }
            let started = std::time::Instant::now();
            match sweep_once(&db, &bus).await {
                Ok(raised) => {
                    metrics::counter!("journeygraph_sweeps_total").increment(1);
                    tracing::info!(
                        raised,
                        ms = started.elapsed().as_millis() as u64,
                        "sweep done"
                    );
                }
                Err(e) => tracing::warn!(error = %e, "sweep failed; retrying at the next tick"),
            }
        }
    });
}
