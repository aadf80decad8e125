//! The journey timeline: the `JourneyEvent` interface and its typed
//! implementations, one per typed record, plus plain `Touchpoint`.

use super::connection::{PageInfo, encode_cursor};
use super::enums::{
    DealOutcome, Department, FeedbackMetric, FeedbackSubject, TicketPriority, stored,
};
use crate::global_id::Kind;
use crate::graphql::ready::{ReadyFields, ReadyList, object_of, value_of};
use crate::graphql::types::connection::global;
use crate::service::journey::JourneyItem;
use crate::service::page::Page;
use crate::service::records::{
    CampaignFacts, DealFacts, DeliveryFacts, FeedbackFacts, OutreachFacts, ProgressFacts,
    StepFacts, TicketFacts, TypedRecord,
};
use crate::time::from_millis;
use async_graphql::context::Context;
use async_graphql::{ID, Interface, Json, Object, Result, ServerResult, SimpleObject, Value};
use chrono::{DateTime, Utc};
use entity::touchpoint;
use std::sync::Arc;

/// Cursor kind of journey pages.
pub const JOURNEY_CURSOR: &str = "j";

/// Defines an event type: the common timeline fields every `JourneyEvent`
/// has, then the fields of its typed record. Each field is written once,
/// with its GraphQL name: the derived `#[Object]` (schema, registry, and
/// any resolution outside journey pages) and the ready resolver
/// ([`ReadyFields`], used on journey pages) both come from it.
///
/// A field reads `"name" => async fn method(&self) -> (Type) { body }`.
/// The type is in parentheses so that it reaches `#[Object]` as the tokens
/// written: a `$t:ty` fragment would hide `Result<..>` from it, and it would
/// wrap the `Result` in another. `#[Object]` gives each method a `ctx`
/// argument and a `Result` output, which is how the ready resolver calls it.
macro_rules! journey_event {
    ($(#[$doc:meta])* $name:ident { $($record:ident : $ty:ty),* } {
        $($(#[$field_doc:meta])* $field_name:literal => async fn $field:ident(&$self:ident) -> ($($field_ty:tt)+) { $($body:tt)* })*
    }) => {
        $(#[$doc])*
        pub struct $name {
            pub row: Arc<touchpoint::Model>,
            $(pub $record: $ty,)*
        }

        journey_event!(@fields $name {
            /// Id of the timeline row.
            "id" => async fn id(&self) -> (ID) { global(Kind::JourneyEvent, self.row.id) }
            /// When it happened (RFC 3339, UTC).
            "occurredAt" => async fn occurred_at(&self) -> (DateTime<Utc>) { from_millis(self.row.occurred_at) }
            /// Department the event belongs to.
            "department" => async fn department(&self) -> (Result<Department>) {
                Ok(stored::<crate::domain::Department>(&self.row.department)?.into())
            }
            /// What happened, e.g. `ticket_opened`, `login`.
            "kind" => async fn kind(&self) -> (&str) { &self.row.kind }
            /// Channel (email, chat, phone ...), when known.
            "channel" => async fn channel(&self) -> (Option<&str>) { self.row.channel.as_deref() }
            /// System that sent it (`journeygraph` for lifecycle events derived from typed records).
            "source" => async fn source(&self) -> (&str) { &self.row.source }
            /// Its key in that system.
            "externalId" => async fn external_id(&self) -> (&str) { &self.row.external_id }
            /// Free-form attributes sent with a generic touchpoint.
            "attributes" => async fn attributes(&self) -> (Option<Json<serde_json::Value>>) {
                self.row.attributes.as_deref().and_then(|a| serde_json::from_str(a).ok()).map(Json)
            }
            $($(#[$field_doc])* $field_name => async fn $field(&$self) -> ($($field_ty)+) { $($body)* })*
        });
    };
    (@fields $name:ident {
        $($(#[$field_doc:meta])* $field_name:literal => async fn $field:ident(&$self:ident) -> ($($field_ty:tt)+) { $($body:tt)* })*
    }) => {
        #[Object]
        impl $name {
            $($(#[$field_doc])* #[graphql(name = $field_name)] async fn $field(&$self) -> $($field_ty)+ { $($body)* })*
        }

        impl ReadyFields for $name {
            fn field(&self, ctx: &Context<'_>) -> Option<ServerResult<Value>> {
                Some(match ctx.item.node.name.node.as_str() {
                    $($field_name => value_of(ctx, self.$field(ctx)),)*
                    _ => return None,
                })
            }
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
        "dealExternalId" => async fn deal_external_id(&self) -> (&str) { &self.deal.external_id }
        /// Account owner.
        "owner" => async fn owner(&self) -> (&str) { &self.deal.owner }
        /// Pipeline stage.
        "stage" => async fn stage(&self) -> (&str) { &self.deal.stage }
        /// Deal amount in the organization's currency (`viewer.currency`).
        "amount" => async fn amount(&self) -> (f64) { money(self.deal.amount_cents) }
        /// Outcome now.
        "outcome" => async fn outcome(&self) -> (Result<DealOutcome>) { Ok(stored::<crate::domain::DealOutcome>(&self.deal.outcome)?.into()) }
        /// When the deal opened.
        "openedAt" => async fn opened_at(&self) -> (DateTime<Utc>) { from_millis(self.deal.opened_at) }
        /// When it closed, won or lost.
        "closedAt" => async fn closed_at(&self) -> (Option<DateTime<Utc>>) { at(self.deal.closed_at) }
    }
);

journey_event!(
    /// An Onboarding event (step started, completed) with its step.
    OnboardingEvent { progress: Arc<ProgressFacts>, step: Arc<StepFacts> } {
        /// Step key.
        "stepKey" => async fn step_key(&self) -> (&str) { &self.step.key }
        /// Step name.
        "stepName" => async fn step_name(&self) -> (&str) { &self.step.name }
        /// Position of the step in the onboarding (1 = first).
        "stepPosition" => async fn step_position(&self) -> (i32) { self.step.position }
        /// Days the step is expected to take.
        "expectedDays" => async fn expected_days(&self) -> (i32) { self.step.expected_days }
        /// When the customer started the step.
        "startedAt" => async fn started_at(&self) -> (DateTime<Utc>) { from_millis(self.progress.started_at) }
        /// When the customer completed it.
        "completedAt" => async fn completed_at(&self) -> (Option<DateTime<Utc>>) { at(self.progress.completed_at) }
    }
);

journey_event!(
    /// A Marketing event (delivered, opened, clicked) with its campaign.
    CampaignEvent { delivery: Arc<DeliveryFacts>, campaign: Arc<CampaignFacts> } {
        /// Campaign key in the marketing tool.
        "campaignExternalId" => async fn campaign_external_id(&self) -> (&str) { &self.campaign.external_id }
        /// Campaign name.
        "campaignName" => async fn campaign_name(&self) -> (&str) { &self.campaign.name }
        /// Campaign channel.
        "campaignChannel" => async fn campaign_channel(&self) -> (&str) { &self.campaign.channel }
        /// When the delivery reached the customer.
        "deliveredAt" => async fn delivered_at(&self) -> (DateTime<Utc>) { from_millis(self.delivery.delivered_at) }
        /// When it was opened.
        "openedAt" => async fn opened_at(&self) -> (Option<DateTime<Utc>>) { at(self.delivery.opened_at) }
        /// When it was clicked.
        "clickedAt" => async fn clicked_at(&self) -> (Option<DateTime<Utc>>) { at(self.delivery.clicked_at) }
    }
);

journey_event!(
    /// A Support event (ticket opened, first response, resolved) with its ticket.
    SupportEvent { ticket: Arc<TicketFacts> } {
        /// Ticket key in the helpdesk.
        "ticketExternalId" => async fn ticket_external_id(&self) -> (&str) { &self.ticket.external_id }
        /// Contact-reason code.
        "reason" => async fn reason(&self) -> (&str) { &self.ticket.reason }
        /// Priority.
        "priority" => async fn priority(&self) -> (Result<TicketPriority>) { Ok(stored::<crate::domain::TicketPriority>(&self.ticket.priority)?.into()) }
        /// Team handling it.
        "team" => async fn team(&self) -> (&str) { &self.ticket.team }
        /// When the ticket opened.
        "openedAt" => async fn opened_at(&self) -> (DateTime<Utc>) { from_millis(self.ticket.opened_at) }
        /// First response by the team.
        "firstResponseAt" => async fn first_response_at(&self) -> (Option<DateTime<Utc>>) { at(self.ticket.first_response_at) }
        /// Resolution.
        "resolvedAt" => async fn resolved_at(&self) -> (Option<DateTime<Utc>>) { at(self.ticket.resolved_at) }
        /// How often it was reopened.
        "reopenedCount" => async fn reopened_count(&self) -> (i32) { self.ticket.reopened_count }
    }
);

journey_event!(
    /// A survey response.
    FeedbackEvent { feedback: Arc<FeedbackFacts> } {
        /// CSAT, NPS or CES.
        "metric" => async fn metric(&self) -> (Result<FeedbackMetric>) { Ok(stored::<crate::domain::FeedbackMetric>(&self.feedback.metric)?.into()) }
        /// Score on the metric's scale.
        "score" => async fn score(&self) -> (i32) { self.feedback.score }
        /// Free-text comment.
        "comment" => async fn comment(&self) -> (Option<&str>) { self.feedback.comment.as_deref() }
        /// What the response is about.
        "about" => async fn about(&self) -> (Result<FeedbackSubject>) { Ok(stored::<crate::domain::FeedbackSubject>(&self.feedback.subject_kind)?.into()) }
    }
);

journey_event!(
    /// A proactive outreach step by Success.
    OutreachEvent { task: Arc<OutreachFacts> } {
        /// Friction kind that triggered the outreach.
        "frictionKind" => async fn friction_kind(&self) -> (&str) { &self.task.friction_kind }
        /// Task status now.
        "status" => async fn status(&self) -> (&str) { &self.task.status }
        /// Who owns the task.
        "owner" => async fn owner(&self) -> (Option<&str>) { self.task.owner.as_deref() }
        /// Note left by the owner.
        "note" => async fn note(&self) -> (Option<&str>) { self.task.note.as_deref() }
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

impl ReadyFields for JourneyEvent {
    fn field(&self, ctx: &Context<'_>) -> Option<ServerResult<Value>> {
        match self {
            JourneyEvent::DealEvent(event) => event.field(ctx),
            JourneyEvent::OnboardingEvent(event) => event.field(ctx),
            JourneyEvent::CampaignEvent(event) => event.field(ctx),
            JourneyEvent::SupportEvent(event) => event.field(ctx),
            JourneyEvent::FeedbackEvent(event) => event.field(ctx),
            JourneyEvent::OutreachEvent(event) => event.field(ctx),
            JourneyEvent::Touchpoint(event) => event.field(ctx),
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

impl ReadyFields for JourneyEdge {
    fn field(&self, ctx: &Context<'_>) -> Option<ServerResult<Value>> {
        Some(match ctx.item.node.name.node.as_str() {
            "cursor" => Ok(Value::String(self.cursor.clone())),
            "node" => object_of(ctx, &self.node),
            _ => return None,
        })
    }
}

/// A page of a customer's journey, newest first.
#[derive(SimpleObject)]
pub struct JourneyConnection {
    /// The events of this page.
    pub edges: ReadyList<JourneyEdge>,
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
        let page_info = PageInfo::of(page, edges.iter().map(|e| &e.cursor));
        JourneyConnection {
            edges: ReadyList(edges),
            page_info,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The ready resolver against async-graphql's own, on the same events.
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Schema};

    fn row(id: i64, department: &str, kind: &str) -> Arc<touchpoint::Model> {
        Arc::new(touchpoint::Model {
            id,
            org_id: 1,
            customer_id: 7,
            department: department.into(),
            kind: kind.into(),
            channel: (id % 2 == 0).then(|| "email".into()),
            occurred_at: 1_790_000_000_000 + id * 60_000,
            source: "crm".into(),
            external_id: format!("x-{id}"),
            attributes: (id == 7).then(|| r#"{"plan":"pro","seats":12}"#.into()),
            record_kind: None,
            record_id: None,
        })
    }

    /// One event of each kind, then one whose department no longer parses
    /// and a deal whose outcome does not.
    fn edges() -> Vec<JourneyEdge> {
        let at = 1_790_000_000_000;
        let events = vec![
            JourneyEvent::DealEvent(DealEvent {
                row: row(1, "SALES", "deal_won"),
                deal: Arc::new(DealFacts {
                    external_id: "D-1".into(),
                    owner: "ana".into(),
                    stage: "closed".into(),
                    amount_cents: 123_450,
                    opened_at: at - 86_400_000,
                    closed_at: Some(at),
                    outcome: "WON".into(),
                }),
            }),
            JourneyEvent::OnboardingEvent(OnboardingEvent {
                row: row(2, "ONBOARDING", "step_completed"),
                progress: Arc::new(ProgressFacts {
                    started_at: at,
                    completed_at: None,
                }),
                step: Arc::new(StepFacts {
                    key: "sso".into(),
                    name: "Single sign-on".into(),
                    position: 3,
                    expected_days: 5,
                }),
            }),
            JourneyEvent::CampaignEvent(CampaignEvent {
                row: row(3, "MARKETING", "clicked"),
                delivery: Arc::new(DeliveryFacts {
                    delivered_at: at,
                    opened_at: Some(at + 1_000),
                    clicked_at: None,
                }),
                campaign: Arc::new(CampaignFacts {
                    external_id: "C-9".into(),
                    name: "Spring".into(),
                    channel: "email".into(),
                }),
            }),
            JourneyEvent::SupportEvent(SupportEvent {
                row: row(4, "SUPPORT", "ticket_opened"),
                ticket: Arc::new(TicketFacts {
                    external_id: "T-4".into(),
                    reason: "billing".into(),
                    priority: "HIGH".into(),
                    team: "tier1".into(),
                    opened_at: at,
                    first_response_at: Some(at + 60_000),
                    resolved_at: None,
                    reopened_count: 2,
                }),
            }),
            JourneyEvent::FeedbackEvent(FeedbackEvent {
                row: row(5, "SUCCESS", "survey"),
                feedback: Arc::new(FeedbackFacts {
                    metric: "NPS".into(),
                    score: 9,
                    comment: None,
                    subject_kind: "TICKET".into(),
                }),
            }),
            JourneyEvent::OutreachEvent(OutreachEvent {
                row: row(6, "SUCCESS", "outreach_done"),
                task: Arc::new(OutreachFacts {
                    friction_kind: "REPEAT_CONTACT".into(),
                    status: "DONE".into(),
                    owner: Some("lee".into()),
                    note: None,
                }),
            }),
            JourneyEvent::Touchpoint(Touchpoint {
                row: row(7, "PRODUCT", "login"),
            }),
            JourneyEvent::Touchpoint(Touchpoint {
                row: row(8, "NOT_A_DEPARTMENT", "login"),
            }),
            JourneyEvent::DealEvent(DealEvent {
                row: row(9, "SALES", "deal_lost"),
                deal: Arc::new(DealFacts {
                    external_id: "D-9".into(),
                    owner: "ana".into(),
                    stage: "closed".into(),
                    amount_cents: 0,
                    opened_at: at,
                    closed_at: None,
                    outcome: "MAYBE".into(),
                }),
            }),
        ];
        events
            .into_iter()
            .enumerate()
            .map(|(i, node)| JourneyEdge {
                cursor: format!("c{i}"),
                node,
            })
            .collect()
    }

    struct Both;

    #[Object]
    impl Both {
        async fn derived(&self) -> Vec<JourneyEdge> {
            edges()
        }
        async fn ready(&self) -> ReadyList<JourneyEdge> {
            ReadyList(edges())
        }
    }

    const QUERY: &str = r#"query($on: Boolean!) {
      derived { ...Edge }
      ready { ...Edge }
    }
    fragment Edge on JourneyEdge {
      __typename cursor
      node { __typename id at: occurredAt department kind channel source externalId attributes
        ... on JourneyEvent { id kind }
        ... { source }
        ...Deal
        ... on SupportEvent { reason team priority openedAt firstResponseAt resolvedAt reopenedCount ticketExternalId }
        ... on CampaignEvent { campaignExternalId campaignName campaignChannel deliveredAt openedAt clickedAt }
        ... on OnboardingEvent { stepKey stepName stepPosition expectedDays startedAt completedAt }
        ... on FeedbackEvent { metric score comment about t: __typename }
        ... on OutreachEvent { frictionKind status taskOwner: owner note }
        ... on DealEvent @include(if: $on) { included: stage }
        skipped: kind @skip(if: $on)
      }
      node { id extra: externalId }
      again: cursor
    }
    fragment Deal on DealEvent { dealExternalId dealOwner: owner stage amount outcome openedAt closedAt }"#;

    #[tokio::test]
    async fn ready_events_answer_as_async_graphql_does() {
        let schema = Schema::new(Both, EmptyMutation, EmptySubscription);
        let request = async_graphql::Request::new(QUERY).variables(
            async_graphql::Variables::from_json(serde_json::json!({"on": true})),
        );
        let response = schema.execute(request).await;
        // Compared as text from async-graphql's own value, so the order of
        // the fields counts too.
        let Value::Object(roots) = &response.data else {
            panic!("no data: {:?}", response.errors)
        };
        let text = |root: &str| serde_json::to_string(&roots[root]).expect("text");
        assert_eq!(text("ready"), text("derived"));
        let ready = text("ready");
        let first_event = &ready[ready.find(r#""node":"#).expect("node")..];
        assert!(
            first_event.starts_with(
                r#""node":{"__typename":"DealEvent","id":"Sm91cm5leUV2ZW50OjE","at":"2026-09-21T14:14:20+00:00","department":"SALES","kind":"deal_won","channel":null,"source":"crm","externalId":"x-1","attributes":null,"dealExternalId":"D-1","dealOwner":"ana","stage":"closed","amount":1234.5,"outcome":"WON","#
            ),
            "{first_event}"
        );

        let data = response.data.clone().into_json().expect("json");
        let deal = &data["ready"][0];
        assert_eq!(deal["__typename"], "JourneyEdge");
        assert_eq!(deal["again"], "c0");
        assert_eq!(deal["node"]["included"], "closed");
        assert_eq!(deal["node"]["extra"], "x-1");
        assert!(deal["node"].get("skipped").is_none());
        assert_eq!(
            data["ready"][2]["node"]["clickedAt"],
            serde_json::Value::Null
        );
        assert_eq!(data["ready"][3]["node"]["priority"], "HIGH");
        assert_eq!(data["ready"][4]["node"]["t"], "FeedbackEvent");
        assert_eq!(data["ready"][4]["node"]["about"], "TICKET");
        assert_eq!(data["ready"][5]["node"]["taskOwner"], "lee");
        assert_eq!(data["ready"][6]["node"]["attributes"]["seats"], 12);

        // The bad department and outcome: reported on each side, at the
        // same place, and left out of their events. async-graphql's
        // interface resolver gives the errors of the interface's own fields
        // (`department`) no path; the ready one gives every error its path.
        assert!(data["ready"][7]["node"].get("department").is_none());
        assert_eq!(data["ready"][7]["node"]["kind"], "login");
        assert!(data["ready"][8]["node"].get("outcome").is_none());
        let mut errors: Vec<(String, String, String)> = response
            .errors
            .iter()
            .map(|e| {
                let path = serde_json::to_string(&e.path).expect("path");
                (path, format!("{:?}", e.locations), e.message.clone())
            })
            .collect();
        errors.sort();
        let paths: Vec<&str> = errors.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                r#"["derived",8,"node","outcome"]"#,
                r#"["ready",7,"node","department"]"#,
                r#"["ready",8,"node","outcome"]"#,
                "[]",
            ]
        );
        assert_eq!(errors[3].1, errors[1].1, "department, same location");
        assert_eq!(errors[0].1, errors[2].1, "outcome, same location");
        assert!(errors.iter().all(|e| e.2 == errors[0].2));
    }
}
