//! Generic touchpoints (doc views, logins, success calls ...): they are
//! timeline rows themselves, immutable, with no typed record behind them.

use super::identity::Key;
use super::records::{CustomerRef, TouchpointRecord};
use super::store::LifecycleEvent;
use super::typed::{TypedInput, typed_plumbing, typed_row};
use crate::domain::RecordKind;
use crate::error::AppResult;
use entity::touchpoint;

typed_row!(touchpoint);

impl TypedInput for TouchpointRecord {
    type Entity = touchpoint::Entity;
    type Model = touchpoint::Model;
    type Active = touchpoint::ActiveModel;
    type Context = ();
    const KIND: Option<RecordKind> = None;
    const MUTABLE: bool = false;
    typed_plumbing!();

    fn build(
        &self,
        _path: &str,
        org_id: i64,
        customer_id: i64,
        _now: i64,
        _: &(),
    ) -> AppResult<touchpoint::Model> {
        Ok(touchpoint::Model {
            id: 0,
            org_id,
            customer_id,
            department: self.department.as_str().to_owned(),
            kind: self.kind.clone(),
            channel: self.channel.clone(),
            occurred_at: self.occurred_at,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            attributes: self.attributes.clone(),
            record_kind: None,
            record_id: None,
        })
    }

    fn same(new: &touchpoint::Model, old: &touchpoint::Model) -> bool {
        // After a merge the row moved to the survivor; that is not new content.
        touchpoint::Model {
            id: old.id,
            customer_id: old.customer_id,
            ..new.clone()
        } == *old
    }

    fn events(_: &touchpoint::Model, _: &()) -> Vec<LifecycleEvent> {
        Vec::new()
    }
}
