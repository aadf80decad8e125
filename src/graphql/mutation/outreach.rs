//! Working the outreach queue and writing frontline insights.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::{parse_id, parse_optional_id};
use crate::graphql::types::enums::FrictionKind;
use crate::graphql::types::insight::Insight;
use crate::graphql::types::outreach::{OutreachStatus, OutreachTask};
use crate::service::{insight, outreach};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct OutreachMutation;

/// A new outreach task.
#[derive(InputObject)]
pub struct CreateOutreachInput {
    /// The customer to reach (a merged customer's id means its survivor).
    pub customer_id: ID,
    /// The friction that prompted it.
    pub friction_kind: FrictionKind,
    /// The friction subject (team, step, reason ...), <= 500 characters.
    pub subject: Option<String>,
    /// Who will reach out, <= 500 characters.
    pub owner: Option<String>,
    /// Note, <= 10,000 characters.
    pub note: Option<String>,
}

/// A change to an outreach task.
#[derive(InputObject)]
pub struct UpdateOutreachInput {
    /// The task.
    pub id: ID,
    /// OPEN -> CONTACTED | DISMISSED; CONTACTED -> RESOLVED | DISMISSED.
    pub status: Option<OutreachStatus>,
    /// New owner.
    pub owner: Option<String>,
    /// New note.
    pub note: Option<String>,
}

#[Object]
impl OutreachMutation {
    /// Opens an outreach task (and an `outreach_opened` event on the
    /// customer's journey). People, or tokens with `outreach:write`.
    async fn create_outreach(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task.")] input: CreateOutreachInput,
    ) -> Result<OutreachTask> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let new = outreach::NewTask {
            customer_id: parse_id("input.customerId", Kind::Customer, &input.customer_id)
                .map_err(|e| e.extend())?,
            kind: input.friction_kind.into(),
            subject: input.subject,
            owner: input.owner,
            note: input.note,
        };
        Ok(OutreachTask(outreach::create(db, viewer, new).await.gql()?))
    }

    /// Moves a task along (each status change is an event on the journey)
    /// and/or changes its owner or note. People, or tokens with `outreach:write`.
    async fn update_outreach(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: UpdateOutreachInput,
    ) -> Result<OutreachTask> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let change = outreach::TaskChange {
            id: parse_id("input.id", Kind::OutreachTask, &input.id).map_err(|e| e.extend())?,
            status: input.status.map(Into::into),
            owner: input.owner,
            note: input.note,
        };
        Ok(OutreachTask(
            outreach::update(db, viewer, change).await.gql()?,
        ))
    }

    /// Writes a frontline insight, optionally about a customer and/or a
    /// friction point (kind + subject key). People only.
    async fn add_insight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The note, <= 10,000 characters.")] text: String,
        #[graphql(desc = "The customer it is about.")] customer_id: Option<ID>,
        #[graphql(desc = "The friction kind it explains.")] friction_kind: Option<FrictionKind>,
        #[graphql(desc = "The subject key of that friction point (needs frictionKind).")]
        subject: Option<String>,
    ) -> Result<Insight> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let new = insight::NewInsight {
            text,
            customer_id: parse_optional_id("customerId", Kind::Customer, customer_id.as_ref())
                .gql()?,
            friction_kind: friction_kind.map(Into::into),
            subject,
        };
        Ok(Insight(insight::add(db, viewer, new).await.gql()?))
    }

    /// Votes for an insight; a person's second vote changes nothing.
    async fn vote_insight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The insight.")] id: ID,
    ) -> Result<Insight> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let id = parse_id("id", Kind::Insight, &id).map_err(|e| e.extend())?;
        Ok(Insight(insight::vote(db, viewer, id).await.gql()?))
    }
}
