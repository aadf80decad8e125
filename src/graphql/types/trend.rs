//! Trends: a window cut into UTC-aligned buckets, each figure a list with
//! one entry per bucket (in the order of `buckets`), the shape a chart takes.

use crate::service::buckets::{Bucket, Width};
use crate::service::contact_reasons::ReasonCounts;
use crate::service::kpi::KpiFigures;
use crate::service::window::ratio;
use crate::time::from_millis;
use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How long each bucket of a trend is. Buckets are aligned in UTC.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "Width")]
pub enum BucketWidth {
    /// Calendar days, from 00:00 UTC.
    Day,
    /// ISO weeks, from Monday 00:00 UTC.
    Week,
    /// Calendar months, from the 1st 00:00 UTC.
    Month,
}

/// One bucket of a trend: a window of its own, `[from, to)`, judged at
/// `min(to, now)` like any window.
#[derive(SimpleObject)]
pub struct TrendBucket {
    /// Start, inclusive.
    pub from: DateTime<Utc>,
    /// End, exclusive.
    pub to: DateTime<Utc>,
    /// True when the bucket is cut by the window's edges (shorter than its
    /// width) or is still running now: compare it with care.
    pub partial: bool,
}

impl From<&Bucket> for TrendBucket {
    fn from(b: &Bucket) -> Self {
        TrendBucket {
            from: from_millis(b.window.from),
            to: from_millis(b.window.to),
            partial: b.partial,
        }
    }
}

/// Every KPI per bucket. Each bucket's figure is the KPI's definition
/// (docs/analytics.md) applied to that bucket as the window; null where
/// nothing was there to measure.
#[derive(SimpleObject)]
pub struct KpiTrend {
    /// The buckets, oldest first; every list below has one entry per bucket.
    pub buckets: Vec<TrendBucket>,
    /// Tickets opened / active customers: tickets per customer, not a share.
    pub contact_rate: Vec<Option<f64>>,
    /// CSAT responses scoring 4-5 / all CSAT responses, a fraction (0-1).
    pub csat_rate: Vec<Option<f64>>,
    /// Mean CSAT (1-5).
    pub csat_average: Vec<Option<f64>>,
    /// NPS, a score from -100 to 100.
    pub nps: Vec<Option<f64>>,
    /// Mean CES (1-7, 7 = very easy).
    pub ces_average: Vec<Option<f64>>,
    /// First-contact resolution, a fraction (0-1).
    pub fcr_rate: Vec<Option<f64>>,
    /// Customers who contacted again within 7 days / customers with a ticket, a fraction (0-1).
    pub repeat_contact_rate: Vec<Option<f64>>,
    /// Median hours from opening to first response.
    pub median_first_response_hours: Vec<Option<f64>>,
    /// Median hours from opening to resolution.
    pub median_resolution_hours: Vec<Option<f64>>,
    /// Decided tickets resolved within SLA / decided tickets, a fraction (0-1).
    pub sla_attainment: Vec<Option<f64>>,
    /// Median days from the first WON deal to completing the last onboarding step.
    pub median_time_to_value_days: Vec<Option<f64>>,
    /// Customers who completed every step / customers whose first step started, a fraction (0-1).
    pub onboarding_completion_rate: Vec<Option<f64>>,
}

impl KpiTrend {
    pub fn new(points: Vec<(Bucket, KpiFigures)>) -> KpiTrend {
        let series = |f: fn(&KpiFigures) -> Option<f64>| points.iter().map(|(_, k)| f(k)).collect();
        KpiTrend {
            buckets: points.iter().map(|(b, _)| b.into()).collect(),
            contact_rate: series(|k| k.contact_rate),
            csat_rate: series(|k| k.csat_rate),
            csat_average: series(|k| k.csat_average),
            nps: series(|k| k.nps),
            ces_average: series(|k| k.ces_average),
            fcr_rate: series(|k| k.fcr_rate),
            repeat_contact_rate: series(|k| k.repeat_contact_rate),
            median_first_response_hours: series(|k| k.median_first_response_hours),
            median_resolution_hours: series(|k| k.median_resolution_hours),
            sla_attainment: series(|k| k.sla_attainment),
            median_time_to_value_days: series(|k| k.median_time_to_value_days),
            onboarding_completion_rate: series(|k| k.onboarding_completion_rate),
        }
    }
}

/// One contact reason per bucket.
#[derive(SimpleObject)]
pub struct ContactReasonSeries {
    /// The contact-reason code.
    pub reason: String,
    /// Tickets of this reason opened in each bucket.
    pub tickets: Vec<i64>,
    /// Distinct customers who opened them, per bucket.
    pub customers: Vec<i64>,
    /// The reason's tickets / all tickets opened in the bucket, a fraction
    /// (0-1); null in a bucket without tickets.
    pub share: Vec<Option<f64>>,
    /// Tickets following an earlier same-reason ticket of the customer
    /// within 7 days / the reason's tickets, a fraction (0-1); null in a
    /// bucket without tickets of the reason.
    pub repeat_rate: Vec<Option<f64>>,
}

/// Why customers reach out, per bucket: each reason's tickets and share.
#[derive(SimpleObject)]
pub struct ContactReasonTrend {
    /// The buckets, oldest first; every list has one entry per bucket.
    pub buckets: Vec<TrendBucket>,
    /// All tickets opened in each bucket.
    pub tickets: Vec<i64>,
    /// The reasons with the most tickets over the whole window (then by
    /// reason), at most `first`.
    pub reasons: Vec<ContactReasonSeries>,
}

impl ContactReasonTrend {
    pub fn new(points: Vec<(Bucket, Vec<ReasonCounts>)>, first: usize) -> ContactReasonTrend {
        let totals: Vec<i64> = points
            .iter()
            .map(|(_, counts)| counts.iter().map(|c| c.tickets).sum())
            .collect();
        let mut by_reason: HashMap<&str, Vec<Option<&ReasonCounts>>> = HashMap::new();
        for (i, (_, counts)) in points.iter().enumerate() {
            for c in counts {
                by_reason
                    .entry(c.reason.as_str())
                    .or_insert_with(|| vec![None; points.len()])[i] = Some(c);
            }
        }
        let mut reasons: Vec<ContactReasonSeries> = by_reason
            .into_iter()
            .map(|(reason, cells)| ContactReasonSeries {
                reason: reason.to_owned(),
                tickets: cells.iter().map(|c| c.map_or(0, |c| c.tickets)).collect(),
                customers: cells.iter().map(|c| c.map_or(0, |c| c.customers)).collect(),
                share: cells
                    .iter()
                    .zip(&totals)
                    .map(|(c, total)| ratio(c.map_or(0, |c| c.tickets), *total))
                    .collect(),
                repeat_rate: cells
                    .iter()
                    .map(|c| c.and_then(|c| ratio(c.repeats, c.tickets)))
                    .collect(),
            })
            .collect();
        let total = |s: &ContactReasonSeries| -> i64 { s.tickets.iter().sum() };
        reasons.sort_by(|a, b| {
            total(b)
                .cmp(&total(a))
                .then_with(|| a.reason.cmp(&b.reason))
        });
        reasons.truncate(first);
        ContactReasonTrend {
            buckets: points.iter().map(|(b, _)| b.into()).collect(),
            tickets: totals,
            reasons,
        }
    }
}

/// One subject of a friction kind, per bucket.
#[derive(SimpleObject)]
pub struct FrictionSeries {
    /// What the subject is (a campaign, a step, a reason ...).
    pub subject: String,
    /// Its stable key, as in `FrictionPoint.subjectKey`.
    pub subject_key: String,
    /// Customers with an exposed item in each bucket.
    pub exposed_customers: Vec<i64>,
    /// Customers with an affected item in each bucket.
    pub affected_customers: Vec<i64>,
    /// affectedCustomers / exposedCustomers per bucket, a fraction (0-1);
    /// null in a bucket where nobody was exposed.
    pub rate: Vec<Option<f64>>,
}

/// A friction kind per bucket: each subject's exposed and affected
/// customers and rate, by the kind's definition applied to each bucket as
/// the window.
#[derive(SimpleObject)]
pub struct FrictionTrend {
    /// The buckets, oldest first; every list has one entry per bucket.
    pub buckets: Vec<TrendBucket>,
    /// The subjects, most affected customers over the window first (then by subject).
    pub subjects: Vec<FrictionSeries>,
}

impl FrictionTrend {
    pub fn new(buckets: &[Bucket], series: Vec<crate::service::friction::FrictionSeries>) -> Self {
        FrictionTrend {
            buckets: buckets.iter().map(Into::into).collect(),
            subjects: series
                .into_iter()
                .map(|s| FrictionSeries {
                    subject: s.subject,
                    subject_key: s.subject_key,
                    exposed_customers: s.exposed_customers,
                    affected_customers: s.affected_customers,
                    rate: s.rate,
                })
                .collect(),
        }
    }
}
