//! Global ids (the GraphQL Global Object Identification convention): every
//! `ID` the API hands out names its type and its row, `Customer:42`, in
//! base64url without padding, so `node(id:)` can find any object from its id
//! alone and an id of one type is refused where another is expected. Clients
//! treat ids as opaque; webhook payloads carry the same ids.

use crate::error::AppError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The types whose ids the API hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Customer,
    Insight,
    OutreachTask,
    FrictionAlert,
    Webhook,
    WebhookDelivery,
    ApiToken,
    JourneyEvent,
    MergeAudit,
    AuditEvent,
    Suppression,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::Customer,
        Kind::Insight,
        Kind::OutreachTask,
        Kind::FrictionAlert,
        Kind::Webhook,
        Kind::WebhookDelivery,
        Kind::ApiToken,
        Kind::JourneyEvent,
        Kind::MergeAudit,
        Kind::AuditEvent,
        Kind::Suppression,
    ];

    /// The GraphQL type name, which is also the id's prefix.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Customer => "Customer",
            Kind::Insight => "Insight",
            Kind::OutreachTask => "OutreachTask",
            Kind::FrictionAlert => "FrictionAlert",
            Kind::Webhook => "Webhook",
            Kind::WebhookDelivery => "WebhookDelivery",
            Kind::ApiToken => "ApiToken",
            Kind::JourneyEvent => "JourneyEvent",
            Kind::MergeAudit => "MergeAudit",
            Kind::AuditEvent => "AuditEvent",
            Kind::Suppression => "Suppression",
        }
    }
}

/// The longest id text decoded (the longest name, a colon and an i64, in base64).
const MAX_ENCODED: usize = 48;

/// The global id of row `id` of `kind`.
pub fn encode(kind: Kind, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name()))
}

/// The type and row a global id names; `None` for anything else (including
/// a bare row number or an id of a type we do not have).
pub fn decode(text: &str) -> Option<(Kind, i64)> {
    if text.len() > MAX_ENCODED {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (name, digits) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    let row: i64 = digits.parse().ok()?;
    // One spelling per id: `+7` or `007` would name the same row.
    (row.to_string() == digits).then_some((kind, row))
}

/// The row of a `kind` id given as `argument`; BAD_USER_INPUT naming the
/// argument for a malformed id or an id of another type.
pub fn expect(argument: &str, kind: Kind, text: &str) -> Result<i64, AppError> {
    match decode(text) {
        Some((found, row)) if found == kind => Ok(row),
        Some((found, _)) => Err(AppError::bad_input(
            argument,
            format!(
                "expected an id of {}, got an id of {}",
                kind.name(),
                found.name()
            ),
        )),
        None => Err(AppError::bad_input(
            argument,
            format!("not a {} id", kind.name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_name_their_type() {
        for kind in Kind::ALL {
            for row in [0, 1, 42, i64::MAX, -3] {
                assert_eq!(decode(&encode(kind, row)), Some((kind, row)));
            }
        }
        assert_eq!(encode(Kind::Customer, 42), "Q3VzdG9tZXI6NDI");
        assert_eq!(
            expect("id", Kind::Customer, "Q3VzdG9tZXI6NDI").ok(),
            Some(42)
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let encoded = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for text in [
            "42".to_owned(),
            String::new(),
            encoded("Customer:"),
            encoded("Customer:+42"), // another spelling of 42
            encoded("Customer:042"),
            encoded("Planet:1"),
            encoded("Customer:1:2"),
            "Q".repeat(1_000),
        ] {
            assert_eq!(decode(&text), None, "{text}");
        }
        let other = encode(Kind::Insight, 42);
        let refused = expect("input.customerId", Kind::Customer, &other).expect_err("refused");
        assert_eq!(
            refused.to_string(),
            AppError::bad_input(
                "input.customerId",
                "expected an id of Customer, got an id of Insight"
            )
            .to_string()
        );
    }
}
