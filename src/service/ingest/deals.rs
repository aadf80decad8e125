//! Sales: deals. Mutable (stage and outcome move); events deal_opened,
//! deal_won / deal_lost.

use super::identity::Key;
use super::records::{CustomerRef, DealRecord};
use super::store::LifecycleEvent;
use super::typed::{TypedInput, typed_plumbing, typed_row};
use crate::domain::{DealOutcome, Department, RecordKind};
use crate::error::AppResult;
use entity::deal;

typed_row!(deal);

impl TypedInput for DealRecord {
    type Entity = deal::Entity;
    type Model = deal::Model;
    type Active = deal::ActiveModel;
    type Context = ();
    const KIND: Option<RecordKind> = Some(RecordKind::Deal);
    const MUTABLE: bool = true;
    typed_plumbing!();

    fn build(
        &self,
        _path: &str,
        org_id: i64,
        customer_id: i64,
        now: i64,
        _: &(),
    ) -> AppResult<deal::Model> {
        Ok(deal::Model {
            id: 0,
            org_id,
            customer_id,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            owner: self.owner.clone(),
            stage: self.stage.clone(),
            amount_cents: self.amount_cents,
            opened_at: self.opened_at,
            closed_at: self.closed_at,
            outcome: self.outcome.as_str().to_owned(),
            updated_at: now,
        })
    }

    fn same(new: &deal::Model, old: &deal::Model) -> bool {
        deal::Model {
            id: old.id,
            updated_at: old.updated_at,
            ..new.clone()
        } == *old
    }

    fn events(m: &deal::Model, _: &()) -> Vec<LifecycleEvent> {
        let event = |kind, occurred_at| LifecycleEvent {
            kind,
            occurred_at,
            department: Department::Sales,
            channel: None,
        };
        let mut events = vec![event("deal_opened", m.opened_at)];
        match (m.outcome.parse(), m.closed_at) {
            (Ok(DealOutcome::Won), Some(at)) => events.push(event("deal_won", at)),
            (Ok(DealOutcome::Lost), Some(at)) => events.push(event("deal_lost", at)),
            _ => {}
        }
        events
    }
}
