//! Fan-out of raised signals to subscribers. Every replica keeps an
//! in-process broadcast channel its subscribers read. On SQLite (one
//! process) publishing sends on it directly; on PostgreSQL publishing is a
//! `NOTIFY` and every replica, this one included, `LISTEN`s and forwards
//! what arrives to its channel, so a subscriber on replica B sees a signal
//! raised on replica A.

use super::RaisedSignal;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "journeygraph_signals";

/// Signals a slow subscriber may lag behind before it misses some.
const CAPACITY: usize = 1024;

/// Notifications per `SELECT pg_notify(...), ...` statement.
const NOTIFY_CHUNK: usize = 100;

#[derive(Clone)]
pub struct SignalBus {
    local: broadcast::Sender<Arc<RaisedSignal>>,
    via_postgres: bool,
}

impl SignalBus {
    /// A bus for one process.
    pub fn in_process() -> SignalBus {
        SignalBus {
            local: broadcast::channel(CAPACITY).0,
            via_postgres: false,
        }
    }

    /// The bus for `db`: on PostgreSQL it is listening when this returns
    /// (on its own connection, outside the request pool).
    pub async fn start(db: &DatabaseConnection) -> anyhow::Result<SignalBus> {
        let mut bus = SignalBus::in_process();
        if db.get_database_backend() == DbBackend::Postgres {
            let options = db.get_postgres_connection_pool().connect_options();
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with((*options).clone())
                .await?;
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            tokio::spawn(forward(listener, bus.local.clone()));
            bus.via_postgres = true;
        }
        Ok(bus)
    }

    /// Signals published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<RaisedSignal>> {
        self.local.subscribe()
    }

    /// Publishes `signals` to every subscriber (of every replica on
    /// PostgreSQL). A failure is logged: the signals are stored either way.
    pub async fn publish(&self, db: &DatabaseConnection, signals: &[RaisedSignal]) {
        if !self.via_postgres {
            for signal in signals {
                // No subscriber is not an error.
                let _ = self.local.send(Arc::new(signal.clone()));
            }
            return;
        }
        for chunk in signals.chunks(NOTIFY_CHUNK) {
            let mut sql = String::from("SELECT 1");
            let mut values = vec![CHANNEL.into()];
            for signal in chunk {
                match serde_json::to_string(signal) {
                    Ok(payload) => {
                        values.push(payload.into());
                        sql.push_str(&format!(", pg_notify($1, ${})", values.len()));
                    }
                    Err(e) => tracing::error!(error = %e, "signal did not serialize"),
                }
            }
            let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
            if let Err(e) = db.execute_raw(statement).await {
                tracing::warn!(error = %e, "NOTIFY of raised signals failed");
            }
        }
    }
}

/// Forwards notifications to the local channel for as long as the process
/// lives; after a lost connection the listener reconnects on the next call.
async fn forward(mut listener: PgListener, local: broadcast::Sender<Arc<RaisedSignal>>) {
    loop {
        match listener.recv().await {
            Ok(notification) => {
                match serde_json::from_str::<RaisedSignal>(notification.payload()) {
                    Ok(signal) => {
                        let _ = local.send(Arc::new(signal));
                    }
                    Err(e) => tracing::warn!(error = %e, "unreadable signal notification"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "signal listener lost its connection; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
