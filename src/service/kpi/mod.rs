//! KPIs (docs/analytics.md). Every statement computes its figure for a list
//! of windows at once, joined to them as a relation (`buckets::push_windows`)
//! and grouped by window: `kpis` asks for the window and the one before it,
//! `kpi_trend` for each bucket of a trend, so a bucket's figure is the
//! window's definition restricted to that bucket by construction, and a
//! trend costs one statement per KPI, not one per bucket. All times are
//! epoch milliseconds, so every comparison is the same integer SQL on SQLite
//! and PostgreSQL; medians are taken in Rust over the per-item durations the
//! database computed.

mod onboarding;
mod scores;
mod tickets;

use super::buckets::{self, Bucket, Width};
use super::sql::SqlBuilder;
use super::window::{Window, median, ratio};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::time::now_millis;
use sea_orm::{DatabaseConnection, QueryResult, Statement};

/// SLA targets by priority, from opened_at to resolved_at.
pub const SLA_HOURS: [(&str, i64); 4] = [("URGENT", 4), ("HIGH", 24), ("NORMAL", 72), ("LOW", 168)];

/// Every KPI of one window (None where its denominator is empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KpiFigures {
    pub contact_rate: Option<f64>,
    pub csat_percent: Option<f64>,
    pub csat_rate: Option<f64>,
    pub csat_average: Option<f64>,
    pub nps: Option<f64>,
    pub ces_average: Option<f64>,
    pub fcr_rate: Option<f64>,
    pub repeat_contact_rate: Option<f64>,
    pub median_first_response_hours: Option<f64>,
    pub median_resolution_hours: Option<f64>,
    pub sla_attainment: Option<f64>,
    pub median_time_to_value_days: Option<f64>,
    pub onboarding_completion_rate: Option<f64>,
}

/// Which KPIs a request asks for, by the statements that compute them:
/// one KPI costs its statement (`contact_rate` two), not all eight (the
/// figures not asked for stay None).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub contact_rate: bool,
    /// CSAT (percent, rate, average), NPS and CES.
    pub scores: bool,
    pub fcr: bool,
    pub repeat_contact: bool,
    /// Median first response and resolution, SLA attainment.
    pub ticket_times: bool,
    pub time_to_value: bool,
    pub onboarding_completion: bool,
}

impl Wanted {
    /// Every KPI.
    pub const ALL: Wanted = Wanted {
        contact_rate: true,
        scores: true,
        fcr: true,
        repeat_contact: true,
        ticket_times: true,
        time_to_value: true,
        onboarding_completion: true,
    };

    /// The KPIs whose GraphQL field names `selected` says yes to.
    pub fn of_fields(selected: impl Fn(&str) -> bool) -> Wanted {
        let any = |names: &[&str]| names.iter().any(|n| selected(n));
        Wanted {
            contact_rate: any(&["contactRate"]),
            scores: any(&[
                "csatPercent",
                "csatRate",
                "csatAverage",
                "nps",
                "cesAverage",
            ]),
            fcr: any(&["fcrRate"]),
            repeat_contact: any(&["repeatContactRate"]),
            ticket_times: any(&[
                "medianFirstResponseHours",
                "medianResolutionHours",
                "slaAttainment",
            ]),
            time_to_value: any(&["medianTimeToValueDays"]),
            onboarding_completion: any(&["onboardingCompletionRate"]),
        }
    }
}

/// The KPIs of `window` and of the window before it.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn kpis(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    segment: Option<&str>,
    wanted: Wanted,
) -> AppResult<(KpiFigures, KpiFigures)> {
    viewer.require_analytics()?;
    let scope = Scope::new(db, viewer, segment);
    let mut both = scope
        .figures(&[window, window.previous(now_millis())], wanted)
        .await?
        .into_iter();
    let current = both.next().unwrap_or_default();
    Ok((current, both.next().unwrap_or_default()))
}

/// The KPIs of each `width` bucket of `window`, oldest first.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn kpi_trend(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    width: Width,
    segment: Option<&str>,
    wanted: Wanted,
) -> AppResult<Vec<(Bucket, KpiFigures)>> {
    viewer.require_analytics()?;
    let found = buckets::buckets(window, width, now_millis())?;
    let windows: Vec<Window> = found.iter().map(|b| b.window).collect();
    let figures = Scope::new(db, viewer, segment)
        .figures(&windows, wanted)
        .await?;
    Ok(found.into_iter().zip(figures).collect())
}

/// What `figures` gives when `wanted`, else nothing (it is not run).
async fn when<T>(
    wanted: bool,
    figures: impl std::future::Future<Output = AppResult<Vec<T>>>,
) -> AppResult<Vec<T>> {
    if wanted {
        figures.await
    } else {
        Ok(Vec::new())
    }
}

/// Who and what one KPI request reads.
struct Scope<'a> {
    db: &'a DatabaseConnection,
    org: i64,
    segment: Option<&'a str>,
}

/// Integer column `column` of `row` (0 when null).
fn int(row: &QueryResult, column: &str) -> i64 {
    row.try_get_by::<Option<i64>, _>(column)
        .ok()
        .flatten()
        .unwrap_or(0)
}

impl<'a> Scope<'a> {
    fn new(db: &'a DatabaseConnection, viewer: &Viewer, segment: Option<&'a str>) -> Self {
        Scope {
            db,
            org: viewer.org_id,
            segment,
        }
    }

    fn sql(&self) -> SqlBuilder {
        SqlBuilder::new(self.db.get_database_backend())
    }

    /// `JOIN customer c ... WHERE alias.org_id = ? AND c.org_id = ? [AND c.segment = ?]`
    fn filter(&self, sql: &mut SqlBuilder, alias: &str) {
        sql.push(&format!(
            " JOIN customer c ON c.id = {alias}.customer_id WHERE {alias}.org_id = "
        ))
        .bind(self.org);
        sql.push(" AND c.org_id = ").bind(self.org);
        if let Some(segment) = self.segment {
            sql.push(" AND c.segment = ").bind(segment.to_owned());
        }
    }

    /// [`buckets::per_window`] on this request's database.
    async fn per_window<T: Default + Clone>(
        &self,
        stmt: Statement,
        n: usize,
        f: impl FnMut(&mut T, &QueryResult),
    ) -> AppResult<Vec<T>> {
        buckets::per_window(self.db, stmt, n, f).await
    }

    /// Runs `stmt` and answers `part / whole` of each window from the
    /// columns of those names (None where `whole` is 0 or the window has no row).
    async fn ratios(
        &self,
        stmt: Statement,
        n: usize,
        part: &str,
        whole: &str,
    ) -> AppResult<Vec<Option<f64>>> {
        let counts = self
            .per_window(stmt, n, |c: &mut (i64, i64), row| {
                *c = (int(row, part), int(row, whole));
            })
            .await?;
        Ok(counts.into_iter().map(|(p, w)| ratio(p, w)).collect())
    }

    /// The `wanted` KPIs of each of `windows`; their statements run at
    /// once (on separate pool connections), so the slowest one sets the
    /// pace. A KPI not wanted runs nothing and stays None.
    async fn figures(&self, windows: &[Window], wanted: Wanted) -> AppResult<Vec<KpiFigures>> {
        let (contact_rate, scores, fcr, repeat, ticket_times, time_to_value, completion) = futures::try_join!(
            when(wanted.contact_rate, self.contact_rate(windows)),
            when(wanted.scores, self.scores(windows)),
            when(wanted.fcr, self.fcr(windows)),
            when(wanted.repeat_contact, self.repeat_contact(windows)),
            when(wanted.ticket_times, self.ticket_times(windows)),
            when(wanted.time_to_value, self.time_to_value(windows)),
            when(
                wanted.onboarding_completion,
                self.onboarding_completion(windows)
            ),
        )?;
        let mut figures = Vec::with_capacity(windows.len());
        for i in 0..windows.len() {
            let s = scores.get(i).cloned().unwrap_or_default();
            let t = ticket_times.get(i).cloned().unwrap_or_default();
            let at = |v: &Vec<Option<f64>>| v.get(i).copied().flatten();
            figures.push(KpiFigures {
                contact_rate: at(&contact_rate),
                csat_percent: s.csat_percent(),
                csat_rate: s.csat_rate(),
                csat_average: s.csat_average(),
                nps: s.nps(),
                ces_average: s.ces_average(),
                fcr_rate: at(&fcr),
                repeat_contact_rate: at(&repeat),
                median_first_response_hours: median(t.first_responses),
                median_resolution_hours: median(t.resolutions),
                sla_attainment: ratio(t.sla_met, t.sla_decided),
                median_time_to_value_days: median(
                    time_to_value.get(i).cloned().unwrap_or_default(),
                ),
                onboarding_completion_rate: at(&completion),
            });
        }
        Ok(figures)
    }
}
