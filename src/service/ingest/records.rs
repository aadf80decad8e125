//! The records partner systems send, as the ingest service takes them
//! (already parsed; the GraphQL and NDJSON layers map onto these).

use crate::domain::{DealOutcome, Department, FeedbackMetric, TicketPriority};

/// How a record names its customer.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerRef {
    pub source: String,
    pub external_id: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub segment: Option<String>,
    pub plan: Option<String>,
    pub annual_value_cents: Option<i64>,
}

/// Sales: a deal.
#[derive(Clone, Debug)]
pub struct DealRecord {
    pub source: String,
    pub external_id: String,
    pub customer: CustomerRef,
    pub owner: String,
    pub stage: String,
    pub amount_cents: i64,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub outcome: DealOutcome,
}

/// Onboarding: one step definition of `defineOnboardingSteps`.
#[derive(Clone, Debug)]
pub struct StepDefinition {
    pub key: String,
    pub name: String,
    pub position: i32,
    pub expected_days: i32,
}

/// Onboarding: a customer's progress through the step `step_key`.
#[derive(Clone, Debug)]
pub struct ProgressRecord {
    pub source: String,
    pub external_id: String,
    pub customer: CustomerRef,
    pub step_key: String,
    pub started_at: i64,
    pub completed_at: Option<i64>,
}

/// Marketing: one delivery of a campaign (created on first sight).
#[derive(Clone, Debug)]
pub struct DeliveryRecord {
    pub source: String,
    pub external_id: String,
    pub customer: CustomerRef,
    pub campaign_external_id: String,
    pub campaign_name: String,
    pub campaign_channel: String,
    pub delivered_at: i64,
    pub opened_at: Option<i64>,
    pub clicked_at: Option<i64>,
}

/// Support: a ticket.
#[derive(Clone, Debug)]
pub struct TicketRecord {
    pub source: String,
    pub external_id: String,
    pub customer: CustomerRef,
    pub reason: String,
    pub channel: String,
    pub priority: TicketPriority,
    pub team: String,
    pub opened_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub reopened_count: i32,
}

/// What a feedback response is about, by the key of that record (same org).
#[derive(Clone, Debug, PartialEq)]
pub enum FeedbackAbout {
    Ticket { source: String, external_id: String },
    OnboardingStep { key: String },
    Campaign { source: String, external_id: String },
    Deal { source: String, external_id: String },
    Nothing,
}

/// A survey response.
#[derive(Clone, Debug)]
pub struct FeedbackRecord {
    pub source: String,
    pub external_id: String,
    pub customer: CustomerRef,
    pub metric: FeedbackMetric,
    pub score: i32,
    pub comment: Option<String>,
    pub occurred_at: i64,
    pub about: FeedbackAbout,
}

/// Any other event (doc view, login, success call ...).
#[derive(Clone, Debug)]
pub struct TouchpointRecord {
    pub source: String,
    pub external_id: String,
    pub customer: CustomerRef,
    pub department: Department,
    pub kind: String,
    pub channel: Option<String>,
    pub occurred_at: i64,
    /// JSON object text.
    pub attributes: Option<String>,
}
