//! `Customer.summary`.

use super::enums::{Department, FrictionKind};
use super::signal::FrictionSignal;
use crate::service::summary;
use crate::time::from_millis;
use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// Lifecycle stage of a customer.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "summary::Stage")]
pub enum CustomerStage {
    /// An open deal, nothing won yet.
    Prospect,
    /// Won, or onboarding started, and the last onboarding step not completed.
    Onboarding,
    /// Completed the organization's last onboarding step.
    Adopted,
    /// Only lost deals.
    Lost,
    /// None of the above (e.g. marketing touches only).
    Unknown,
}

/// One reason the health score is below 100.
#[derive(SimpleObject)]
pub struct HealthFactor {
    /// `open_tickets` or the friction kind (e.g. `REPEAT_CONTACT`).
    pub factor: String,
    /// Points taken off the score (negative).
    pub points: i64,
    /// What it is about (subjects, counts).
    pub detail: String,
}

/// Where a customer stands now.
#[derive(SimpleObject)]
pub struct CustomerSummary {
    /// Lifecycle stage.
    pub stage: CustomerStage,
    /// Departments with at least one touchpoint.
    pub departments_touched: Vec<Department>,
    /// First touchpoint.
    pub first_touch_at: Option<DateTime<Utc>>,
    /// Latest touchpoint.
    pub last_touch_at: Option<DateTime<Utc>>,
    /// Tickets not resolved.
    pub open_tickets: i64,
    /// Friction kinds active now.
    pub active_friction_kinds: Vec<FrictionKind>,
    /// The signals behind them.
    pub active_friction: Vec<FrictionSignal>,
    /// 100 minus the factors, floored at 0.
    pub health_score: i64,
    /// Why the score is what it is.
    pub health_factors: Vec<HealthFactor>,
}

impl From<summary::Summary> for CustomerSummary {
    fn from(s: summary::Summary) -> Self {
        let kinds: BTreeSet<crate::domain::FrictionKind> =
            s.signals.iter().map(|x| x.kind).collect();
        CustomerSummary {
            stage: s.stage.into(),
            departments_touched: s.departments.into_iter().map(Into::into).collect(),
            first_touch_at: s.first_touch.map(from_millis),
            last_touch_at: s.last_touch.map(from_millis),
            open_tickets: s.open_tickets,
            active_friction_kinds: kinds.into_iter().map(Into::into).collect(),
            active_friction: s.signals.into_iter().map(Into::into).collect(),
            health_score: s.health_score,
            health_factors: s
                .factors
                .into_iter()
                .map(|f| HealthFactor {
                    factor: f.factor,
                    points: f.points,
                    detail: f.detail,
                })
                .collect(),
        }
    }
}
