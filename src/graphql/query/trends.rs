//! Trends for dashboards (LEADER, ADMIN, `analytics:read`): figures per
//! UTC-aligned bucket of a window, each computed in one pass for every bucket.

use super::analytics::{friction_params, window};
use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::graphql::AnalyticsDb;
use crate::graphql::types::enums::FrictionKind;
use crate::graphql::types::friction::FrictionParamsInput;
use crate::graphql::types::kpi::WindowInput;
use crate::graphql::types::trend::{BucketWidth, ContactReasonTrend, FrictionTrend, KpiTrend};
use crate::service::page::validate_first;
use crate::service::{contact_reasons, friction, kpi};
use async_graphql::{Context, ErrorExtensions, Object, Result};

#[derive(Default)]
pub struct TrendQuery;

#[Object]
impl TrendQuery {
    /// Every KPI per bucket of the window: each bucket is a window of its
    /// own and applies the KPI's definition exactly (a bucket cut by the
    /// window's edges, or still running, is marked partial). At most 550
    /// buckets.
    async fn kpi_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to).")] window: WindowInput,
        #[graphql(desc = "How long each bucket is.")] bucket: BucketWidth,
        #[graphql(desc = "Only customers of this segment.")] segment: Option<String>,
    ) -> Result<KpiTrend> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let window = self::window(&window)?;
        let look = ctx.look_ahead();
        let wanted = kpi::Wanted::of_fields(|name| look.field(name).exists());
        let points = kpi::kpi_trend(
            db,
            viewer,
            window,
            bucket.into(),
            segment.as_deref(),
            wanted,
        )
        .await
        .gql()?;
        Ok(KpiTrend::new(points))
    }

    /// Why customers reach out, per bucket of the window: each reason's
    /// tickets, customers, share of the bucket's tickets and repeat rate,
    /// by the definitions of `contactReasons`. At most 550 buckets.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn contact_reason_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to).")] window: WindowInput,
        #[graphql(desc = "How long each bucket is.")] bucket: BucketWidth,
        #[graphql(desc = "How many reasons (most tickets over the window first), 1..=100.")]
        first: i64,
    ) -> Result<ContactReasonTrend> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let first = validate_first(first).gql()?;
        let window = self::window(&window)?;
        let points = contact_reasons::contact_reason_trend(db, viewer, window, bucket.into())
            .await
            .gql()?;
        Ok(ContactReasonTrend::new(points, first as usize))
    }

    /// A friction kind per bucket of the window: each subject's exposed and
    /// affected customers and rate, by the kind's definition applied to each
    /// bucket as the window (the items of every bucket read at once). At
    /// most 550 buckets.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn friction_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to).")] window: WindowInput,
        #[graphql(desc = "How long each bucket is.")] bucket: BucketWidth,
        #[graphql(desc = "The friction kind.")] kind: FrictionKind,
        #[graphql(desc = "Only this subject (its `subjectKey`); every subject when absent.")]
        subject_key: Option<String>,
        #[graphql(desc = "Overrides of the default parameters.")] params: Option<
            FrictionParamsInput,
        >,
        #[graphql(desc = "How many subjects, 1..=100.")] first: i64,
    ) -> Result<FrictionTrend> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let first = validate_first(first).gql()?;
        let window = self::window(&window)?;
        let p = friction_params(params.unwrap_or_default()).map_err(|e| e.extend())?;
        let (buckets, series) = friction::friction_trend(
            db,
            viewer,
            window,
            bucket.into(),
            kind.into(),
            subject_key.as_deref(),
            &p,
            first as usize,
        )
        .await
        .gql()?;
        Ok(FrictionTrend::new(&buckets, series))
    }
}
