//! Raised friction signals, as subscribers receive them.

use super::enums::FrictionKind;
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::service::alerts::{Origin, RaisedSignal};
use crate::time::from_millis;
use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Where a signal was raised.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "Origin")]
pub enum AlertOrigin {
    /// When the triggering ticket or response was ingested.
    Ingest,
    /// By the periodic sweep, as time passed.
    Sweep,
}

/// A friction signal that just became true for a customer.
pub struct FrictionAlert(pub Arc<RaisedSignal>);

#[Object]
impl FrictionAlert {
    /// Id (unique per signal: a signal is raised once).
    pub async fn id(&self) -> ID {
        global(Kind::FrictionAlert, self.0.id)
    }
    /// The kind of friction.
    async fn kind(&self) -> Option<FrictionKind> {
        self.0.friction_kind().map(Into::into)
    }
    /// The customer (use `customer(id)` to read it, with `journeys:read`).
    async fn customer_id(&self) -> ID {
        global(Kind::Customer, self.0.customer_id)
    }
    /// What it is about (a reason, channels, a step, an owner, a team, a segment).
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// When the condition became true.
    async fn since(&self) -> DateTime<Utc> {
        from_millis(self.0.since)
    }
    /// When it was raised.
    async fn raised_at(&self) -> DateTime<Utc> {
        from_millis(self.0.raised_at)
    }
    /// The record that made it true (`ticket:42`, `feedback:7`, `deal:3`,
    /// `progress:9`, `customer:5:<since>`).
    async fn trigger(&self) -> &str {
        &self.0.trigger
    }
    /// Raised at ingest or by the sweep.
    async fn origin(&self) -> AlertOrigin {
        self.0.origin.into()
    }
    /// 1 (drifting) to 3 (suffering now).
    async fn severity(&self) -> i64 {
        self.0
            .friction_kind()
            .map(crate::service::signals::severity)
            .unwrap_or(1)
    }
}
