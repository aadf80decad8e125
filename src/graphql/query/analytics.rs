//! Organization-wide analytics (LEADER, ADMIN, `analytics:read`).

use crate::auth::Viewer;
use crate::error::{AppError, IntoGraphql};
use crate::graphql::AnalyticsDb;
use crate::graphql::types::friction::{FrictionParamsInput, FrictionPoint};
use crate::graphql::types::kpi::{
    ContactReason, FunnelStep, Handoff, JourneyPath, Kpis, WindowInput,
};
use crate::service::page::validate_first;
use crate::service::window::Window;
use crate::service::{contact_reasons, friction, funnel, handoff, kpi, paths};
use crate::time::{DAY_MS, now_millis, to_millis};
use async_graphql::{Context, ErrorExtensions, Object, Result};

#[derive(Default)]
pub struct AnalyticsQuery;

/// The longest `lastDays` (about ten years).
const MAX_LAST_DAYS: i64 = 3660;

/// The service window of a `window` argument.
pub fn window(input: &WindowInput) -> Result<Window> {
    let now = now_millis();
    let bounds = match (input.from, input.to, input.last_days) {
        (Some(from), Some(to), None) => Ok((to_millis(from), to_millis(to))),
        (None, None, Some(days)) if (1..=MAX_LAST_DAYS).contains(&days) => {
            let today = now - now.rem_euclid(DAY_MS);
            Ok((today - days * DAY_MS, today))
        }
        (None, None, Some(_)) => Err(AppError::bad_input(
            "window.lastDays",
            format!("use 1..={MAX_LAST_DAYS} days"),
        )),
        _ => Err(AppError::bad_input(
            "window",
            "give either from and to, or lastDays",
        )),
    };
    let (from, to) = bounds.gql()?;
    Window::new(from, to, now).gql()
}

#[Object]
impl AnalyticsQuery {
    /// Every KPI in the window, each beside its value in the previous window of equal length. Only the KPIs selected are computed.
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to).")] window: WindowInput,
        #[graphql(desc = "Only customers of this segment.")] segment: Option<String>,
    ) -> Result<Kpis> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let window = self::window(&window)?;
        let look = ctx.look_ahead();
        let wanted = kpi::Wanted::of_fields(|name| look.field(name).exists());
        let (current, previous) = kpi::kpis(db, viewer, window, segment.as_deref(), wanted)
            .await
            .gql()?;
        Ok(Kpis::new(current, previous))
    }

    /// Why customers reach out: per ticket reason, most tickets first.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn contact_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to).")] window: WindowInput,
        #[graphql(desc = "How many reasons, 1..=100.")] first: i64,
    ) -> Result<Vec<ContactReason>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let first = validate_first(first).gql()?;
        let window = self::window(&window)?;
        let reasons = contact_reasons::contact_reasons(db, viewer, window, first)
            .await
            .gql()?;
        Ok(reasons.into_iter().map(Into::into).collect())
    }

    /// For each ordered pair of departments: transitions between customers'
    /// consecutive touchpoints, the median gap, and how often a ticket followed.
    async fn handoff_matrix(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to) of the later touchpoint.")] window: WindowInput,
    ) -> Result<Vec<Handoff>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let window = self::window(&window)?;
        let cells = handoff::handoff_matrix(db, viewer, window).await.gql()?;
        cells
            .into_iter()
            .map(|c| {
                Ok(Handoff {
                    from_department: department(&c.from)?,
                    to_department: department(&c.to)?,
                    transitions: c.transitions,
                    median_gap_hours: c.median_gap_hours,
                    followed_by_ticket_share: c.followed_by_ticket_share,
                })
            })
            .collect()
    }

    /// The most common department sequences of customers whose first touch is in the window.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn journey_paths(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Customers whose first touch is in [from, to).")] window: WindowInput,
        #[graphql(desc = "Departments per path, 1..=10.")] steps: i64,
        #[graphql(desc = "How many paths, 1..=100.")] first: i64,
    ) -> Result<Vec<JourneyPath>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let first = validate_first(first).gql()?;
        let window = self::window(&window)?;
        let found = paths::journey_paths(db, viewer, window, steps, first)
            .await
            .gql()?;
        found
            .into_iter()
            .map(|p| {
                Ok(JourneyPath {
                    departments: p
                        .departments
                        .iter()
                        .map(|d| department(d))
                        .collect::<Result<_>>()?,
                    customers: p.customers,
                    share: p.share,
                })
            })
            .collect()
    }

    /// Conversion between touchpoint kinds: customers entering with the
    /// first kind in the window, and how many reach each next kind (in order)
    /// within the conversion window.
    async fn funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Entries in [from, to).")] window: WindowInput,
        #[graphql(
            desc = "2 to 10 touchpoint kinds, in order (e.g. campaign_delivered, login, ticket_opened)."
        )]
        steps: Vec<String>,
        #[graphql(desc = "Days after entering within which later steps count, 1..=365.")]
        conversion_window_days: i64,
    ) -> Result<Vec<FunnelStep>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let window = self::window(&window)?;
        let found = funnel::funnel(db, viewer, window, &steps, conversion_window_days)
            .await
            .gql()?;
        Ok(found
            .into_iter()
            .map(|s| FunnelStep {
                kind: s.kind,
                customers: s.customers,
                conversion_from_previous: s.conversion_from_previous,
                conversion_from_start: s.conversion_from_start,
            })
            .collect())
    }

    /// Where customers get stuck, ranked by impact score (revenue at risk
    /// beyond the baseline), then affected customers, then subject.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn friction_points(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window [from, to).")] window: WindowInput,
        #[graphql(desc = "Kinds to compute; every available kind when absent.")] kinds: Option<
            Vec<crate::graphql::types::enums::FrictionKind>,
        >,
        #[graphql(desc = "Overrides of the default parameters.")] params: Option<
            FrictionParamsInput,
        >,
        #[graphql(
            desc = "Only points with at least this many affected customers.",
            default = 1
        )]
        min_affected: i64,
        #[graphql(desc = "How many points, 1..=100.")] first: i64,
    ) -> Result<Vec<FrictionPoint>> {
        let viewer = ctx.data::<Viewer>()?;
        let db = &ctx.data::<AnalyticsDb>()?.0;
        let first = validate_first(first).gql()?;
        let window = self::window(&window)?;
        let kinds: Vec<crate::domain::FrictionKind> = kinds
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let p = friction_params(params.unwrap_or_default()).map_err(|e| e.extend())?;
        let points = friction::friction_points(db, viewer, window, &kinds, &p, min_affected, first)
            .await
            .gql()?;
        Ok(points.into_iter().map(Into::into).collect())
    }
}

/// Friction parameters from the argument, defaults where absent.
pub(super) fn friction_params(
    input: FrictionParamsInput,
) -> Result<friction::Params, crate::error::AppError> {
    let mut p = friction::Params::default();
    if let Some(hours) = input.repeat_contact_hours {
        if !(1..=24 * 365).contains(&hours) {
            return Err(crate::error::AppError::bad_input(
                "params.repeatContactHours",
                "must be 1..=8760",
            ));
        }
        p.repeat_contact_hours = hours;
    }
    if let Some(factor) = input.onboarding_stall_factor {
        if !(factor > 0.0 && factor <= 100.0) {
            return Err(crate::error::AppError::bad_input(
                "params.onboardingStallFactor",
                "must be in (0, 100]",
            ));
        }
        p.onboarding_stall_factor = factor;
    }
    if let Some(hours) = input.handoff_delay_hours {
        if !(1..=24 * 365).contains(&hours) {
            return Err(crate::error::AppError::bad_input(
                "params.handoffDelayHours",
                "must be 1..=8760",
            ));
        }
        p.handoff_delay_hours = hours;
    }
    if let Some(days) = input.going_dark_days {
        if !(1..=365).contains(&days) {
            return Err(crate::error::AppError::bad_input(
                "params.goingDarkDays",
                "must be 1..=365",
            ));
        }
        p.going_dark_days = days;
    }
    for (value, path, target) in [
        (
            input.post_sale_contact_hours,
            "params.postSaleContactHours",
            &mut p.post_sale_contact_hours,
        ),
        (
            input.campaign_contact_hours,
            "params.campaignContactHours",
            &mut p.campaign_contact_hours,
        ),
        (
            input.channel_switch_hours,
            "params.channelSwitchHours",
            &mut p.channel_switch_hours,
        ),
    ] {
        if let Some(hours) = value {
            if !(1..=24 * 365).contains(&hours) {
                return Err(crate::error::AppError::bad_input(path, "must be 1..=8760"));
            }
            *target = hours;
        }
    }
    Ok(p)
}

/// A stored department name as the GraphQL enum.
fn department(stored: &str) -> Result<crate::graphql::types::enums::Department> {
    stored
        .parse::<crate::domain::Department>()
        .map(Into::into)
        .map_err(|e| crate::error::AppError::Internal(e.into()))
        .gql()
}
