//! Inputs of the ingest mutations (also the NDJSON import format: the same
//! camelCase fields) and the report they answer with.

use super::enums::{DealOutcome, Department, FeedbackMetric, FeedbackSubject, TicketPriority};
use crate::error::AppError;
use crate::service::ingest::records::*;
use crate::service::ingest::{IngestReport, Outcome};
use crate::time::to_millis;
use async_graphql::{Enum, ID, InputObject, Json, SimpleObject};
use chrono::{DateTime, Utc};
use serde::Deserialize;

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

fn millis(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(to_millis)
}

/// How a record names its customer: by the sending system's id; the email
/// links identities of one person across systems.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRefInput {
    /// System that knows the customer by `externalId` (e.g. `crm`).
    pub source: String,
    /// The customer's id in that system.
    pub external_id: String,
    /// Email: links this identity to an existing customer with the same email (case-insensitive).
    pub email: Option<String>,
    /// Name to show.
    pub display_name: Option<String>,
    /// Segment (e.g. SMB, ENTERPRISE).
    pub segment: Option<String>,
    /// Plan.
    pub plan: Option<String>,
    /// Annual value in the organization's currency (`viewer.currency`), 0 to 1,000,000,000,000.
    pub annual_value: Option<f64>,
}

impl From<CustomerRefInput> for CustomerRef {
    fn from(c: CustomerRefInput) -> Self {
        CustomerRef {
            source: c.source,
            external_id: c.external_id,
            email: c.email,
            display_name: c.display_name,
            segment: c.segment,
            plan: c.plan,
            annual_value_cents: c.annual_value.map(cents),
        }
    }
}

/// A Sales deal.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DealInput {
    /// Sending system (e.g. `crm`).
    pub source: String,
    /// The deal's id there.
    pub external_id: String,
    /// Whose deal.
    pub customer: CustomerRefInput,
    /// Account owner.
    pub owner: String,
    /// Pipeline stage.
    pub stage: String,
    /// Amount in the organization's currency (`viewer.currency`), 0 to 1,000,000,000,000.
    pub amount: f64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// When it closed (required for WON and LOST).
    pub closed_at: Option<DateTime<Utc>>,
    /// Outcome now.
    pub outcome: DealOutcome,
}

impl From<DealInput> for DealRecord {
    fn from(d: DealInput) -> Self {
        DealRecord {
            source: d.source,
            external_id: d.external_id,
            customer: d.customer.into(),
            owner: d.owner,
            stage: d.stage,
            amount_cents: cents(d.amount),
            opened_at: to_millis(d.opened_at),
            closed_at: millis(d.closed_at),
            outcome: d.outcome.into(),
        }
    }
}

/// One onboarding step definition.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingStepInput {
    /// Stable key, referenced by progress records.
    pub key: String,
    /// Name to show.
    pub name: String,
    /// Order (1 = first; the highest is the last step).
    pub position: i32,
    /// Days the step is expected to take.
    pub expected_days: i32,
}

impl From<OnboardingStepInput> for StepDefinition {
    fn from(s: OnboardingStepInput) -> Self {
        StepDefinition {
            key: s.key,
            name: s.name,
            position: s.position,
            expected_days: s.expected_days,
        }
    }
}

/// A customer's progress through one onboarding step.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingProgressInput {
    /// Sending system.
    pub source: String,
    /// The progress record's id there.
    pub external_id: String,
    /// Whose progress.
    pub customer: CustomerRefInput,
    /// Key of a defined step.
    pub step_key: String,
    /// When the customer started the step.
    pub started_at: DateTime<Utc>,
    /// When they completed it.
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<OnboardingProgressInput> for ProgressRecord {
    fn from(p: OnboardingProgressInput) -> Self {
        ProgressRecord {
            source: p.source,
            external_id: p.external_id,
            customer: p.customer.into(),
            step_key: p.step_key,
            started_at: to_millis(p.started_at),
            completed_at: millis(p.completed_at),
        }
    }
}

/// One delivery of a campaign (the campaign is created on first sight).
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CampaignDeliveryInput {
    /// Sending system.
    pub source: String,
    /// The delivery's id there.
    pub external_id: String,
    /// Recipient.
    pub customer: CustomerRefInput,
    /// The campaign's id in the same system.
    pub campaign_external_id: String,
    /// Campaign name.
    pub campaign_name: String,
    /// Campaign channel (email, in_app ...).
    pub campaign_channel: String,
    /// When it was delivered.
    pub delivered_at: DateTime<Utc>,
    /// When it was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// When it was clicked.
    pub clicked_at: Option<DateTime<Utc>>,
}

impl From<CampaignDeliveryInput> for DeliveryRecord {
    fn from(d: CampaignDeliveryInput) -> Self {
        DeliveryRecord {
            source: d.source,
            external_id: d.external_id,
            customer: d.customer.into(),
            campaign_external_id: d.campaign_external_id,
            campaign_name: d.campaign_name,
            campaign_channel: d.campaign_channel,
            delivered_at: to_millis(d.delivered_at),
            opened_at: millis(d.opened_at),
            clicked_at: millis(d.clicked_at),
        }
    }
}

/// A support ticket.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TicketInput {
    /// Sending system (e.g. `helpdesk`).
    pub source: String,
    /// The ticket's id there.
    pub external_id: String,
    /// Who opened it.
    pub customer: CustomerRefInput,
    /// Contact-reason code.
    pub reason: String,
    /// Channel (email, chat, phone ...).
    pub channel: String,
    /// Priority.
    pub priority: TicketPriority,
    /// Team handling it.
    pub team: String,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// First response.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Resolution.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Times reopened.
    #[graphql(default)]
    #[serde(default)]
    pub reopened_count: i32,
}

impl From<TicketInput> for TicketRecord {
    fn from(t: TicketInput) -> Self {
        TicketRecord {
            source: t.source,
            external_id: t.external_id,
            customer: t.customer.into(),
            reason: t.reason,
            channel: t.channel,
            priority: t.priority.into(),
            team: t.team,
            opened_at: to_millis(t.opened_at),
            first_response_at: millis(t.first_response_at),
            resolved_at: millis(t.resolved_at),
            reopened_count: t.reopened_count,
        }
    }
}

/// What a feedback response is about: a ticket, deal or campaign by its key
/// (`source`, `externalId`), an onboarding step by `stepKey`, or nothing.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackAboutInput {
    /// Kind of subject.
    pub kind: FeedbackSubject,
    /// Source of the ticket, deal or campaign.
    pub source: Option<String>,
    /// Its id there.
    pub external_id: Option<String>,
    /// Key of the onboarding step.
    pub step_key: Option<String>,
}

/// A survey response.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackInput {
    /// Sending system (e.g. `surveys`).
    pub source: String,
    /// The response's id there.
    pub external_id: String,
    /// Who answered.
    pub customer: CustomerRefInput,
    /// CSAT (1-5), NPS (0-10) or CES (1-7).
    pub metric: FeedbackMetric,
    /// Score on the metric's scale.
    pub score: i32,
    /// Free-text comment.
    pub comment: Option<String>,
    /// When it was given.
    pub occurred_at: DateTime<Utc>,
    /// What it is about (nothing when absent).
    pub about: Option<FeedbackAboutInput>,
}

impl FeedbackInput {
    /// The record; BAD_USER_INPUT when `about` lacks what its kind needs.
    pub fn into_record(self, path: &str) -> Result<FeedbackRecord, AppError> {
        let about = match self.about {
            None => FeedbackAbout::Nothing,
            Some(a) => {
                let missing = |field: &str| {
                    AppError::bad_input(
                        format!("{path}.about.{field}"),
                        "is required for this kind",
                    )
                };
                let key = |a: FeedbackAboutInput| -> Result<(String, String), AppError> {
                    Ok((
                        a.source.ok_or_else(|| missing("source"))?,
                        a.external_id.ok_or_else(|| missing("externalId"))?,
                    ))
                };
                match a.kind {
                    FeedbackSubject::Ticket => {
                        let (source, external_id) = key(a)?;
                        FeedbackAbout::Ticket {
                            source,
                            external_id,
                        }
                    }
                    FeedbackSubject::Deal => {
                        let (source, external_id) = key(a)?;
                        FeedbackAbout::Deal {
                            source,
                            external_id,
                        }
                    }
                    FeedbackSubject::Campaign => {
                        let (source, external_id) = key(a)?;
                        FeedbackAbout::Campaign {
                            source,
                            external_id,
                        }
                    }
                    FeedbackSubject::OnboardingStep => FeedbackAbout::OnboardingStep {
                        key: a.step_key.ok_or_else(|| missing("stepKey"))?,
                    },
                    FeedbackSubject::None => FeedbackAbout::Nothing,
                }
            }
        };
        Ok(FeedbackRecord {
            source: self.source,
            external_id: self.external_id,
            customer: self.customer.into(),
            metric: self.metric.into(),
            score: self.score,
            comment: self.comment,
            occurred_at: to_millis(self.occurred_at),
            about,
        })
    }
}

/// Any other event: a login, a doc view, a call.
#[derive(InputObject, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TouchpointInput {
    /// Sending system.
    pub source: String,
    /// The event's id there.
    pub external_id: String,
    /// Whose event.
    pub customer: CustomerRefInput,
    /// Department it belongs to.
    pub department: Department,
    /// What happened (e.g. `login`).
    pub kind: String,
    /// Channel.
    pub channel: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// A JSON object of at most 32 KB.
    pub attributes: Option<Json<serde_json::Value>>,
}

impl From<TouchpointInput> for TouchpointRecord {
    fn from(t: TouchpointInput) -> Self {
        TouchpointRecord {
            source: t.source,
            external_id: t.external_id,
            customer: t.customer.into(),
            department: t.department.into(),
            kind: t.kind,
            channel: t.channel,
            occurred_at: to_millis(t.occurred_at),
            attributes: t.attributes.map(|Json(v)| v.to_string()),
        }
    }
}

/// What happened to one record.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// New.
    Created,
    /// Known, with new fields (mutable records only).
    Updated,
    /// Known, same content: nothing written.
    Unchanged,
}

/// One record's line of the report.
#[derive(SimpleObject)]
pub struct IngestItem {
    /// The record's externalId.
    pub external_id: String,
    /// The stored record's number among its kind: what a signal's
    /// `trigger` names (`ticket:<id>`). Not a global id: a record is read
    /// through its customer's journey.
    pub id: ID,
    /// What happened.
    pub outcome: IngestOutcome,
}

/// The answer of every ingest mutation. A batch means what sending its
/// records one by one, in order, would mean: a key sent twice in one batch
/// is one row, counted `created` once and then `updated` or `unchanged`.
#[derive(SimpleObject)]
#[graphql(name = "IngestReport")]
pub struct IngestReportOutput {
    /// Records created: rows that did not exist before this batch.
    pub created: u64,
    /// Records whose stored row this batch changed (a deal, ticket or
    /// progress sent with new fields, or a later, different copy in the
    /// batch).
    pub updated: u64,
    /// Records already stored as sent (before this batch, or by an earlier
    /// copy in it).
    pub unchanged: u64,
    /// Per record written, in input order.
    pub items: Vec<IngestItem>,
    /// Input indexes of the records left out because they name a person
    /// erased from the organization (only when its `suppressedRecords`
    /// setting is DROP; with REFUSE the batch fails with SUPPRESSED).
    pub suppressed: Vec<u64>,
}

impl From<IngestReport> for IngestReportOutput {
    fn from(r: IngestReport) -> Self {
        IngestReportOutput {
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            items: r
                .items
                .into_iter()
                .map(|i| IngestItem {
                    external_id: i.external_id,
                    id: ID(i.id.to_string()),
                    outcome: match i.outcome {
                        Outcome::Created => IngestOutcome::Created,
                        Outcome::Updated => IngestOutcome::Updated,
                        Outcome::Unchanged => IngestOutcome::Unchanged,
                    },
                })
                .collect(),
            suppressed: r.suppressed.into_iter().map(|i| i as u64).collect(),
        }
    }
}
