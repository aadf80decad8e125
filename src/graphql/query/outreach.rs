//! The outreach queue, tasks and their effect; frontline insights.

use super::analytics::window;
use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::{
    Connection, InsightEdge, OutreachQueueEdge, OutreachTaskEdge, decode_cursor, parse_optional_id,
    wants_total,
};
use crate::graphql::types::enums::FrictionKind;
use crate::graphql::types::insight::{self, INSIGHT_CURSOR};
use crate::graphql::types::kpi::WindowInput;
use crate::graphql::types::outreach::{
    self as types, OutreachEffectiveness, OutreachStatus, QUEUE_CURSOR, TASK_CURSOR,
};
use crate::service::page::validate_first;
use crate::service::{insight as insights, outreach};
use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct OutreachQuery;

/// Decodes an optional cursor of `kind` with `n` values.
fn cursor(kind: &str, n: usize, after: Option<&str>) -> Result<Option<Vec<i64>>> {
    after
        .map(|c| decode_cursor(kind, n, c))
        .transpose()
        .map_err(|e| e.extend())
}

#[Object]
impl OutreachQuery {
    /// Customers with a friction signal active now and no unfinished outreach
    /// task for it, highest severity x annual value first, with their reasons.
    /// A customer whose latest deal was LOST (the relationship ended) is left out.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn outreach_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=100.")] first: i64,
        #[graphql(desc = "Cursor of the last entry of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only these kinds (every signal kind when absent).")] kinds: Option<
            Vec<FrictionKind>,
        >,
    ) -> Result<Connection<OutreachQueueEdge>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let first = validate_first(first).gql()?;
        let after = cursor(QUEUE_CURSOR, 2, after.as_deref())?.map(|v| (v[0], v[1]));
        let kinds: Vec<crate::domain::FrictionKind> = kinds
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let page = outreach::queue(db, viewer, &kinds, first, after)
            .await
            .gql()?;
        Ok(types::queue_connection(page))
    }

    /// Outreach tasks, newest first.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn outreach_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=100.")] first: i64,
        #[graphql(desc = "Cursor of the last task of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only tasks in this status.")] status: Option<OutreachStatus>,
        #[graphql(desc = "Only tasks of this customer.")] customer_id: Option<ID>,
    ) -> Result<Connection<OutreachTaskEdge>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let first = validate_first(first).gql()?;
        let after = cursor(TASK_CURSOR, 1, after.as_deref())?.map(|v| v[0]);
        let filter = outreach::TaskFilter {
            status: status.map(Into::into),
            customer_id: parse_optional_id("customerId", Kind::Customer, customer_id.as_ref())
                .gql()?,
        };
        let page = outreach::list(db, viewer, &filter, first, after, wants_total(ctx))
            .await
            .gql()?;
        Ok(types::task_connection(page))
    }

    /// Among customers flagged (first outreach task created) in the window:
    /// who still opened a ticket within 14 days, contacted vs not, and the
    /// share of contacts outreach prevented.
    async fn outreach_effectiveness(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Flags in [from, to).")] window: WindowInput,
    ) -> Result<OutreachEffectiveness> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let window = self::window(&window)?;
        Ok(outreach::effectiveness(db, viewer, window)
            .await
            .gql()?
            .into())
    }

    /// Frontline insights, most votes first. People only.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=100.")] first: i64,
        #[graphql(desc = "Cursor of the last insight of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only insights about this customer.")] customer_id: Option<ID>,
        #[graphql(desc = "Only insights on this friction kind.")] friction_kind: Option<
            FrictionKind,
        >,
        #[graphql(desc = "Only insights on this subject key.")] subject: Option<String>,
    ) -> Result<Connection<InsightEdge>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let first = validate_first(first).gql()?;
        let after = cursor(INSIGHT_CURSOR, 2, after.as_deref())?
            .map(|v| (i32::try_from(v[0]).unwrap_or(i32::MAX), v[1]));
        let filter = insights::InsightFilter {
            customer_id: parse_optional_id("customerId", Kind::Customer, customer_id.as_ref())
                .gql()?,
            friction_kind: friction_kind.map(Into::into),
            subject,
        };
        let page = insights::list(db, viewer, &filter, first, after, wants_total(ctx))
            .await
            .gql()?;
        Ok(insight::connection(page))
    }
}
