//! Outreach tasks, the queue and its effect.

use super::connection::{Connection, Edge, encode_cursor};
use super::customer::Customer;
use super::enums::FrictionKind;
use super::signal::{FrictionSignal, load_customer};
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::service::outreach::{self, QueueEntry, Status};
use crate::time::from_millis;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::outreach_task;

/// Cursor kinds of outreach pages.
pub const TASK_CURSOR: &str = "o";
pub const QUEUE_CURSOR: &str = "q";

/// Where an outreach task stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "outreach::Status")]
pub enum OutreachStatus {
    /// Created, nobody reached the customer yet.
    Open,
    /// Someone reached the customer.
    Contacted,
    /// Done: the friction is gone.
    Resolved,
    /// Closed without (further) action.
    Dismissed,
}

/// A proactive contact with a customer.
pub struct OutreachTask(pub outreach_task::Model);

#[Object]
impl OutreachTask {
    /// Id.
    pub async fn id(&self) -> ID {
        global(Kind::OutreachTask, self.0.id)
    }
    /// The customer to reach.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        load_customer(ctx, self.0.customer_id).await
    }
    /// The friction that prompted it.
    async fn friction_kind(&self) -> Option<FrictionKind> {
        self.0
            .friction_kind
            .parse::<crate::domain::FrictionKind>()
            .ok()
            .map(Into::into)
    }
    /// The friction subject, if given.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Where it stands.
    async fn status(&self) -> Option<OutreachStatus> {
        [
            Status::Open,
            Status::Contacted,
            Status::Resolved,
            Status::Dismissed,
        ]
        .into_iter()
        .find(|s| s.as_str() == self.0.status)
        .map(Into::into)
    }
    /// Who owns it.
    async fn owner(&self) -> Option<&str> {
        self.0.owner.as_deref()
    }
    /// Free-text note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Who created it (`user:<sub>` or `token:<id>`).
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created: the flag time of `outreachEffectiveness`.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.created_at)
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        from_millis(self.0.updated_at)
    }
    /// When it became CONTACTED.
    async fn contacted_at(&self) -> Option<DateTime<Utc>> {
        self.0.contacted_at.map(from_millis)
    }
    /// When it became RESOLVED or DISMISSED.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at.map(from_millis)
    }
}

/// A page of tasks, newest first.
pub fn task_connection(
    page: crate::service::page::Page<outreach_task::Model>,
) -> Connection<Edge<OutreachTask>> {
    Connection::from_page(page, |t| encode_cursor(TASK_CURSOR, &[t.id]), OutreachTask)
}

/// A customer to reach out to, and why.
#[derive(SimpleObject)]
pub struct OutreachQueueEntry {
    /// The customer.
    pub customer: Customer,
    /// Sum of the severities of its distinct active friction kinds.
    pub severity: i64,
    /// severity x annual value, in the organization's currency (`viewer.currency`): the queue's order.
    pub priority: f64,
    /// The signals without an unfinished task, oldest first per kind.
    pub reasons: Vec<FrictionSignal>,
}

/// A page of the queue, highest priority first.
pub fn queue_connection(
    page: crate::service::page::Page<QueueEntry>,
) -> Connection<Edge<OutreachQueueEntry>> {
    Connection::from_page(
        page,
        |e| encode_cursor(QUEUE_CURSOR, &[e.priority_cents, e.customer.id]),
        |e| OutreachQueueEntry {
            customer: Customer::in_list(e.customer),
            severity: e.severity,
            priority: e.priority_cents as f64 / 100.0,
            reasons: e.signals.into_iter().map(Into::into).collect(),
        },
    )
}

/// Whether reaching out prevented contacts.
#[derive(SimpleObject)]
pub struct OutreachEffectiveness {
    /// Customers whose first outreach task was created in the window and whose 14 days are decided.
    pub flagged_customers: i64,
    /// Of those, customers whose task reached CONTACTED.
    pub contacted_customers: i64,
    /// Contacted customers who still opened a ticket within 14 days of the flag.
    pub contacted_with_ticket: i64,
    /// Flagged customers never contacted.
    pub not_contacted_customers: i64,
    /// Not-contacted customers who opened a ticket within 14 days of the flag.
    pub not_contacted_with_ticket: i64,
    /// contactedWithTicket / contactedCustomers, a fraction (0-1).
    pub contacted_ticket_rate: Option<f64>,
    /// notContactedWithTicket / notContactedCustomers, a fraction (0-1).
    pub not_contacted_ticket_rate: Option<f64>,
    /// 1 - contactedTicketRate / notContactedTicketRate, a fraction (at most 1, negative when contacted customers opened more tickets; null when the not-contacted rate is null or 0).
    pub prevented_contact_rate: Option<f64>,
}

impl From<outreach::Effectiveness> for OutreachEffectiveness {
    fn from(e: outreach::Effectiveness) -> Self {
        OutreachEffectiveness {
            flagged_customers: e.flagged,
            contacted_customers: e.contacted,
            contacted_with_ticket: e.contacted_with_ticket,
            not_contacted_customers: e.not_contacted,
            not_contacted_with_ticket: e.not_contacted_with_ticket,
            contacted_ticket_rate: e.contacted_ticket_rate,
            not_contacted_ticket_rate: e.not_contacted_ticket_rate,
            prevented_contact_rate: e.prevented_contact_rate,
        }
    }
}
