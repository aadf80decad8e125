//! The accept loop: hyper's HTTP/1 connection with our header bounds, in
//! place of `axum::serve`, which exposes neither.
//!
//! - Headers are read into a buffer of at most [`HEADER_BUFFER_BYTES`];
//!   [`super::header_limit`] refuses header sets over its own, smaller limit
//!   with the JSON error every refusal has. Only a header set too large for
//!   the buffer gets hyper's bare 431 (a response without a body).
//! - A client must finish its headers within `header_read_timeout`
//!   (`--header-read-timeout-ms`; slow headers otherwise hold a connection
//!   and its buffer forever).
//! - SIGINT/SIGTERM stop accepting and let open connections finish.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The most header bytes hyper buffers for one request (its default is
/// about 400 KiB). Larger than the header limit we answer, so that a
/// client over our limit gets a JSON error rather than an empty 431; the
/// buffer only grows as a client actually sends, like the request body.
pub const HEADER_BUFFER_BYTES: usize = 2 * 1024 * 1024;

/// Serves `router` on `listener` until `shutdown` completes, then waits for
/// the open connections to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_buf_size(HEADER_BUFFER_BYTES);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors (or a connection reset before
                    // accept): wait instead of spinning; open connections
                    // finishing will free descriptors.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = router
            .clone()
            .map_request(move |request: hyper::Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(address));
                request
            });
        let connection = builder.serve_connection_with_upgrades(
            TokioIo::new(stream),
            TowerToHyperService::new(service),
        );
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %address, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
