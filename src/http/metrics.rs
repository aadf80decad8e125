//! `/metrics` in the Prometheus text format:
//! - `journeygraph_requests_total{operation, code}`: GraphQL operations by
//!   name and outcome (the first error's code, or `OK`);
//! - `journeygraph_request_duration_seconds{operation}`: their latency;
//! - `journeygraph_ingest_records_total{type, outcome}`: committed records;
//! - `journeygraph_rate_limited_total`: requests refused by the rate limit;
//! - `journeygraph_db_pool_connections{state}`: open and idle connections;
//! - the rest, with each one's help text, in [`super::metric_catalog`],
//!   and the process's own (`process_resident_memory_bytes`,
//!   `process_cpu_seconds_total`, `process_open_fds`, ...).
//!
//! Operation names come from clients, so only the first
//! `MAX_OPERATION_NAMES` distinct well-formed names get their own label;
//! the rest count as `other`, and unnamed operations as `anonymous`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Distinct operation names kept as labels.
pub const MAX_OPERATION_NAMES: usize = 200;

/// Latency buckets, seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// The process-wide recorder (installed at the first call); None when
/// another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("journeygraph_request_duration_seconds".into()),
                    BUCKETS,
                )
                .and_then(|builder| builder.install_recorder())
                .inspect(|_| super::metric_catalog::register())
                .map_err(|e| tracing::warn!(error = %e, "no metrics recorder"))
                .ok()
        })
        .as_ref()
}

/// The label for a client-chosen operation name.
pub fn operation_label(name: Option<&str>) -> String {
    let Some(name) = name else {
        return "anonymous".into();
    };
    let well_formed = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return "other".into();
    }
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let Ok(mut names) = names.lock() else {
        return "other".into();
    };
    if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
        names.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".into()
    }
}

/// The name of the first operation of a document (`query Name {...}`),
/// when the request does not say which one it runs.
pub fn document_operation_name(query: &str) -> Option<&str> {
    let rest = query.trim_start();
    let rest = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|keyword| rest.strip_prefix(keyword))?;
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Records one finished operation.
pub fn record_operation(operation: String, code: &'static str, seconds: f64) {
    metrics::counter!("journeygraph_requests_total", "operation" => operation.clone(), "code" => code)
        .increment(1);
    metrics::histogram!("journeygraph_request_duration_seconds", "operation" => operation)
        .record(seconds);
}

/// GET /metrics.
pub async fn render(db: &DatabaseConnection) -> String {
    let (size, idle) = pool_usage(db);
    metrics::gauge!("journeygraph_db_pool_connections", "state" => "open").set(size as f64);
    metrics::gauge!("journeygraph_db_pool_connections", "state" => "idle").set(idle as f64);
    super::metric_catalog::collect_process();
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

fn pool_usage(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}
