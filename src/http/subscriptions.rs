//! GET /graphql/ws: subscriptions over WebSocket, in both protocols
//! async-graphql speaks (`graphql-transport-ws`, and the legacy
//! `graphql-ws` of subscriptions-transport-ws).
//!
//! The credential comes in `connection_init`'s payload, as
//! `{"Authorization": "Bearer <jwt or jg_ token>"}` (also `authorization`,
//! `headers.Authorization`, or `{"token": "..."}`), and is checked exactly
//! like an HTTP request's. A refused one closes the socket: 4401 when the
//! credential is missing or invalid, 4403 when it is valid but may not
//! subscribe (on the legacy protocol a `connection_error` message comes
//! first). Subscribing before the handshake is 4401 too. An open socket's
//! credential is checked again every `ws_recheck` (default 60 s): once it
//! has expired or been revoked, the socket closes with 4401. A credential
//! holds at most `--max-sockets-per-principal` sockets; one more is closed
//! with 4429.
//!
//! Bounds for sockets that never authenticate and for what one socket may
//! ask: `connection_init` must arrive within `--ws-init-timeout-ms` (else
//! 4408); one client address holds at most
//! `--max-pending-sockets-per-address` sockets before they authenticate
//! (one more upgrade is HTTP 429); a socket runs at most
//! `--max-subscriptions-per-socket` subscriptions (one more is an `error`
//! for its id); a message is at most `--max-body-bytes`; and the socket
//! carries subscriptions only, each spending from the HTTP rate limit
//! (`graphql::socket_rules`). Each socket's buffers are a few KiB
//! (tungstenite's default read buffer is 128 KiB, allocated up front).

use super::AppState;
use super::socket_gate::{Gate, Verdict};
use super::socket_slots::{Slot, Slots};
use crate::auth;
use crate::error::AppError;
use crate::graphql::socket_rules::SocketRateLimit;
use async_graphql::Data;
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use axum::extract::ConnectInfo;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Close codes of graphql-transport-ws.
const UNAUTHORIZED: u16 = 4401;
const FORBIDDEN: u16 = 4403;
const TOO_MANY: u16 = 4429;
const INIT_TIMEOUT: u16 = 4408;
const INVALID_MESSAGE: u16 = 4400;
/// What async-graphql closes with for a message it cannot read.
const PROTOCOL_ERROR: u16 = 1002;
/// How long a closed socket waits for the client's close frame.
const CLOSING_HANDSHAKE: Duration = Duration::from_secs(2);

/// tungstenite's read buffer, allocated when a socket opens: most client
/// messages are a `subscribe` of a few hundred bytes.
const READ_BUFFER: usize = 4 << 10;
/// Messages queue for the client beyond this before writes wait.
const WRITE_BUFFER: usize = 4 << 10;
/// What a socket may queue for a client that does not read.
const MAX_WRITE_BUFFER: usize = 1 << 20;

/// The socket limits, shared by the server.
#[derive(Clone)]
pub struct SocketLimits {
    /// Open sockets per credential (`org:principal`).
    pub per_principal: Slots<String>,
    /// Sockets not yet authenticated per client address.
    pub pending_per_address: Slots<IpAddr>,
    pub init_timeout: Duration,
    pub max_subscriptions: usize,
    pub max_message_bytes: usize,
}

pub async fn ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = protocol(&headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws (or legacy graphql-ws) subprotocol",
        )
            .into_response();
    };
    let limits = &state.socket_limits;
    let Some(pending) = limits.pending_per_address.take(peer.ip()) else {
        metrics::counter!("journeygraph_ws_refused_total", "reason" => "pending").increment(1);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "5")],
            "too many sockets from this address are waiting to authenticate",
        )
            .into_response();
    };
    let max_message = limits.max_message_bytes;
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, protocol, socket, pending))
}

/// The first GraphQL subprotocol the client offers.
fn protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
}

/// The credential in a `connection_init` payload, as an Authorization value.
fn credential(payload: &serde_json::Value) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .or_else(|| payload.get("headers").and_then(|h| h.get("Authorization")))
        .or_else(|| payload.get("headers").and_then(|h| h.get("authorization")))
        .and_then(text)
        .or_else(|| {
            payload
                .get("token")
                .and_then(text)
                .map(|t| format!("Bearer {t}"))
        })
}

/// The viewer of `authorization`, if it may subscribe.
async fn check(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<crate::auth::Viewer, AppError> {
    let viewer = auth::authenticate(
        &state.db,
        &state.verifier,
        &state.organizations,
        authorization,
    )
    .await?;
    viewer.require_alerts()?;
    Ok(viewer)
}

/// A close frame; its reason cut to the 123 bytes a control frame can
/// carry (a longer one, such as a parse error quoting the client's text,
/// makes the client drop the connection without reading the code).
fn close_frame(code: u16, reason: &str) -> Message {
    const MAX_REASON_BYTES: usize = 123;
    let mut end = reason.len().min(MAX_REASON_BYTES);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason[..end].to_owned().into(),
    }))
}

/// Reads what the client still sends until its close frame answers ours
/// (RFC 6455 7.1.1), for at most [`CLOSING_HANDSHAKE`]. A socket dropped
/// with unread bytes is reset, and a reset can discard the close frame
/// before the client reads it.
async fn await_closing_handshake(
    mut stream: impl futures::Stream<Item = Result<Message, axum::Error>> + Unpin,
) {
    let drain = async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSING_HANDSHAKE, drain).await;
}

async fn serve(
    state: AppState,
    protocol: WebSocketProtocols,
    socket: axum::extract::ws::WebSocket,
    pending: Slot<IpAddr>,
) {
    let (mut sink, mut stream) = socket.split();
    let refusal: Arc<OnceLock<(u16, String)>> = Arc::default();
    let accepted: Arc<OnceLock<Option<String>>> = Arc::default();
    let slot: Arc<OnceLock<Slot<String>>> = Arc::default();
    // Given back once the socket has authenticated.
    let pending = Arc::new(Mutex::new(Some(pending)));
    let init = {
        let refusal = refusal.clone();
        let accepted = accepted.clone();
        let slot = slot.clone();
        let pending = pending.clone();
        let state = state.clone();
        move |payload: serde_json::Value| async move {
            let authorization = credential(&payload);
            let checked = check(&state, authorization.as_deref()).await;
            match checked {
                Ok(viewer) => {
                    let key = format!("{}:{}", viewer.org_id, viewer.principal_name());
                    let Some(taken) = state.socket_limits.per_principal.take(key) else {
                        let message = "too many open subscription sockets for this credential";
                        let _ = refusal.set((TOO_MANY, message.to_owned()));
                        return Err(async_graphql::Error::new(message));
                    };
                    let _ = slot.set(taken);
                    let _ = accepted.set(authorization);
                    pending.lock().unwrap_or_else(|e| e.into_inner()).take();
                    let mut data = Data::default();
                    data.insert(viewer);
                    data.insert(state.db.clone());
                    data.insert(state.alerts.clone());
                    if let Some(limit) = &state.rate_limit {
                        data.insert(SocketRateLimit(limit.clone()));
                    }
                    Ok(data)
                }
                Err(err) => {
                    let code = match err {
                        AppError::Forbidden(_) => FORBIDDEN,
                        _ => UNAUTHORIZED,
                    };
                    let message = err.to_string();
                    let _ = refusal.set((code, message.clone()));
                    Err(async_graphql::Error::new(message))
                }
            }
        }
    };
    // What the gate passes goes on to the protocol handler.
    let (to_schema, from_client) = mpsc::unbounded_channel::<Vec<u8>>();
    let output = WebSocket::new(
        state.socket_schema.clone(),
        tokio_stream::wrappers::UnboundedReceiverStream::new(from_client),
        protocol,
    )
    .on_connection_init(init);
    futures::pin_mut!(output);
    let mut gate = Gate::new(protocol, state.socket_limits.max_subscriptions);
    let init_deadline = tokio::time::sleep(state.socket_limits.init_timeout);
    futures::pin_mut!(init_deadline);
    metrics::gauge!("journeygraph_ws_connections").increment(1.0);
    let mut closed = false;
    let mut recheck = tokio::time::interval(state.ws_recheck);
    recheck.tick().await;
    loop {
        let message = tokio::select! {
            incoming = stream.next() => {
                let bytes = match incoming {
                    Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    // Closed by the client, or broken.
                    _ => break,
                };
                match gate.inbound(&bytes) {
                    Verdict::Pass => {
                        let _ = to_schema.send(bytes);
                        continue;
                    }
                    Verdict::Refuse(error) => Some(WsMessage::Text(error)),
                }
            }
            message = output.next() => message,
            () = &mut init_deadline, if accepted.get().is_none() && refusal.get().is_none() => {
                metrics::counter!("journeygraph_ws_refused_total", "reason" => "init_timeout").increment(1);
                let reason = "Connection initialisation timeout".to_owned();
                let _ = refusal.set((INIT_TIMEOUT, reason.clone()));
                Some(WsMessage::Close(INIT_TIMEOUT, reason))
            }
            _ = recheck.tick() => {
                let Some(authorization) = accepted.get() else { continue };
                match check(&state, authorization.as_deref()).await {
                    Ok(_) => continue,
                    Err(AppError::Unauthenticated(reason)) => {
                        let _ = refusal.set((UNAUTHORIZED, reason));
                        Some(WsMessage::Close(UNAUTHORIZED, String::new()))
                    }
                    // The database is down: keep the socket, check next time.
                    Err(_) => continue,
                }
            }
        };
        let Some(message) = message else { break };
        let frame = match message {
            WsMessage::Text(text) => {
                gate.outbound(&text);
                Message::Text(text.into())
            }
            WsMessage::Close(code, reason) => {
                closed = true;
                let (code, reason) = match refusal.get() {
                    Some(refused) => refused.clone(),
                    // Subscribe before connection_ack (graphql-transport-ws: 4401).
                    None if code == 1011 => (UNAUTHORIZED, "Unauthorized".to_owned()),
                    // A message that is not one of the protocol's.
                    None if code == PROTOCOL_ERROR && protocol == WebSocketProtocols::GraphQLWS => {
                        (INVALID_MESSAGE, reason)
                    }
                    None => (code, reason),
                };
                close_frame(code, &reason)
            }
        };
        if sink.send(frame).await.is_err() || closed {
            break;
        }
    }
    // The legacy protocol ends the stream after `connection_error`.
    if let (false, Some((code, reason))) = (closed, refusal.get()) {
        closed = sink.send(close_frame(*code, reason)).await.is_ok();
    }
    if closed {
        // What the client could do with its slot is over.
        pending.lock().unwrap_or_else(|e| e.into_inner()).take();
        await_closing_handshake(stream).await;
    }
    metrics::gauge!("journeygraph_ws_connections").decrement(1.0);
}
