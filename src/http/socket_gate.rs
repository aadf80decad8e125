//! What the server reads of each socket message before async-graphql
//! does: its type and id, to count the subscriptions a socket runs. A
//! `subscribe` (legacy: `start`) over the cap is answered with an error for
//! its id and never reaches the schema; a subscription stops counting when
//! the client completes it (`complete`, legacy `stop`) or the server ends
//! it (`complete` or `error` for its id).

use async_graphql::http::WebSocketProtocols;
use serde::Deserialize;
use std::collections::HashSet;

/// The part of a message the gate reads (the payload is skipped).
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// What to do with a client's message.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Pass it to the schema.
    Pass,
    /// Answer it with this error message instead.
    Refuse(String),
}

pub struct Gate {
    protocol: WebSocketProtocols,
    running: HashSet<String>,
    max: usize,
}

impl Gate {
    pub fn new(protocol: WebSocketProtocols, max: usize) -> Gate {
        Gate {
            protocol,
            running: HashSet::new(),
            max,
        }
    }

    /// Reads a client's message. One that does not parse passes: the
    /// protocol handler answers it (and closes the socket).
    pub fn inbound(&mut self, message: &[u8]) -> Verdict {
        let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_slice(message) else {
            return Verdict::Pass;
        };
        match kind.as_str() {
            "subscribe" | "start" => {
                if !self.running.contains(&id) && self.running.len() >= self.max {
                    return Verdict::Refuse(self.refusal(&id));
                }
                self.running.insert(id);
            }
            "complete" | "stop" => {
                self.running.remove(&id);
            }
            _ => {}
        }
        Verdict::Pass
    }

    /// Reads the server's message: a subscription that completed or
    /// failed stops counting.
    pub fn outbound(&mut self, message: &str) {
        // Results ("next", "data") are most messages: skip their parse.
        if !(message.contains("\"complete\"") || message.contains("\"error\"")) {
            return;
        }
        if let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_str(message)
            && (kind == "complete" || kind == "error")
        {
            self.running.remove(&id);
        }
    }

    /// Subscriptions counted now.
    #[cfg(test)]
    fn running(&self) -> usize {
        self.running.len()
    }

    /// The error message for a refused `subscribe` of `id`, in the shape
    /// of the socket's protocol.
    fn refusal(&self, id: &str) -> String {
        let message = format!(
            "this socket already runs {} subscriptions, the limit; complete one first",
            self.max
        );
        let error = serde_json::json!({
            "message": message,
            "extensions": {"code": "BAD_USER_INPUT", "limit": "subscriptionsPerSocket"},
        });
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => serde_json::json!([error]),
            _ => error,
        };
        serde_json::json!({"type": "error", "id": id, "payload": payload}).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_subscriptions_until_they_end() {
        let mut gate = Gate::new(WebSocketProtocols::GraphQLWS, 2);
        let sub = |id: &str| format!(r#"{{"type":"subscribe","id":"{id}","payload":{{}}}}"#);
        assert_eq!(gate.inbound(sub("1").as_bytes()), Verdict::Pass);
        assert_eq!(gate.inbound(sub("2").as_bytes()), Verdict::Pass);
        let Verdict::Refuse(error) = gate.inbound(sub("3").as_bytes()) else {
            panic!("a third is refused");
        };
        let error: serde_json::Value = serde_json::from_str(&error).expect("json");
        assert_eq!(error["id"], "3");
        assert_eq!(
            error["payload"][0]["extensions"]["limit"],
            "subscriptionsPerSocket"
        );
        assert_eq!(gate.inbound(sub("2").as_bytes()), Verdict::Pass, "same id");
        gate.inbound(br#"{"type":"complete","id":"1"}"#);
        assert_eq!(gate.running(), 1);
        gate.outbound(r#"{"type":"error","id":"2","payload":[]}"#);
        assert_eq!(gate.running(), 0);
        gate.outbound(r#"{"type":"next","id":"x","payload":{"data":{"a":"complete"}}}"#);
        assert_eq!(gate.inbound(b"not json"), Verdict::Pass);
    }
}
