//! Friction points (docs/analytics.md): each kind, in its own module, turns a
//! window into *items* (one per exposed record: a ticket, a deal, a step
//! started ...) with their subject, customer, whether affected and the
//! delay. This module aggregates items per (kind, subject) into the figures
//! of a friction point: exposed and affected customers, rate, the pooled
//! baseline of the other subjects, lift, median delay, revenue at risk,
//! impact score and the previous window's rate, then ranks them.
//!
//! All ten kinds are built. Item rows come from SQL, one
//! query per kind and window, except that the three SUPPORT kinds share one
//! read of each window's tickets (support_tickets.rs); the per-subject
//! tally and the medians run here over those rows (a documented deviation
//! from "pure SQL").

mod channel_switch;
mod contact_after;
mod going_dark;
mod handoff_delay;
mod low_satisfaction;
mod onboarding_contact;
mod onboarding_stall;
mod repeat_contact;
mod slow_resolution;
mod span;
mod support_tickets;
mod trend;

pub use trend::{FrictionSeries, friction_trend};

use super::window::{Window, median, ratio};
use crate::auth::Viewer;
use crate::domain::{Department, FrictionKind};
use crate::error::{AppError, AppResult};
use crate::service::sql::{SqlBuilder, map_rows};
use crate::time::{DAY_MS, HOUR_MS, now_millis};
use futures::{StreamExt, TryStreamExt};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A subject or reason name, shared by every item that names it.
pub type Name = Arc<str>;

/// The names one query's items use: one allocation per distinct name
/// instead of one per item (a kind ships tens of thousands of items that
/// name a few dozen subjects).
#[derive(Default)]
pub struct Names(HashSet<Name>);

impl Names {
    pub fn get(&mut self, name: &str) -> Name {
        if let Some(shared) = self.0.get(name) {
            return shared.clone();
        }
        let shared: Name = Arc::from(name);
        self.0.insert(shared.clone());
        shared
    }
}

/// One exposed item of a kind.
#[derive(Clone, Debug)]
pub struct Item {
    /// Stable key of the subject (reason, team, campaign external id ...).
    pub subject_key: Name,
    /// Name to show.
    pub subject: Name,
    pub customer_id: i64,
    pub affected: bool,
    /// Milliseconds, for affected items of kinds that have a delay.
    pub delay_ms: Option<i64>,
    /// The department of the subject, where the kind's follows its subject
    /// (LOW_SATISFACTION); None: the kind's own departments.
    pub department: Option<Department>,
    /// The *_CONTACT kinds: reason of the qualifying (first) ticket.
    pub reason: Option<Name>,
    /// The index of the window of the query's [`span::Span`] it belongs to.
    pub window: usize,
}

/// One friction point: a (kind, subject) and its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct FrictionPoint {
    pub kind: FrictionKind,
    pub subject: String,
    pub subject_key: String,
    pub from_department: Department,
    pub to_department: Department,
    pub occurrences: i64,
    pub exposed_customers: i64,
    pub affected_customers: i64,
    pub rate: f64,
    pub baseline_rate: Option<f64>,
    pub lift: Option<f64>,
    pub median_delay_hours: Option<f64>,
    /// Sum of the annual value of affected customers, in currency units.
    pub revenue_at_risk: f64,
    pub impact_score: f64,
    pub previous_rate: Option<f64>,
    /// The *_CONTACT kinds: reasons of the qualifying tickets with their
    /// counts, most frequent first (then by reason); empty for other kinds.
    pub top_reasons: Vec<(String, i64)>,
    /// Affected customers, highest annual value first (then by id).
    pub affected_customer_ids: Vec<i64>,
}

/// Every kind, in the order docs/analytics.md lists them.
pub const BUILT: &[FrictionKind] = &[
    FrictionKind::RepeatContact,
    FrictionKind::SlowResolution,
    FrictionKind::LowSatisfaction,
    FrictionKind::OnboardingStall,
    FrictionKind::HandoffDelay,
    FrictionKind::GoingDark,
    FrictionKind::PostSaleContact,
    FrictionKind::CampaignTriggeredContact,
    FrictionKind::OnboardingTriggeredContact,
    FrictionKind::ChannelSwitch,
];

/// Overridable parameters (defaults in docs/analytics.md).
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// REPEAT_CONTACT: an earlier same-reason ticket within this many hours.
    pub repeat_contact_hours: i64,
    /// ONBOARDING_STALL: a step stalls past expected_days x this factor.
    pub onboarding_stall_factor: f64,
    /// HANDOFF_DELAY: hours after a won deal within which onboarding must start.
    pub handoff_delay_hours: i64,
    /// GOING_DARK: days without any touch.
    pub going_dark_days: i64,
    /// POST_SALE_CONTACT: hours after a won deal.
    pub post_sale_contact_hours: i64,
    /// CAMPAIGN_TRIGGERED_CONTACT: hours after a delivery.
    pub campaign_contact_hours: i64,
    /// CHANNEL_SWITCH: an earlier same-reason ticket on another channel within this many hours.
    pub channel_switch_hours: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            repeat_contact_hours: 168,
            onboarding_stall_factor: 1.0,
            handoff_delay_hours: 72,
            going_dark_days: 30,
            post_sale_contact_hours: 336,
            campaign_contact_hours: 72,
            channel_switch_hours: 48,
        }
    }
}

fn departments(kind: FrictionKind) -> (Department, Department) {
    match kind {
        FrictionKind::HandoffDelay => (Department::Sales, Department::Onboarding),
        FrictionKind::OnboardingStall => (Department::Onboarding, Department::Onboarding),
        FrictionKind::CampaignTriggeredContact => (Department::Marketing, Department::Support),
        FrictionKind::OnboardingTriggeredContact => (Department::Onboarding, Department::Support),
        FrictionKind::PostSaleContact => (Department::Sales, Department::Support),
        FrictionKind::GoingDark => (Department::Success, Department::Success),
        _ => (Department::Support, Department::Support),
    }
}

/// The items of `kind` in the windows of `w`: one statement. The SUPPORT
/// kinds share their tickets instead ([`support_points`]).
async fn items(
    db: &DatabaseConnection,
    org: i64,
    p: &Params,
    kind: FrictionKind,
    w: span::Span<'_>,
) -> AppResult<Vec<Item>> {
    match kind {
        FrictionKind::LowSatisfaction => low_satisfaction::items(db, org, w).await,
        FrictionKind::PostSaleContact => {
            contact_after::post_sale(db, org, w, p.post_sale_contact_hours * HOUR_MS).await
        }
        FrictionKind::CampaignTriggeredContact => {
            contact_after::campaign(db, org, w, p.campaign_contact_hours * HOUR_MS).await
        }
        FrictionKind::OnboardingTriggeredContact => onboarding_contact::items(db, org, w).await,
        FrictionKind::GoingDark => going_dark::items(db, org, w, p.going_dark_days * DAY_MS).await,
        FrictionKind::HandoffDelay => {
            handoff_delay::items(db, org, w, p.handoff_delay_hours * HOUR_MS).await
        }
        FrictionKind::OnboardingStall => {
            onboarding_stall::items(db, org, w, p.onboarding_stall_factor).await
        }
        FrictionKind::RepeatContact
        | FrictionKind::SlowResolution
        | FrictionKind::ChannelSwitch => Err(AppError::Internal(anyhow::anyhow!(
            "{kind:?} is read with the shared tickets"
        ))),
    }
}

#[derive(Default)]
struct Tally {
    subject: Name,
    department: Option<Department>,
    exposed: HashSet<i64>,
    /// Affected customers with their annual values.
    affected: HashMap<i64, i64>,
    occurrences: i64,
    delays: Vec<f64>,
    reasons: BTreeMap<Name, i64>,
}

/// The organization's customers' annual values (minor units), by id: read
/// once per request instead of joined into every kind's statements (on the
/// benchmark data set, a hash of all 20,000 customers built by each of 18
/// statements; benches/README, change 10). A customer created by a batch
/// that commits during the request counts with 0 here.
pub type AnnualValues = HashMap<i64, i64>;

async fn annual_values(db: &DatabaseConnection, org: i64) -> AppResult<AnnualValues> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT id, annual_value_cents FROM customer WHERE org_id = ")
        .bind(org);
    let pairs = map_rows(db, sql.build(), |r| {
        Ok(Some((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
    })
    .await?;
    Ok(pairs.into_iter().collect())
}

fn tally(items: impl IntoIterator<Item = Item>, values: &AnnualValues) -> BTreeMap<Name, Tally> {
    let mut by_subject: BTreeMap<Name, Tally> = BTreeMap::new();
    for item in items {
        let t = by_subject.entry(item.subject_key).or_default();
        t.subject = item.subject;
        t.department = item.department;
        t.exposed.insert(item.customer_id);
        if item.affected {
            let value = values.get(&item.customer_id).copied().unwrap_or(0);
            t.affected.insert(item.customer_id, value);
            t.occurrences += 1;
            if let Some(ms) = item.delay_ms {
                t.delays.push(ms as f64 / HOUR_MS as f64);
            }
            if let Some(reason) = item.reason {
                *t.reasons.entry(reason).or_default() += 1;
            }
        }
    }
    by_subject
}

/// The figures of one kind's subjects from its items in the window and the
/// previous one. Items are taken as they come: the SUPPORT kinds make
/// theirs from the ticket rows one at a time, so no list of them is held.
/// `population`: for the kinds whose baseline is the unexposed active
/// customers, those customers with whether they were affected.
pub fn aggregate(
    kind: FrictionKind,
    current: impl IntoIterator<Item = Item>,
    previous: impl IntoIterator<Item = Item>,
    population: Option<&[(i64, bool)]>,
    values: &AnnualValues,
) -> Vec<FrictionPoint> {
    let tallies = tally(current, values);
    let previous = tally(previous, values);
    let total_exposed: i64 = tallies.values().map(|t| t.exposed.len() as i64).sum();
    let total_affected: i64 = tallies.values().map(|t| t.affected.len() as i64).sum();
    let (from_department, to_department) = departments(kind);
    tallies
        .into_iter()
        .map(|(key, t)| {
            let exposed = t.exposed.len() as i64;
            let affected = t.affected.len() as i64;
            let rate = affected as f64 / exposed as f64;
            let baseline_rate = match population {
                // The unexposed active customers.
                Some(population) => {
                    let outside: Vec<bool> = population
                        .iter()
                        .filter(|(customer, _)| !t.exposed.contains(customer))
                        .map(|(_, hit)| *hit)
                        .collect();
                    let hits = outside.iter().filter(|hit| **hit).count() as i64;
                    ratio(hits, outside.len() as i64)
                }
                // Pooled rate of the other subjects of the kind.
                None => {
                    let other_exposed = total_exposed - exposed;
                    (other_exposed > 0)
                        .then(|| (total_affected - affected) as f64 / other_exposed as f64)
                }
            };
            let lift = baseline_rate.filter(|b| *b > 0.0).map(|b| rate / b);
            // In 128 bits: no count of customers can overflow it.
            let revenue_at_risk =
                t.affected.values().map(|v| i128::from(*v)).sum::<i128>() as f64 / 100.0;
            let impact_score = match baseline_rate {
                None => revenue_at_risk,
                Some(_) if rate <= 0.0 => 0.0,
                Some(b) => revenue_at_risk * (1.0 - b / rate).max(0.0),
            };
            let previous_rate = previous
                .get(&key)
                .map(|p| p.affected.len() as f64 / p.exposed.len() as f64);
            let mut top_reasons: Vec<(String, i64)> = t
                .reasons
                .into_iter()
                .map(|(reason, n)| (reason.to_string(), n))
                .collect();
            top_reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut by_value: Vec<(i64, i64)> = t.affected.into_iter().collect();
            by_value.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            FrictionPoint {
                kind,
                subject: t.subject.to_string(),
                subject_key: key.to_string(),
                from_department: t.department.unwrap_or(from_department),
                to_department: t.department.unwrap_or(to_department),
                occurrences: t.occurrences,
                exposed_customers: exposed,
                affected_customers: affected,
                rate,
                baseline_rate,
                lift,
                median_delay_hours: median(t.delays),
                revenue_at_risk,
                impact_score,
                previous_rate,
                top_reasons,
                affected_customer_ids: by_value.into_iter().map(|(id, _)| id).collect(),
            }
        })
        .collect()
}

/// Friction kinds computed concurrently by one request.
const KINDS_AT_ONCE: usize = 3;

/// What every kind of one `frictionPoints` request shares.
struct Request<'a> {
    db: &'a DatabaseConnection,
    org: i64,
    window: Window,
    previous_window: Window,
    params: &'a Params,
    /// The baseline population of the two "contact after" kinds, read by
    /// the first of them that needs it.
    reach: OnceCell<Vec<contact_after::Reach>>,
    values: AnnualValues,
}

/// The points of the SUPPORT kinds among `kinds` (REPEAT_CONTACT,
/// SLOW_RESOLUTION, CHANNEL_SWITCH) from one read of each window's tickets
/// (support_tickets.rs), made for the longest lookback. The rows live only
/// as long as this call.
async fn support_points(r: &Request<'_>, kinds: &[FrictionKind]) -> AppResult<Vec<FrictionPoint>> {
    let Request {
        db, org, params: p, ..
    } = *r;
    let lookback = p.repeat_contact_hours.max(p.channel_switch_hours) * HOUR_MS;
    let (window, previous_window) = (
        span::Span::new(std::slice::from_ref(&r.window)),
        span::Span::new(std::slice::from_ref(&r.previous_window)),
    );
    let (now, before) = futures::try_join!(
        support_tickets::tickets(db, org, window, lookback),
        support_tickets::tickets(db, org, previous_window, lookback),
    )?;
    /// A kind's items, made from the rows as the tally takes them.
    type Items<'a> = Box<dyn Iterator<Item = Item> + 'a>;
    let mut points = Vec::new();
    for &kind in kinds {
        let subjects;
        let (current, previous): (Items, Items) = match kind {
            FrictionKind::RepeatContact => {
                let lookback = p.repeat_contact_hours * HOUR_MS;
                (
                    Box::new(repeat_contact::items(&now, lookback)),
                    Box::new(repeat_contact::items(&before, lookback)),
                )
            }
            FrictionKind::SlowResolution => (
                Box::new(slow_resolution::items(&now, window)),
                Box::new(slow_resolution::items(&before, previous_window)),
            ),
            FrictionKind::ChannelSwitch => {
                // The previous window's items are those of the current
                // window's subjects (channel_switch.rs).
                let lookback = p.channel_switch_hours * HOUR_MS;
                subjects = channel_switch::subjects(&now, lookback);
                (
                    Box::new(channel_switch::items(&now, lookback, &subjects)),
                    Box::new(channel_switch::items(&before, lookback, &subjects)),
                )
            }
            _ => continue, // not read from tickets
        };
        points.extend(aggregate(kind, current, previous, None, &r.values));
    }
    Ok(points)
}

/// The points of one kind: its items in the window and the previous one
/// (and, for the "contact after" kinds, the baseline population), at once.
async fn kind_points(r: &Request<'_>, kind: FrictionKind) -> AppResult<Vec<FrictionPoint>> {
    let Request {
        db, org, params, ..
    } = *r;
    let window = r.window;
    let span = match kind {
        FrictionKind::PostSaleContact => Some(params.post_sale_contact_hours * HOUR_MS),
        FrictionKind::CampaignTriggeredContact => Some(params.campaign_contact_hours * HOUR_MS),
        _ => None,
    };
    let population = async {
        match span {
            Some(span) => {
                let reach = r
                    .reach
                    .get_or_try_init(|| contact_after::population(db, org, window))
                    .await?;
                Ok(Some(contact_after::decided(reach, span, window.as_of)))
            }
            None => Ok(None),
        }
    };
    let (current, previous, population) = futures::try_join!(
        items(
            db,
            org,
            params,
            kind,
            span::Span::new(std::slice::from_ref(&r.window))
        ),
        items(
            db,
            org,
            params,
            kind,
            span::Span::new(std::slice::from_ref(&r.previous_window))
        ),
        population,
    )?;
    Ok(aggregate(
        kind,
        current,
        previous,
        population.as_deref(),
        &r.values,
    ))
}

/// What one request computes as one piece.
enum Unit {
    /// The SUPPORT kinds requested, from one read of the tickets.
    Support,
    /// Any other kind, from its own statements.
    Kind(FrictionKind),
}

/// `frictionPoints`: the friction of `kinds` (all built ones when empty) in
/// `window`, ranked by impact score, then affected customers, then subject.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn friction_points(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    kinds: &[FrictionKind],
    params: &Params,
    min_affected: i64,
    first: u64,
) -> AppResult<Vec<FrictionPoint>> {
    viewer.require_analytics()?;
    let kinds: Vec<FrictionKind> = if kinds.is_empty() {
        BUILT.to_vec()
    } else {
        kinds.to_vec()
    };
    let request = Request {
        db,
        org: viewer.org_id,
        window,
        previous_window: window.previous(now_millis()),
        params,
        reach: OnceCell::new(),
        values: annual_values(db, viewer.org_id).await?,
    };
    // The SUPPORT kinds go as one unit that reads the tickets once; the
    // other kinds are independent. Run a few units at once (each runs its
    // windows at once too), bounded so one request leaves connections to
    // the others.
    let (support, others): (Vec<FrictionKind>, Vec<FrictionKind>) = kinds
        .into_iter()
        .partition(|kind| support_tickets::KINDS.contains(kind));
    let units = (!support.is_empty())
        .then_some(Unit::Support)
        .into_iter()
        .chain(others.into_iter().map(Unit::Kind));
    let request = &request;
    let support = &support;
    let per_kind: Vec<Vec<FrictionPoint>> = futures::stream::iter(units)
        .map(|unit| async move {
            match unit {
                Unit::Support => support_points(request, support).await,
                Unit::Kind(kind) => kind_points(request, kind).await,
            }
        })
        .buffer_unordered(KINDS_AT_ONCE)
        .try_collect()
        .await?;
    let mut points: Vec<FrictionPoint> = per_kind.into_iter().flatten().collect();
    points.retain(|p| p.affected_customers >= min_affected);
    points.sort_by(|a, b| {
        b.impact_score
            .total_cmp(&a.impact_score)
            .then(b.affected_customers.cmp(&a.affected_customers))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    points.truncate(first as usize);
    Ok(points)
}
