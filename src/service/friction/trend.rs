//! `frictionTrend`: one kind's exposed and affected customers and rate per
//! bucket of a window, by subject. The kind's items for every bucket come
//! from one read of the whole span ([`Span`]), each judged at its own
//! bucket's as-of time, so a bucket's figures are the ones `frictionPoints`
//! answers for that bucket as its window. One deviation: a CHANNEL_SWITCH
//! subject ("A->B") exists in every bucket once some ticket switched along
//! it anywhere in the window, so a bucket without a switch has rate 0 for
//! it rather than no row.

use super::span::Span;
use super::{
    Item, Params, channel_switch, items, repeat_contact, slow_resolution, support_tickets,
};
use crate::auth::Viewer;
use crate::domain::FrictionKind;
use crate::error::AppResult;
use crate::service::buckets::{Bucket, Width, buckets};
use crate::service::window::{Window, ratio};
use crate::time::{HOUR_MS, now_millis};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, HashSet};

/// One subject of a kind, per bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct FrictionSeries {
    pub subject: String,
    pub subject_key: String,
    pub exposed_customers: Vec<i64>,
    pub affected_customers: Vec<i64>,
    /// affected / exposed customers; None where nobody was exposed.
    pub rate: Vec<Option<f64>>,
}

/// The items of `kind` over every window of `span`.
async fn span_items(
    db: &DatabaseConnection,
    org: i64,
    p: &Params,
    kind: FrictionKind,
    span: Span<'_>,
) -> AppResult<Vec<Item>> {
    let lookback = match kind {
        FrictionKind::RepeatContact => p.repeat_contact_hours * HOUR_MS,
        FrictionKind::ChannelSwitch => p.channel_switch_hours * HOUR_MS,
        FrictionKind::SlowResolution => 0,
        _ => return items(db, org, p, kind, span).await,
    };
    let rows = support_tickets::tickets(db, org, span, lookback).await?;
    Ok(match kind {
        FrictionKind::RepeatContact => repeat_contact::items(&rows, lookback).collect(),
        FrictionKind::SlowResolution => slow_resolution::items(&rows, span).collect(),
        _ => {
            let subjects = channel_switch::subjects(&rows, lookback);
            channel_switch::items(&rows, lookback, &subjects).collect()
        }
    })
}

/// Exposed and affected customers of one subject, per window.
struct Tally {
    subject: String,
    exposed: Vec<HashSet<i64>>,
    affected: Vec<HashSet<i64>>,
}

/// The series of `kind` per `width` bucket of `window`: every subject, or
/// only `subject_key`; most affected customers over the window first (then
/// by subject), at most `first`.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip(db, viewer, params), fields(org = viewer.org_id))]
pub async fn friction_trend(
    db: &DatabaseConnection,
    viewer: &Viewer,
    window: Window,
    width: Width,
    kind: FrictionKind,
    subject_key: Option<&str>,
    params: &Params,
    first: usize,
) -> AppResult<(Vec<Bucket>, Vec<FrictionSeries>)> {
    viewer.require_analytics()?;
    let found = buckets(window, width, now_millis())?;
    let windows: Vec<Window> = found.iter().map(|b| b.window).collect();
    let n = windows.len();
    let items = span_items(db, viewer.org_id, params, kind, Span::new(&windows)).await?;
    let mut by_subject: BTreeMap<String, Tally> = BTreeMap::new();
    for item in items {
        if subject_key.is_some_and(|key| key != &*item.subject_key) || item.window >= n {
            continue;
        }
        let t = by_subject
            .entry(item.subject_key.to_string())
            .or_insert_with(|| Tally {
                subject: item.subject.to_string(),
                exposed: vec![HashSet::new(); n],
                affected: vec![HashSet::new(); n],
            });
        t.exposed[item.window].insert(item.customer_id);
        if item.affected {
            t.affected[item.window].insert(item.customer_id);
        }
    }
    let mut series: Vec<FrictionSeries> = by_subject
        .into_iter()
        .map(|(key, t)| {
            let exposed: Vec<i64> = t.exposed.iter().map(|s| s.len() as i64).collect();
            let affected: Vec<i64> = t.affected.iter().map(|s| s.len() as i64).collect();
            FrictionSeries {
                rate: affected
                    .iter()
                    .zip(&exposed)
                    .map(|(a, e)| ratio(*a, *e))
                    .collect(),
                subject: t.subject,
                subject_key: key,
                exposed_customers: exposed,
                affected_customers: affected,
            }
        })
        .collect();
    let total = |s: &FrictionSeries| -> i64 { s.affected_customers.iter().sum() };
    series.sort_by(|a, b| {
        total(b)
            .cmp(&total(a))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    series.truncate(first);
    Ok((found, series))
}
