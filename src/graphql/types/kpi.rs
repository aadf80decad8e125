//! KPI output and the analytic window input.

use crate::service::kpi::KpiFigures;
use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};

/// A time window `[from, to)`, given either as `from` and `to` or as
/// `lastDays`; states are judged at `min(to, now)`.
#[derive(InputObject)]
pub struct WindowInput {
    /// Start, inclusive (with `to`).
    pub from: Option<DateTime<Utc>>,
    /// End, exclusive (with `from`).
    pub to: Option<DateTime<Utc>>,
    /// Instead of `from` and `to`: the whole UTC days before today, 1..=3660
    /// (`lastDays: 90` is [today 00:00 UTC - 90 days, today 00:00 UTC)).
    pub last_days: Option<i64>,
}

/// One figure in the window and in the previous window of equal length
/// (null where nothing was there to measure).
#[derive(SimpleObject)]
pub struct Kpi {
    /// In the window.
    pub value: Option<f64>,
    /// In the previous window of equal length.
    pub previous: Option<f64>,
    /// value - previous, in the figure's own unit (a change of a fraction is
    /// a fraction: 0.05 is five percentage points); null when either is null.
    pub change: Option<f64>,
}

/// The KPIs (defined in docs/analytics.md).
#[derive(SimpleObject)]
pub struct Kpis {
    /// Tickets opened / active customers (>= 1 touchpoint in the window): tickets per customer, not a share (1.5 = three tickets for every two customers).
    pub contact_rate: Kpi,
    /// CSAT responses scoring 4-5 / all CSAT responses x 100, a percent (0-100).
    #[graphql(deprecation = "a percent where every other share is a fraction: use csatRate")]
    pub csat_percent: Kpi,
    /// CSAT responses scoring 4-5 / all CSAT responses, a fraction (0-1).
    pub csat_rate: Kpi,
    /// Mean CSAT (1-5).
    pub csat_average: Kpi,
    /// % NPS 9-10 minus % NPS 0-6: a score from -100 to 100 (percentage points), not a share.
    pub nps: Kpi,
    /// Mean CES (1-7, 7 = very easy).
    pub ces_average: Kpi,
    /// Tickets resolved with no same-reason ticket within 7 days after / tickets resolved (decided ones), a fraction (0-1).
    pub fcr_rate: Kpi,
    /// Customers with a same-reason ticket within 7 days of an earlier one / customers with a ticket, a fraction (0-1).
    pub repeat_contact_rate: Kpi,
    /// Median hours from opening to first response.
    pub median_first_response_hours: Kpi,
    /// Median hours from opening to resolution.
    pub median_resolution_hours: Kpi,
    /// Decided tickets resolved within SLA (URGENT 4 h, HIGH 24 h, NORMAL 72 h, LOW 168 h) / decided tickets, a fraction (0-1).
    pub sla_attainment: Kpi,
    /// Median days from the first WON deal to completing the last onboarding step.
    pub median_time_to_value_days: Kpi,
    /// Customers who completed every step by T / customers whose first step started in the window, a fraction (0-1).
    pub onboarding_completion_rate: Kpi,
}

impl Kpis {
    pub fn new(current: KpiFigures, previous: KpiFigures) -> Kpis {
        let k = |value: Option<f64>, previous: Option<f64>| Kpi {
            value,
            previous,
            change: value.zip(previous).map(|(v, p)| v - p),
        };
        Kpis {
            contact_rate: k(current.contact_rate, previous.contact_rate),
            csat_percent: k(current.csat_percent, previous.csat_percent),
            csat_rate: k(current.csat_rate, previous.csat_rate),
            csat_average: k(current.csat_average, previous.csat_average),
            nps: k(current.nps, previous.nps),
            ces_average: k(current.ces_average, previous.ces_average),
            fcr_rate: k(current.fcr_rate, previous.fcr_rate),
            repeat_contact_rate: k(current.repeat_contact_rate, previous.repeat_contact_rate),
            median_first_response_hours: k(
                current.median_first_response_hours,
                previous.median_first_response_hours,
            ),
            median_resolution_hours: k(
                current.median_resolution_hours,
                previous.median_resolution_hours,
            ),
            sla_attainment: k(current.sla_attainment, previous.sla_attainment),
            median_time_to_value_days: k(
                current.median_time_to_value_days,
                previous.median_time_to_value_days,
            ),
            onboarding_completion_rate: k(
                current.onboarding_completion_rate,
                previous.onboarding_completion_rate,
            ),
        }
    }
}

/// A share of tickets preceded by a department's touchpoint.
#[derive(SimpleObject)]
pub struct DepartmentShare {
    /// The department of the customer's last non-SUPPORT touchpoint in the 7
    /// days before the ticket; null when there was none.
    pub department: Option<super::enums::Department>,
    /// Share of the reason's tickets, a fraction (0-1).
    pub share: f64,
}

/// Why customers reach out: one ticket reason.
#[derive(SimpleObject)]
pub struct ContactReason {
    /// The contact-reason code.
    pub reason: String,
    /// Tickets opened in the window.
    pub tickets: i64,
    /// Distinct customers who opened them.
    pub customers: i64,
    /// Share of all tickets opened in the window, a fraction (0-1).
    pub share: f64,
    /// The share in the previous window of equal length, a fraction (0-1).
    pub previous_share: Option<f64>,
    /// Median hours to resolution of its resolved tickets.
    pub median_resolution_hours: Option<f64>,
    /// Mean CSAT of responses about these tickets.
    pub csat_average: Option<f64>,
    /// Tickets following an earlier same-reason ticket of the customer within 7 days / tickets, a fraction (0-1).
    pub repeat_rate: f64,
    /// What happened just before, largest share first.
    pub preceded_by: Vec<DepartmentShare>,
}

impl From<crate::service::contact_reasons::ContactReason> for ContactReason {
    fn from(r: crate::service::contact_reasons::ContactReason) -> Self {
        ContactReason {
            reason: r.reason,
            tickets: r.tickets,
            customers: r.customers,
            share: r.share,
            previous_share: r.previous_share,
            median_resolution_hours: r.median_resolution_hours,
            csat_average: r.csat_average,
            repeat_rate: r.repeat_rate,
            preceded_by: r
                .preceded_by
                .into_iter()
                .map(|(department, share)| DepartmentShare {
                    department: department
                        .and_then(|d| d.parse::<crate::domain::Department>().ok())
                        .map(Into::into),
                    share,
                })
                .collect(),
        }
    }
}

/// One cell of the handoff matrix: customers moving from one department's
/// touchpoint to another's.
#[derive(SimpleObject)]
pub struct Handoff {
    /// Department of the earlier touchpoint.
    pub from_department: super::enums::Department,
    /// Department of the later touchpoint (in the window).
    pub to_department: super::enums::Department,
    /// Consecutive-touchpoint transitions.
    pub transitions: i64,
    /// Median hours between the two touchpoints.
    pub median_gap_hours: Option<f64>,
    /// Share of decided transitions followed by a support ticket within 7 days, a fraction (0-1).
    pub followed_by_ticket_share: Option<f64>,
}

/// A department sequence customers took.
#[derive(SimpleObject)]
pub struct JourneyPath {
    /// Departments in order, consecutive repeats collapsed.
    pub departments: Vec<super::enums::Department>,
    /// Customers who took it.
    pub customers: i64,
    /// Share of customers whose first touch is in the window, a fraction (0-1).
    pub share: f64,
}

/// One step of a funnel.
#[derive(SimpleObject)]
pub struct FunnelStep {
    /// Touchpoint kind of the step.
    pub kind: String,
    /// Customers who reached it (decided ones).
    pub customers: i64,
    /// customers / customers of the step before, a fraction (0-1; null for
    /// the first step).
    pub conversion_from_previous: Option<f64>,
    /// customers / customers who entered, a fraction (0-1).
    pub conversion_from_start: Option<f64>,
}
