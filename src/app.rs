//! Build, then run: `App::build` connects, migrates, loads keys and binds
//! the listener (port 0 picks a free one, readable via `port()`);
//! `run_until_stopped` serves until SIGINT/SIGTERM and lets in-flight
//! requests finish.

use crate::auth::keys::{self, KeyMaterial};
use crate::config::{AlertSettings, AuthSettings, DatabaseSettings, ServeSettings};
use crate::db;
use crate::graphql::{build_schema, build_socket_schema};
use crate::http::socket_slots::Slots;
use crate::http::subscriptions::SocketLimits;
use crate::http::{AppState, router};
use crate::service::alerts::bus::SignalBus;
use crate::service::alerts::{Alerts, sweep};
use crate::service::webhooks::deliver;
use anyhow::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Everything `serve` is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub serve: ServeSettings,
}

/// A built, bound, not yet serving application.
pub struct App {
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: Duration,
    pub db: DatabaseConnection,
    pub keys: KeyMaterial,
    /// The signal bus and webhook settings the server runs with.
    pub alerts: Alerts,
}

impl App {
    pub async fn build(settings: &Settings) -> anyhow::Result<App> {
        let db = db::connect(&settings.database)
            .await
            .context("connecting to the database")?;
        if !settings.serve.no_migrate {
            db::migrate(&db).await.context("running migrations")?;
        }
        App::build_with(settings, db).await
    }

    /// Builds on an existing connection (tests may instrument it).
    pub async fn build_with(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<App> {
        let keys = keys::load(&settings.auth, &settings.database.database_url)?;
        if let Some(file) = &keys.secret_file {
            tracing::info!(path = %file.display(), "JWT secret file");
        }
        crate::http::metrics::handle();
        if let Some(jwks) = keys.verifier.jwks() {
            // The first tick is now: the set is fetched at start.
            jwks.clone()
                .refresh_every(Duration::from_secs(settings.auth.jwt_jwks_refresh_secs));
        }
        let alerts = start_alerts(&settings.serve.alerts, &db).await?;
        let analytics_db = match &settings.database.database_read_url {
            Some(url) => {
                let replica = DatabaseSettings {
                    database_url: url.clone(),
                    ..settings.database.clone()
                };
                db::connect_analytics(&replica)
                    .await
                    .context("connecting to DATABASE_READ_URL")?
            }
            // Their own pool on PostgreSQL, for its planning mode.
            None if db.get_database_backend() == sea_orm::DbBackend::Postgres => {
                db::connect_analytics(&settings.database).await?
            }
            None => db.clone(),
        };
        let state = AppState {
            db: db.clone(),
            analytics_db: crate::graphql::AnalyticsDb(analytics_db),
            schema: build_schema(&settings.serve.limits, !settings.serve.no_introspection),
            document_limits: (&settings.serve.limits).into(),
            documents: Arc::default(),
            socket_schema: build_socket_schema(
                &settings.serve.limits,
                !settings.serve.no_introspection,
            ),
            verifier: Arc::new(keys.verifier.clone()),
            organizations: Arc::new(crate::auth::OrgCache::new(std::time::Duration::from_secs(
                60,
            ))),
            graphiql: !settings.serve.no_graphiql,
            console: !settings.serve.no_console,
            max_batch: settings.serve.limits.max_batch,
            request_timeout: std::time::Duration::from_millis(settings.serve.request_timeout_ms),
            rate_limit: crate::http::rate_limit::RateLimit::new(
                settings.serve.rate_limit_per_second,
                settings.serve.rate_limit_burst,
            )
            .map(Arc::new),
            alerts: alerts.clone(),
            ws_recheck: Duration::from_secs(settings.serve.alerts.ws_recheck_secs.max(1)),
            socket_limits: socket_limits(&settings.serve),
        };
        let listener = TcpListener::bind(settings.serve.bind)
            .await
            .with_context(|| format!("binding {}", settings.serve.bind))?;
        Ok(App {
            listener,
            router: router(state, &settings.serve)?,
            header_read_timeout: Duration::from_millis(
                settings.serve.header_read_timeout_ms.max(1),
            ),
            db,
            keys,
            alerts,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until SIGINT or SIGTERM; in-flight requests complete.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        crate::http::serve::serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            shutdown_signal(),
        )
        .await?;
        Ok(())
    }
}

fn socket_limits(serve: &ServeSettings) -> SocketLimits {
    let alerts = &serve.alerts;
    SocketLimits {
        per_principal: Slots::new(alerts.max_sockets_per_principal),
        pending_per_address: Slots::new(alerts.max_pending_sockets_per_address),
        init_timeout: Duration::from_millis(alerts.ws_init_timeout_ms),
        max_subscriptions: alerts.max_subscriptions_per_socket,
        max_message_bytes: serve.limits.max_body_bytes,
    }
}

/// Starts the signal bus, the sweep (unless its interval is 0) and the
/// webhook delivery worker.
async fn start_alerts(settings: &AlertSettings, db: &DatabaseConnection) -> anyhow::Result<Alerts> {
    let bus = SignalBus::start(db)
        .await
        .context("listening for friction signals")?;
    if settings.sweep_interval_secs > 0 {
        sweep::spawn(
            db.clone(),
            bus.clone(),
            Duration::from_secs(settings.sweep_interval_secs),
        );
    }
    deliver::spawn(
        db.clone(),
        bus.clone(),
        deliver::Policy {
            retry_base: Duration::from_millis(settings.webhook_retry_base_ms),
            max_attempts: settings.webhook_max_attempts,
            timeout: Duration::from_millis(settings.webhook_timeout_ms),
        },
    )?;
    Ok(Alerts {
        bus,
        webhook_allow_private: settings.webhook_allow_private,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
