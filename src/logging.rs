//! Log setup: text or JSON lines on a writer (stderr in production). Every
//! event inside a request carries that request's span, so its
//! `request_id` (the `x-request-id` header) is on every line the request
//! causes; each finished request also logs one access line at INFO.

use crate::config::LogFormat;
use opentelemetry_sdk::trace::SdkTracer;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The default filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

/// Installs the global subscriber writing `format` lines to `writer`;
/// text lines are coloured only when `colour` (a terminal reads them).
/// With `tracer`, spans are exported too (`--otlp-endpoint`).
pub fn init<W>(format: LogFormat, writer: W, colour: bool, tracer: Option<SdkTracer>)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(colour);
    let lines = match format {
        LogFormat::Json => lines.json().with_current_span(true).boxed(),
        LogFormat::Text => lines.boxed(),
    };
    let traces = tracer.map(|tracer| tracing_opentelemetry::layer().with_tracer(tracer));
    tracing_subscriber::registry()
        .with(filter)
        .with(lines)
        .with(traces)
        .init();
}
