//! Traces: every request's span (and the spans inside it: services,
//! statements) exported over OTLP/HTTP when `--otlp-endpoint` is set, and a
//! caller's W3C `traceparent` continued, so a request shows up inside the
//! trace of the dashboard or partner system that sent it.

use async_trait::async_trait;
use bytes::Bytes;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TraceId, TracerProvider as _};
use opentelemetry_http::{HeaderExtractor, HttpClient, HttpError};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The OTLP traces path under a collector's base URL.
const TRACES_PATH: &str = "/v1/traces";

/// The exporter's provider and the tracer the log layer feeds; shut it down
/// before the runtime stops, so the last spans are sent.
pub struct Traces {
    pub provider: SdkTracerProvider,
    pub tracer: SdkTracer,
}

impl Traces {
    /// Spans batched and posted as OTLP protobuf to `endpoint` (a
    /// collector's base URL, `/v1/traces` appended unless given), named
    /// `service`. Posts run on `runtime`.
    pub fn export(
        endpoint: &str,
        service: &str,
        runtime: tokio::runtime::Handle,
    ) -> anyhow::Result<Traces> {
        let url = traces_url(endpoint)?;
        let client = ExportClient {
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()?,
            runtime,
        };
        let exporter = SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                Resource::builder()
                    .with_service_name(service.to_owned())
                    .build(),
            )
            .build();
        let tracer = provider.tracer("journeygraph");
        Ok(Traces { provider, tracer })
    }

    /// Sends what is batched and stops the exporter.
    pub fn shutdown(&self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("journeygraph: the last traces were not exported: {error}");
        }
    }
}

/// `endpoint` with the traces path.
fn traces_url(endpoint: &str) -> anyhow::Result<String> {
    let url = reqwest::Url::parse(endpoint)
        .map_err(|e| anyhow::anyhow!("--otlp-endpoint {endpoint}: {e}"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "--otlp-endpoint must be an http or https URL"
    );
    let base = endpoint.trim_end_matches('/');
    Ok(if base.ends_with(TRACES_PATH) {
        base.to_owned()
    } else {
        format!("{base}{TRACES_PATH}")
    })
}

/// The exporter's HTTP client: the service's own reqwest (rustls), its
/// posts spawned on the service's runtime, because the batch exporter runs
/// on a thread of its own, outside any runtime.
#[derive(Debug)]
struct ExportClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let mut answer = http::Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = response.bytes().await?;
            Ok::<_, HttpError>(answer.body(body)?)
        });
        sent.await?
    }
}

/// Makes `span` continue the trace the caller's `traceparent` names, if it
/// names one, and returns the trace id the request's lines carry: the
/// caller's, else the one the exporter gave the span (none without
/// `--otlp-endpoint`).
pub fn continue_trace(span: &tracing::Span, headers: &http::HeaderMap) -> Option<TraceId> {
    let caller = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    let remote = caller.span().span_context().clone();
    if remote.is_valid() {
        // Without an exporter there is no span to attach it to; the id is
        // still logged.
        let _ = span.set_parent(caller);
        return Some(remote.trace_id());
    }
    let own = span.context().span().span_context().clone();
    own.is_valid().then(|| own.trace_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_path_is_added_once() {
        for (given, url) in [
            ("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"),
            ("http://collector:4318/", "http://collector:4318/v1/traces"),
            (
                "https://otlp.example.com/v1/traces",
                "https://otlp.example.com/v1/traces",
            ),
        ] {
            assert_eq!(traces_url(given).ok().as_deref(), Some(url));
        }
        assert!(traces_url("collector:4318").is_err());
        assert!(traces_url("ftp://collector").is_err());
    }

    #[test]
    fn a_callers_trace_is_continued_and_anything_else_ignored() {
        let mut headers = http::HeaderMap::new();
        let span = tracing::info_span!("request");
        assert_eq!(continue_trace(&span, &headers), None);
        headers.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        );
        assert_eq!(
            continue_trace(&span, &headers)
                .map(|id| id.to_string())
                .as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        for broken in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "4bf92f3577b34da6a3ce929d0e0e4736",
        ] {
            headers.insert("traceparent", http::HeaderValue::from_static(broken));
            assert_eq!(continue_trace(&span, &headers), None, "{broken}");
        }
    }
}
