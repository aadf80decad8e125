//! Friction points: the figures of docs/analytics.md, their example customers
//! and the insights attached to them.

use super::customer::Customer;
use super::insight::Insight;
use crate::auth::Viewer;
use crate::error::{AppError, IntoGraphql};
use crate::graphql::loaders::{CustomerLoader, InsightLoader};
use crate::service::page::validate_first;
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, ErrorExtensions, Result, SimpleObject};

/// A place where customers get stuck: one (kind, subject), ranked by impact.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FrictionPoint {
    /// The kind of friction.
    pub kind: super::enums::FrictionKind,
    /// What it is about (a reason, a team, a campaign ...).
    pub subject: String,
    /// The subject's stable key.
    pub subject_key: String,
    /// Department the friction starts in.
    pub from_department: super::enums::Department,
    /// Department it lands in.
    pub to_department: super::enums::Department,
    /// Affected items.
    pub occurrences: i64,
    /// Customers exposed to the subject.
    pub exposed_customers: i64,
    /// Customers affected.
    pub affected_customers: i64,
    /// affectedCustomers / exposedCustomers, a fraction (0-1).
    pub rate: f64,
    /// Pooled rate of the kind's other subjects, a fraction (0-1; null when there is none).
    pub baseline_rate: Option<f64>,
    /// rate / baselineRate, a multiple (2.0 = twice the baseline; null when the baseline is null or 0).
    pub lift: Option<f64>,
    /// Median delay of affected items, in hours.
    pub median_delay_hours: Option<f64>,
    /// Sum of the annual value of affected customers, in the organization's
    /// currency (`viewer.currency`).
    pub revenue_at_risk: f64,
    /// revenueAtRisk x max(0, 1 - baselineRate / rate); revenueAtRisk without a baseline. In the organization's currency (`viewer.currency`).
    pub impact_score: f64,
    /// The rate of the same subject in the previous window of equal length, a fraction (0-1).
    pub previous_rate: Option<f64>,
    /// The *_CONTACT kinds: reasons of the qualifying (first) tickets with
    /// their counts, most frequent first; empty for the other kinds.
    pub top_reasons: Vec<ReasonCount>,
    #[graphql(skip)]
    pub affected_customer_ids: Vec<i64>,
}

/// A contact reason and how many qualifying tickets had it.
#[derive(SimpleObject)]
pub struct ReasonCount {
    /// The contact-reason code.
    pub reason: String,
    /// Qualifying tickets with it.
    pub count: i64,
}

#[ComplexObject]
impl FrictionPoint {
    /// Affected customers, highest annual value first. People only: an
    /// `analytics:read` token sees aggregates, never customers (FORBIDDEN).
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn examples(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1..=100.")] first: i64,
    ) -> Result<Vec<Customer>> {
        ctx.data::<Viewer>()?
            .require_person()
            .map_err(|_| {
                AppError::Forbidden("example customers are for people, not API tokens".into())
            })
            .gql()?;
        let first = validate_first(first).gql()?;
        let ids: Vec<i64> = self
            .affected_customer_ids
            .iter()
            .take(first as usize)
            .copied()
            .collect();
        let loader = ctx.data::<DataLoader<CustomerLoader>>()?;
        let mut found = loader
            .load_many(ids.iter().copied())
            .await
            .map_err(|e| e.extend())?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Customer::in_list)
            .collect())
    }

    /// Frontline insights attached to this kind and subject key, most votes
    /// first. People only (free text may name customers).
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1..=100.")] first: i64,
    ) -> Result<Vec<Insight>> {
        let first = validate_first(first).gql()?;
        let viewer = ctx.data::<Viewer>()?;
        viewer.require_person().gql()?;
        let loader = ctx.data::<DataLoader<InsightLoader>>()?;
        let key = (
            crate::domain::FrictionKind::from(self.kind),
            self.subject_key.clone(),
        );
        let found = loader.load_one(key).await.map_err(|e| e.extend())?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .take(first as usize)
            .map(Insight)
            .collect())
    }
}

impl From<crate::service::friction::FrictionPoint> for FrictionPoint {
    fn from(p: crate::service::friction::FrictionPoint) -> Self {
        FrictionPoint {
            kind: p.kind.into(),
            subject: p.subject,
            subject_key: p.subject_key,
            from_department: p.from_department.into(),
            to_department: p.to_department.into(),
            occurrences: p.occurrences,
            exposed_customers: p.exposed_customers,
            affected_customers: p.affected_customers,
            rate: p.rate,
            baseline_rate: p.baseline_rate,
            lift: p.lift,
            median_delay_hours: p.median_delay_hours,
            revenue_at_risk: p.revenue_at_risk,
            impact_score: p.impact_score,
            previous_rate: p.previous_rate,
            top_reasons: p
                .top_reasons
                .into_iter()
                .map(|(reason, count)| ReasonCount { reason, count })
                .collect(),
            affected_customer_ids: p.affected_customer_ids,
        }
    }
}

/// Parameters of the friction kinds (defaults in docs/analytics.md).
#[derive(async_graphql::InputObject, Default)]
pub struct FrictionParamsInput {
    /// REPEAT_CONTACT: hours within which an earlier same-reason ticket makes a repeat (default 168).
    pub repeat_contact_hours: Option<i64>,
    /// ONBOARDING_STALL: a step stalls past expected days x this factor (default 1.0).
    pub onboarding_stall_factor: Option<f64>,
    /// HANDOFF_DELAY: hours after a won deal within which onboarding must start (default 72).
    pub handoff_delay_hours: Option<i64>,
    /// GOING_DARK: days without any touch (default 30).
    pub going_dark_days: Option<i64>,
    /// POST_SALE_CONTACT: hours after a won deal (default 336).
    pub post_sale_contact_hours: Option<i64>,
    /// CAMPAIGN_TRIGGERED_CONTACT: hours after a delivery (default 72).
    pub campaign_contact_hours: Option<i64>,
    /// CHANNEL_SWITCH: hours within which an earlier same-reason ticket on another channel makes a switch (default 48).
    pub channel_switch_hours: Option<i64>,
}
