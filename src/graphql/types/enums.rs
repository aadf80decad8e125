//! GraphQL mirrors of the domain enumerations.

use crate::domain;
use async_graphql::Enum;

/// The department a touchpoint belongs to.
#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "domain::Department")]
pub enum Department {
    /// Deals and account owners.
    Sales,
    /// Onboarding steps after the sale.
    Onboarding,
    /// Campaign deliveries.
    Marketing,
    /// Support tickets.
    Support,
    /// Customer success: outreach, calls, general feedback.
    Success,
    /// Product usage: logins, doc views.
    Product,
}

/// The role of a person.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::Role")]
pub enum Role {
    /// Manages the organization: tokens, definitions.
    Admin,
    /// Sees every analytic.
    Leader,
    /// Frontline: journeys, the outreach queue, insights.
    Agent,
}

/// Outcome of a deal.
#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "domain::DealOutcome")]
pub enum DealOutcome {
    /// Still in the pipeline.
    Open,
    /// Closed won.
    Won,
    /// Closed lost.
    Lost,
}

/// Priority of a support ticket (drives its SLA target).
#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "domain::TicketPriority")]
pub enum TicketPriority {
    /// SLA 168 h.
    Low,
    /// SLA 72 h.
    Normal,
    /// SLA 24 h.
    High,
    /// SLA 4 h.
    Urgent,
}

/// Survey metric.
#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "domain::FeedbackMetric")]
pub enum FeedbackMetric {
    /// Customer satisfaction, 1-5.
    Csat,
    /// Net promoter score, 0-10.
    Nps,
    /// Customer effort score, 1-7 (7 = very easy).
    Ces,
}

/// What a feedback response is about.
#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "domain::FeedbackSubject")]
pub enum FeedbackSubject {
    /// A support ticket.
    Ticket,
    /// An onboarding step.
    OnboardingStep,
    /// A campaign.
    Campaign,
    /// A deal.
    Deal,
    /// Nothing in particular.
    None,
}

/// Parses a stored enum value for output; a corrupt value is an internal error.
pub fn stored<T: std::str::FromStr<Err = domain::UnknownValue>>(
    text: &str,
) -> async_graphql::Result<T> {
    text.parse::<T>()
        .map_err(|err| crate::error::AppError::Internal(err.into()))
        .map_err(|err| async_graphql::ErrorExtensions::extend(&err))
}

/// What a partner API token may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "domain::Scope")]
pub enum Scope {
    /// `ingest:write`: send records (for the token's departments).
    IngestWrite,
    /// `journeys:read`: read customers and their journeys.
    JourneysRead,
    /// `analytics:read`: aggregates only, never names, emails or examples.
    AnalyticsRead,
    /// `outreach:write`: update outreach tasks.
    OutreachWrite,
    /// `customers:erase`: erase a customer (`eraseCustomer`), for a
    /// privacy system that carries out deletion requests. Given only
    /// explicitly: no other scope implies it.
    CustomersErase,
}

/// Kinds of friction between or within departments (defined in docs/analytics.md).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::FrictionKind")]
pub enum FrictionKind {
    /// Won deals waiting for a first onboarding touch (SALES -> ONBOARDING).
    HandoffDelay,
    /// Onboarding steps not completed in their expected time.
    OnboardingStall,
    /// Campaign deliveries followed by a ticket (MARKETING -> SUPPORT).
    CampaignTriggeredContact,
    /// Tickets opened while an onboarding step is in progress.
    OnboardingTriggeredContact,
    /// Tickets after a won deal (SALES -> SUPPORT).
    PostSaleContact,
    /// Tickets following a same-reason ticket (SUPPORT).
    RepeatContact,
    /// Tickets not resolved within their SLA target (SUPPORT).
    SlowResolution,
    /// Low CSAT, NPS or CES responses.
    LowSatisfaction,
    /// Live customers with no touch for 30 days (SUCCESS).
    GoingDark,
    /// Tickets repeating a reason on another channel (SUPPORT).
    ChannelSwitch,
}

/// What ingest does with a record that names a person erased from the
/// organization.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::SuppressedRecords")]
pub enum SuppressedRecords {
    /// The batch fails with SUPPRESSED, naming each such record's path;
    /// nothing of it is written. The default.
    Refuse,
    /// Such records are left out, their input indexes listed in the
    /// report's `suppressed`; the rest is written.
    Drop,
}

/// The administrative acts the audit trail records.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::AuditAction")]
pub enum AuditAction {
    /// `createApiToken` (and `token create`, and the demo's token).
    ApiTokenCreated,
    /// `revokeApiToken`.
    ApiTokenRevoked,
    /// `createWebhook`.
    WebhookCreated,
    /// `deleteWebhook`.
    WebhookDeleted,
    /// `mergeCustomers` (and `customers dedupe`).
    CustomersMerged,
    /// `eraseCustomer` (and `customers erase`).
    CustomerErased,
    /// `liftSuppression`.
    SuppressionLifted,
    /// `updateOrganizationSettings`.
    OrganizationSettingsChanged,
}
