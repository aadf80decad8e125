//! Webhook signatures: `Journeygraph-Signature: t=<unix seconds>,v1=<hex>`
//! where the hex is HMAC-SHA256 of `"<t>.<body>"` under the webhook's
//! secret. Each attempt is signed afresh with its own timestamp, so a
//! receiver can refuse old timestamps (replays) without refusing retries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "journeygraph-signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(digest))
}

/// Whether `header` is a valid signature of `body` under `secret`, made at
/// most `tolerance_secs` from `now` (unix seconds). Constant-time compare.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signature = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    if (now - timestamp).abs() > tolerance_secs {
        return false;
    }
    mac(secret, timestamp, body)
        .verify_slice(&signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let header = sign("whsec_k", 1_700_000_000, b"{\"a\":1}");
        assert!(verify("whsec_k", &header, b"{\"a\":1}", 1_700_000_010, 300));
        assert!(!verify(
            "whsec_other",
            &header,
            b"{\"a\":1}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            "whsec_k",
            &header,
            b"{\"a\":2}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            "whsec_k",
            &header,
            b"{\"a\":1}",
            1_700_001_000,
            300
        ));
        assert!(!verify("whsec_k", "t=1,v1=zz", b"", 1, 300));
    }
}
