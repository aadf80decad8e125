//! Every metric `/metrics` exports, described (its `# HELP` and `# TYPE`)
//! and registered when the recorder is installed, so each one exists, at
//! zero, before it first moves: an alert on a rate sees a series from the
//! start, not a gap. Labels with a known set of values get a series for
//! each; client-chosen operation names appear as they are seen.

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use std::sync::OnceLock;

/// The ingest mutations' record types, as `journeygraph_ingest_records_total` labels them.
const RECORD_TYPES: &[&str] = &[
    "deal",
    "onboarding_progress",
    "campaign_delivery",
    "ticket",
    "feedback",
    "touchpoint",
];
const INGEST_OUTCOMES: &[&str] = &["created", "updated", "unchanged"];

/// The process figures (resident memory, CPU seconds, open descriptors),
/// collected at each scrape.
fn process() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Describes and registers every metric; once per process.
pub fn register() {
    describe_counter!(
        "journeygraph_requests_total",
        "GraphQL operations by operation name and outcome (the first error's code, or OK)"
    );
    describe_histogram!(
        "journeygraph_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a GraphQL operation, by operation name"
    );
    describe_counter!(
        "journeygraph_ingest_records_total",
        "Records committed by the ingest mutations, by record type and outcome"
    );
    for kind in RECORD_TYPES {
        for outcome in INGEST_OUTCOMES {
            counter!("journeygraph_ingest_records_total", "type" => *kind, "outcome" => *outcome)
                .absolute(0);
        }
    }
    describe_counter!(
        "journeygraph_rate_limited_total",
        "Requests and subscribes refused by the rate limit"
    );
    counter!("journeygraph_rate_limited_total").absolute(0);
    describe_counter!(
        "journeygraph_jwks_refreshes_total",
        "Fetches of the identity provider's key set (--jwt-jwks-url), by outcome"
    );
    for outcome in ["ok", "error"] {
        counter!("journeygraph_jwks_refreshes_total", "outcome" => outcome).absolute(0);
    }
    describe_gauge!(
        "journeygraph_jwks_keys",
        "Keys held from the identity provider's key set"
    );
    gauge!("journeygraph_jwks_keys").set(0.0);
    describe_gauge!(
        "journeygraph_db_pool_connections",
        "Connections of the request pool, open and idle"
    );
    for state in ["open", "idle"] {
        gauge!("journeygraph_db_pool_connections", "state" => state).set(0.0);
    }
    describe_gauge!("journeygraph_ws_connections", "Open subscription sockets");
    gauge!("journeygraph_ws_connections").set(0.0);
    describe_counter!(
        "journeygraph_ws_refused_total",
        "Subscription sockets refused: too many waiting from one address (pending), or no connection_init in time (init_timeout)"
    );
    for reason in ["pending", "init_timeout"] {
        counter!("journeygraph_ws_refused_total", "reason" => reason).absolute(0);
    }
    describe_counter!(
        "journeygraph_signals_raised_total",
        "Friction signals raised, at ingest or by the sweep"
    );
    for origin in ["INGEST", "SWEEP"] {
        counter!("journeygraph_signals_raised_total", "origin" => origin).absolute(0);
    }
    describe_counter!(
        "journeygraph_webhook_attempts_total",
        "Webhook delivery attempts, delivered or failed"
    );
    for outcome in ["delivered", "failed"] {
        counter!("journeygraph_webhook_attempts_total", "outcome" => outcome).absolute(0);
    }
    describe_counter!("journeygraph_sweeps_total", "Sweeps this server ran");
    counter!("journeygraph_sweeps_total").absolute(0);
    describe_gauge!(
        "journeygraph_sweep_leader",
        "1 while this server holds the sweep's lock, else 0"
    );
    gauge!("journeygraph_sweep_leader").set(0.0);
    describe_gauge!(
        "journeygraph_build_info",
        "Always 1, labelled with the version of the running binary"
    );
    gauge!("journeygraph_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    process().describe();
    process().collect();
}

/// Brings the process figures up to date; before each scrape.
pub fn collect_process() {
    process().collect();
}
