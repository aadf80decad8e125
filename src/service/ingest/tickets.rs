//! Support: tickets. Mutable; events ticket_opened, ticket_first_response,
//! ticket_resolved.

use super::identity::Key;
use super::records::{CustomerRef, TicketRecord};
use super::store::LifecycleEvent;
use super::typed::{TypedInput, typed_plumbing, typed_row};
use crate::domain::{Department, RecordKind};
use crate::error::AppResult;
use entity::ticket;

typed_row!(ticket);

impl TypedInput for TicketRecord {
    type Entity = ticket::Entity;
    type Model = ticket::Model;
    type Active = ticket::ActiveModel;
    type Context = ();
    const KIND: Option<RecordKind> = Some(RecordKind::Ticket);
    const MUTABLE: bool = true;
    typed_plumbing!();

    fn build(
        &self,
        _path: &str,
        org_id: i64,
        customer_id: i64,
        now: i64,
        _: &(),
    ) -> AppResult<ticket::Model> {
        Ok(ticket::Model {
            id: 0,
            org_id,
            customer_id,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            reason: self.reason.clone(),
            channel: self.channel.clone(),
            priority: self.priority.as_str().to_owned(),
            team: self.team.clone(),
            opened_at: self.opened_at,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
            reopened_count: self.reopened_count,
            updated_at: now,
        })
    }

    fn same(new: &ticket::Model, old: &ticket::Model) -> bool {
        ticket::Model {
            id: old.id,
            updated_at: old.updated_at,
            ..new.clone()
        } == *old
    }

    fn events(m: &ticket::Model, _: &()) -> Vec<LifecycleEvent> {
        let event = |kind, occurred_at| LifecycleEvent {
            kind,
            occurred_at,
            department: Department::Support,
            channel: Some(m.channel.clone()),
        };
        let mut events = vec![event("ticket_opened", m.opened_at)];
        if let Some(at) = m.first_response_at {
            events.push(event("ticket_first_response", at));
        }
        if let Some(at) = m.resolved_at {
            events.push(event("ticket_resolved", at));
        }
        events
    }
}
