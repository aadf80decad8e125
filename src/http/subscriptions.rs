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

use super::AppState;
use crate::auth;
use crate::error::AppError;
use async_graphql::Data;
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

/// Close codes of graphql-transport-ws.
const UNAUTHORIZED: u16 = 4401;
const FORBIDDEN: u16 = 4403;
const TOO_MANY: u16 = 4429;

/// Open sockets per credential (`org:principal`), shared by the server.
#[derive(Clone)]
pub struct SocketCount {
    open: Arc<Mutex<HashMap<String, usize>>>,
    max: usize,
}

impl SocketCount {
    pub fn new(max: usize) -> SocketCount {
        SocketCount {
            open: Arc::default(),
            max,
        }
    }

    /// A slot for one more socket of `key`, or None at the limit.
    fn take(&self, key: String) -> Option<SocketSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key.clone()).or_default();
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(SocketSlot {
            count: self.clone(),
            key,
        })
    }
}

/// One open socket; its count goes down when the socket ends.
struct SocketSlot {
    count: SocketCount,
    key: String,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.count.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

pub async fn ws(
    State(state): State<AppState>,
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
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, protocol, socket))
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

async fn serve(
    state: AppState,
    protocol: WebSocketProtocols,
    socket: axum::extract::ws::WebSocket,
) {
    let (mut sink, stream) = socket.split();
    let refusal: Arc<OnceLock<(u16, String)>> = Arc::default();
    let accepted: Arc<OnceLock<Option<String>>> = Arc::default();
    let slot: Arc<OnceLock<SocketSlot>> = Arc::default();
    let init = {
        let refusal = refusal.clone();
        let accepted = accepted.clone();
        let slot = slot.clone();
        let state = state.clone();
        move |payload: serde_json::Value| async move {
            let authorization = credential(&payload);
            let checked = check(&state, authorization.as_deref()).await;
            match checked {
                Ok(viewer) => {
                    let key = format!("{}:{}", viewer.org_id, viewer.principal_name());
                    let Some(taken) = state.sockets.take(key) else {
                        let message = "too many open subscription sockets for this credential";
                        let _ = refusal.set((TOO_MANY, message.to_owned()));
                        return Err(async_graphql::Error::new(message));
                    };
                    let _ = slot.set(taken);
                    let _ = accepted.set(authorization);
                    let mut data = Data::default();
                    data.insert(viewer);
                    data.insert(state.db.clone());
                    data.insert(state.alerts.clone());
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
    let input = stream
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let output =
        WebSocket::new(state.socket_schema.clone(), input, protocol).on_connection_init(init);
    futures::pin_mut!(output);
    metrics::gauge!("journeygraph_ws_connections").increment(1.0);
    let mut closed = false;
    let mut recheck = tokio::time::interval(state.ws_recheck);
    recheck.tick().await;
    loop {
        let message = tokio::select! {
            message = output.next() => message,
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
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => {
                closed = true;
                let (code, reason) = match refusal.get() {
                    Some(refused) => refused.clone(),
                    // Subscribe before connection_ack (graphql-transport-ws: 4401).
                    None if code == 1011 => (UNAUTHORIZED, "Unauthorized".to_owned()),
                    None => (code, reason),
                };
                Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))
            }
        };
        if sink.send(frame).await.is_err() || closed {
            break;
        }
    }
    // The legacy protocol ends the stream after `connection_error`.
    if let (false, Some((code, reason))) = (closed, refusal.get()) {
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: *code,
                reason: reason.clone().into(),
            })))
            .await;
    }
    metrics::gauge!("journeygraph_ws_connections").decrement(1.0);
}
