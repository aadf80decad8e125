//! A minimal GraphQL-over-WebSocket client for tests, speaking
//! `graphql-transport-ws` or the legacy `graphql-ws` protocol.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";

pub struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: &'static str,
}

/// How a `connection_init` ended.
#[derive(Debug, PartialEq)]
pub enum Init {
    Ack,
    /// The socket closed with this code.
    Closed(u16),
    /// Legacy protocol: a `connection_error`, then the close code.
    Error(String, Option<u16>),
}

impl Client {
    /// Opens `ws://.../graphql/ws` of the server at `base` (`http://...`).
    pub async fn connect(base: &str, protocol: &'static str) -> Client {
        let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            protocol.parse().expect("header value"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        Client { socket, protocol }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// Sends `bytes` as they are: a text frame when they are UTF-8, else binary.
    pub async fn send_bytes(&mut self, bytes: Vec<u8>) -> bool {
        let frame = match String::from_utf8(bytes) {
            Ok(text) => Message::Text(text.into()),
            Err(e) => Message::Binary(e.into_bytes().into()),
        };
        self.socket.send(frame).await.is_ok()
    }

    /// The next text message as JSON, or Err(close code) when the socket closes.
    pub async fn receive(&mut self, wait: Duration) -> Option<Result<Value, Option<u16>>> {
        loop {
            let message = match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return None,
                Ok(None) => return Some(Err(None)),
                Ok(Some(Err(_))) => return Some(Err(None)),
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).expect("json message");
                    if value["type"] == "ping" || value["type"] == "ka" {
                        continue;
                    }
                    return Some(Ok(value));
                }
                Message::Close(frame) => return Some(Err(frame.map(|f| u16::from(f.code)))),
                _ => continue,
            }
        }
    }

    /// Sends `connection_init` with `payload` and reports the answer.
    pub async fn init(&mut self, payload: Value) -> Init {
        self.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        match self.receive(Duration::from_secs(5)).await {
            Some(Ok(v)) if v["type"] == "connection_ack" => Init::Ack,
            Some(Ok(v)) if v["type"] == "connection_error" => {
                let code = match self.receive(Duration::from_secs(5)).await {
                    Some(Err(code)) => code,
                    _ => None,
                };
                Init::Error(
                    v["payload"]["message"].as_str().unwrap_or("").to_owned(),
                    code,
                )
            }
            Some(Err(code)) => Init::Closed(code.unwrap_or(0)),
            other => panic!("unexpected answer to connection_init: {other:?}"),
        }
    }

    /// Connects and authenticates with `Authorization: Bearer <token>`; panics unless acknowledged.
    pub async fn authenticated(base: &str, token: &str) -> Client {
        let mut client = Client::connect(base, TRANSPORT_WS).await;
        let init = client
            .init(json!({"Authorization": format!("Bearer {token}")}))
            .await;
        assert_eq!(init, Init::Ack);
        client
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str) {
        let kind = if self.protocol == LEGACY_WS {
            "start"
        } else {
            "subscribe"
        };
        self.send(json!({"type": kind, "id": id, "payload": {"query": query}}))
            .await;
    }

    /// The next result's `data` (panics on errors or a closed socket), or
    /// None when nothing arrives within `wait`.
    pub async fn next_data(&mut self, wait: Duration) -> Option<Value> {
        match self.receive(wait).await? {
            Ok(v) if v["type"] == "next" || v["type"] == "data" => {
                assert!(v["payload"]["errors"].is_null(), "{v}");
                Some(v["payload"]["data"].clone())
            }
            other => panic!("expected a result, got {other:?}"),
        }
    }

    /// The next message, whatever it is.
    pub async fn next_message(&mut self, wait: Duration) -> Option<Result<Value, Option<u16>>> {
        self.receive(wait).await
    }
}
