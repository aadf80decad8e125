//! The journey timeline: the `JourneyEvent` interface and its typed
//! implementations, one per typed record, plus plain `Touchpoint`.

use super::connection::{PageInfo, encode_cursor};
use super::enums::{
    DealOutcome, Department, FeedbackMetric, FeedbackSubject, TicketPriority, stored,
};
use crate::service::journey::JourneyItem;
use crate::service::page::Page;
use crate::service::records::{
    CampaignFacts, DealFacts, DeliveryFacts, FeedbackFacts, OutreachFacts, ProgressFacts,
    StepFacts, TicketFacts, TypedRecord,
};
use crate::time::from_millis;
use async_graphql::{ID, Interface, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::touchpoint;
use std::sync::Arc;

/// Cursor kind of journey pages.
pub const JOURNEY_CURSOR: &str = "j";

/// Defines an event type: the common timeline fields every `JourneyEvent`
/// has, then the fields of its typed record.
macro_rules! journey_event {
    ($(#[$doc:meta])* $name:ident { $($record:ident : $ty:ty),* } { $($fields:tt)* }) => {
        $(#[$doc])*
        pub struct $name {
            pub row: Arc<touchpoint::Model>,
            $(pub $record: $ty,)*
        }

        #[Object]
        impl $name {
            /// Id of the timeline row.
            async fn id(&self) -> ID { ID(self.row.id.to_string()) }
            /// When it happened (RFC 3339, UTC).
            async fn occurred_at(&self) -> DateTime<Utc> { from_millis(self.row.occurred_at) }
            /// Department the event belongs to.
            async fn department(&self) -> Result<Department> {
                Ok(stored::<crate::domain::Department>(&self.row.department)?.into())
            }
            /// What happened, e.g. `ticket_opened`, `login`.
            async fn kind(&self) -> &str { &self.row.kind }
            /// Channel (email, chat, phone ...), when known.
            async fn channel(&self) -> Option<&str> { self.row.channel.as_deref() }
            /// System that sent it (`journeygraph` for lifecycle events derived from typed records).
            async fn source(&self) -> &str { &self.row.source }
            /// Its key in that system.
            async fn external_id(&self) -> &str { &self.row.external_id }
            /// Free-form attributes sent with a generic touchpoint.
            async fn attributes(&self) -> Option<Json<serde_json::Value>> {
                self.row.attributes.as_deref().and_then(|a| serde_json::from_str(a).ok()).map(Json)
            }
            $($fields)*
        }
    };
}

fn at(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(from_millis)
}

fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

journey_event!(
    /// A Sales event (deal opened, won, lost) with its deal.
    DealEvent { deal: Arc<DealFacts> } {
        /// The deal's key in the CRM.
        async fn deal_external_id(&self) -> &str { &self.deal.external_id }
        /// Account owner.
        async fn owner(&self) -> &str { &self.deal.owner }
        /// Pipeline stage.
        async fn stage(&self) -> &str { &self.deal.stage }
        /// Deal amount in the org's currency.
        async fn amount(&self) -> f64 { money(self.deal.amount_cents) }
        /// Outcome now.
        async fn outcome(&self) -> Result<DealOutcome> { Ok(stored::<crate::domain::DealOutcome>(&self.deal.outcome)?.into()) }
        /// When the deal opened.
        async fn opened_at(&self) -> DateTime<Utc> { from_millis(self.deal.opened_at) }
        /// When it closed, won or lost.
        async fn closed_at(&self) -> Option<DateTime<Utc>> { at(self.deal.closed_at) }
    }
);

journey_event!(
    /// An Onboarding event (step started, completed) with its step.
    OnboardingEvent { progress: Arc<ProgressFacts>, step: Arc<StepFacts> } {
        /// Step key.
        async fn step_key(&self) -> &str { &self.step.key }
        /// Step name.
        async fn step_name(&self) -> &str { &self.step.name }
        /// Position of the step in the onboarding (1 = first).
        async fn step_position(&self) -> i32 { self.step.position }
        /// Days the step is expected to take.
        async fn expected_days(&self) -> i32 { self.step.expected_days }
        /// When the customer started the step.
        async fn started_at(&self) -> DateTime<Utc> { from_millis(self.progress.started_at) }
        /// When the customer completed it.
        async fn completed_at(&self) -> Option<DateTime<Utc>> { at(self.progress.completed_at) }
    }
);

journey_event!(
    /// A Marketing event (delivered, opened, clicked) with its campaign.
    CampaignEvent { delivery: Arc<DeliveryFacts>, campaign: Arc<CampaignFacts> } {
        /// Campaign key in the marketing tool.
        async fn campaign_external_id(&self) -> &str { &self.campaign.external_id }
        /// Campaign name.
        async fn campaign_name(&self) -> &str { &self.campaign.name }
        /// Campaign channel.
        async fn campaign_channel(&self) -> &str { &self.campaign.channel }
        /// When the delivery reached the customer.
        async fn delivered_at(&self) -> DateTime<Utc> { from_millis(self.delivery.delivered_at) }
        /// When it was opened.
        async fn opened_at(&self) -> Option<DateTime<Utc>> { at(self.delivery.opened_at) }
        /// When it was clicked.
        async fn clicked_at(&self) -> Option<DateTime<Utc>> { at(self.delivery.clicked_at) }
    }
);

journey_event!(
    /// A Support event (ticket opened, first response, resolved) with its ticket.
    SupportEvent { ticket: Arc<TicketFacts> } {
        /// Ticket key in the helpdesk.
        async fn ticket_external_id(&self) -> &str { &self.ticket.external_id }
        /// Contact-reason code.
        async fn reason(&self) -> &str { &self.ticket.reason }
        /// Priority.
        async fn priority(&self) -> Result<TicketPriority> { Ok(stored::<crate::domain::TicketPriority>(&self.ticket.priority)?.into()) }
        /// Team handling it.
        async fn team(&self) -> &str { &self.ticket.team }
        /// When the ticket opened.
        async fn opened_at(&self) -> DateTime<Utc> { from_millis(self.ticket.opened_at) }
        /// First response by the team.
        async fn first_response_at(&self) -> Option<DateTime<Utc>> { at(self.ticket.first_response_at) }
        /// Resolution.
        async fn resolved_at(&self) -> Option<DateTime<Utc>> { at(self.ticket.resolved_at) }
        /// How often it was reopened.
        async fn reopened_count(&self) -> i32 { self.ticket.reopened_count }
    }
);

journey_event!(
    /// A survey response.
    FeedbackEvent { feedback: Arc<FeedbackFacts> } {
        /// CSAT, NPS or CES.
        async fn metric(&self) -> Result<FeedbackMetric> { Ok(stored::<crate::domain::FeedbackMetric>(&self.feedback.metric)?.into()) }
        /// Score on the metric's scale.
        async fn score(&self) -> i32 { self.feedback.score }
        /// Free-text comment.
        async fn comment(&self) -> Option<&str> { self.feedback.comment.as_deref() }
        /// What the response is about.
        async fn about(&self) -> Result<FeedbackSubject> { Ok(stored::<crate::domain::FeedbackSubject>(&self.feedback.subject_kind)?.into()) }
    }
);

journey_event!(
    /// A proactive outreach step by Success.
    OutreachEvent { task: Arc<OutreachFacts> } {
        /// Friction kind that triggered the outreach.
        async fn friction_kind(&self) -> &str { &self.task.friction_kind }
        /// Task status now.
        async fn status(&self) -> &str { &self.task.status }
        /// Who owns the task.
        async fn owner(&self) -> Option<&str> { self.task.owner.as_deref() }
        /// Note left by the owner.
        async fn note(&self) -> Option<&str> { self.task.note.as_deref() }
    }
);

journey_event!(
    /// Any other event: a login, a doc view, a success call.
    Touchpoint {} {}
);

/// One event of a customer's journey, newest first.
// Several fields share a type, which clippy mistakes for repeated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Id of the timeline row."),
    field(
        name = "occurred_at",
        ty = "DateTime<Utc>",
        desc = "When it happened (RFC 3339, UTC)."
    ),
    field(
        name = "department",
        ty = "Department",
        desc = "Department the event belongs to."
    ),
    field(
        name = "kind",
        ty = "&str",
        desc = "What happened, e.g. `ticket_opened`, `login`."
    ),
    field(name = "channel", ty = "Option<&str>", desc = "Channel, when known."),
    field(name = "source", ty = "&str", desc = "System that sent it."),
    field(name = "external_id", ty = "&str", desc = "Its key in that system."),
    field(
        name = "attributes",
        ty = "Option<Json<serde_json::Value>>",
        desc = "Free-form attributes."
    )
)]
pub enum JourneyEvent {
    DealEvent(DealEvent),
    OnboardingEvent(OnboardingEvent),
    CampaignEvent(CampaignEvent),
    SupportEvent(SupportEvent),
    FeedbackEvent(FeedbackEvent),
    OutreachEvent(OutreachEvent),
    Touchpoint(Touchpoint),
}

impl From<&JourneyItem> for JourneyEvent {
    fn from(item: &JourneyItem) -> Self {
        let row = item.touchpoint.clone();
        match item.record.clone() {
            Some(TypedRecord::Deal(deal)) => JourneyEvent::DealEvent(DealEvent { row, deal }),
            Some(TypedRecord::Onboarding(progress, step)) => {
                JourneyEvent::OnboardingEvent(OnboardingEvent {
                    row,
                    progress,
                    step,
                })
            }
            Some(TypedRecord::Campaign(delivery, campaign)) => {
                JourneyEvent::CampaignEvent(CampaignEvent {
                    row,
                    delivery,
                    campaign,
                })
            }
            Some(TypedRecord::Ticket(ticket)) => {
                JourneyEvent::SupportEvent(SupportEvent { row, ticket })
            }
            Some(TypedRecord::Feedback(feedback)) => {
                JourneyEvent::FeedbackEvent(FeedbackEvent { row, feedback })
            }
            Some(TypedRecord::Outreach(task)) => {
                JourneyEvent::OutreachEvent(OutreachEvent { row, task })
            }
            None => JourneyEvent::Touchpoint(Touchpoint { row }),
        }
    }
}

/// An edge of the journey.
#[derive(SimpleObject)]
pub struct JourneyEdge {
    /// Opaque position, for `after`.
    pub cursor: String,
    /// The event.
    pub node: JourneyEvent,
}

/// A page of a customer's journey, newest first.
#[derive(SimpleObject)]
pub struct JourneyConnection {
    /// The events of this page.
    pub edges: Vec<JourneyEdge>,
    /// Whether more follow, and where to continue.
    pub page_info: PageInfo,
}

impl From<&Page<JourneyItem>> for JourneyConnection {
    fn from(page: &Page<JourneyItem>) -> Self {
        let edges: Vec<JourneyEdge> = page
            .items
            .iter()
            .map(|item| JourneyEdge {
                cursor: encode_cursor(
                    JOURNEY_CURSOR,
                    &[item.touchpoint.occurred_at, item.touchpoint.id],
                ),
                node: item.into(),
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        JourneyConnection {
            edges,
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor,
            },
        }
    }
}
