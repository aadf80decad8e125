//! The ingest mutations: check the caller may write each record's
//! department, then hand the batch to the ingest service.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::graphql::types::batch_item::{Item, records};
use crate::graphql::types::ingest::*;
use crate::service::alerts::{self, Alerts, Batch};
use crate::service::ingest::{self, records::*};
use async_graphql::{Context, Object, Result, SimpleObject};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct IngestMutation;

fn parts<'a>(ctx: &'a Context<'_>) -> Result<(&'a Viewer, &'a DatabaseConnection)> {
    Ok((ctx.data::<Viewer>()?, ctx.data::<DatabaseConnection>()?))
}

/// A defined onboarding step.
#[derive(SimpleObject)]
pub struct OnboardingStep {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Position (1 = first).
    pub position: i32,
    /// Days it is expected to take.
    pub expected_days: i32,
}

#[Object]
impl IngestMutation {
    /// Sales deals (mutable: stage and outcome move). At most 1,000 per batch, all-or-nothing.
    async fn ingest_deals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deals.")] input: Vec<Item<DealInput>>,
    ) -> Result<IngestReportOutput> {
        let (viewer, db) = parts(ctx)?;
        let records: Vec<DealRecord> = records("input", input).gql()?;
        ingest::authorize(viewer, &records).gql()?;
        Ok(ingest::deals(db, viewer.org_id, &records)
            .await
            .gql()?
            .into())
    }

    /// Onboarding progress (mutable). The steps must be defined first.
    async fn ingest_onboarding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The progress records.")] input: Vec<Item<OnboardingProgressInput>>,
    ) -> Result<IngestReportOutput> {
        let (viewer, db) = parts(ctx)?;
        let records: Vec<ProgressRecord> = records("input", input).gql()?;
        ingest::authorize(viewer, &records).gql()?;
        Ok(ingest::onboarding(db, viewer.org_id, &records)
            .await
            .gql()?
            .into())
    }

    /// Campaign deliveries (immutable).
    async fn ingest_campaign_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deliveries.")] input: Vec<Item<CampaignDeliveryInput>>,
    ) -> Result<IngestReportOutput> {
        let (viewer, db) = parts(ctx)?;
        let records: Vec<DeliveryRecord> = records("input", input).gql()?;
        ingest::authorize(viewer, &records).gql()?;
        Ok(ingest::campaign_deliveries(db, viewer.org_id, &records)
            .await
            .gql()?
            .into())
    }

    /// Support tickets (mutable: a ticket moves from opened to resolved).
    async fn ingest_tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tickets.")] input: Vec<Item<TicketInput>>,
    ) -> Result<IngestReportOutput> {
        let (viewer, db) = parts(ctx)?;
        let records: Vec<TicketRecord> = records("input", input).gql()?;
        ingest::authorize(viewer, &records).gql()?;
        let report = ingest::tickets(db, viewer.org_id, &records).await.gql()?;
        let alerts = ctx.data::<Alerts>()?;
        alerts::after_ingest(db, &alerts.bus, viewer.org_id, Batch::Tickets, &report).await;
        Ok(report.into())
    }

    /// Survey responses (immutable). What they are about must be sent first.
    async fn ingest_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The responses.")] input: Vec<Item<FeedbackInput>>,
    ) -> Result<IngestReportOutput> {
        let (viewer, db) = parts(ctx)?;
        let input: Vec<FeedbackInput> = records("input", input).gql()?;
        let records = input
            .into_iter()
            .enumerate()
            .map(|(i, f)| f.into_record(&format!("input[{i}]")))
            .collect::<Result<Vec<FeedbackRecord>, _>>()
            .gql()?;
        ingest::authorize(viewer, &records).gql()?;
        let report = ingest::feedback(db, viewer.org_id, &records).await.gql()?;
        let alerts = ctx.data::<Alerts>()?;
        alerts::after_ingest(db, &alerts.bus, viewer.org_id, Batch::Feedback, &report).await;
        Ok(report.into())
    }

    /// Generic touchpoints (immutable).
    async fn ingest_touchpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The events.")] input: Vec<Item<TouchpointInput>>,
    ) -> Result<IngestReportOutput> {
        let (viewer, db) = parts(ctx)?;
        let records: Vec<TouchpointRecord> = records("input", input).gql()?;
        ingest::authorize(viewer, &records).gql()?;
        Ok(ingest::touchpoints(db, viewer.org_id, &records)
            .await
            .gql()?
            .into())
    }

    /// Creates or updates onboarding step definitions by key; returns all steps in order.
    async fn define_onboarding_steps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The steps.")] steps: Vec<Item<OnboardingStepInput>>,
    ) -> Result<Vec<OnboardingStep>> {
        let (viewer, db) = parts(ctx)?;
        viewer
            .require_ingest(crate::domain::Department::Onboarding, "steps")
            .gql()?;
        let steps: Vec<StepDefinition> = records("steps", steps).gql()?;
        let all = ingest::define_onboarding_steps(db, viewer.org_id, &steps)
            .await
            .gql()?;
        Ok(all
            .into_iter()
            .map(|s| OnboardingStep {
                key: s.key,
                name: s.name,
                position: s.position,
                expected_days: s.expected_days,
            })
            .collect())
    }
}
