//! The typed records behind journey events, loaded in one `IN` query per
//! table for a whole page of touchpoints.

use crate::domain::RecordKind;
use crate::error::AppResult;
use entity::{
    campaign, campaign_delivery, deal, feedback, onboarding_progress, onboarding_step,
    outreach_task, ticket, touchpoint,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;

/// The typed record a touchpoint came from.
#[derive(Clone, Debug)]
pub enum TypedRecord {
    Deal(Arc<deal::Model>),
    Onboarding(Arc<onboarding_progress::Model>, Arc<onboarding_step::Model>),
    Campaign(Arc<campaign_delivery::Model>, Arc<campaign::Model>),
    Ticket(Arc<ticket::Model>),
    Feedback(Arc<feedback::Model>),
    Outreach(Arc<outreach_task::Model>),
}

/// Records by (kind, id).
#[derive(Default)]
pub struct RecordSet {
    records: HashMap<(RecordKind, i64), TypedRecord>,
}

impl RecordSet {
    /// The record a touchpoint's `(record_kind, record_id)` names.
    pub fn get(&self, kind: &str, id: i64) -> Option<TypedRecord> {
        let kind = kind.parse().ok()?;
        self.records.get(&(kind, id)).cloned()
    }
}

fn ids_of(rows: &[touchpoint::Model], kind: RecordKind) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.record_kind.as_deref() == Some(kind.as_str()))
        .filter_map(|r| r.record_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

macro_rules! load_by_ids {
    ($db:expr, $org:expr, $entity:ident, $ids:expr) => {
        if $ids.is_empty() {
            Vec::new()
        } else {
            $entity::Entity::find()
                .filter($entity::Column::OrgId.eq($org))
                .filter($entity::Column::Id.is_in($ids.iter().copied()))
                .all($db)
                .await?
        }
    };
}

/// Loads every typed record the touchpoints reference (org-filtered).
pub async fn load(
    db: &DatabaseConnection,
    org_id: i64,
    rows: &[touchpoint::Model],
) -> AppResult<RecordSet> {
    let mut set = RecordSet::default();
    let mut put = |kind: RecordKind, id: i64, record: TypedRecord| {
        set.records.insert((kind, id), record);
    };

    let deal_ids = ids_of(rows, RecordKind::Deal);
    for d in load_by_ids!(db, org_id, deal, deal_ids) {
        put(RecordKind::Deal, d.id, TypedRecord::Deal(Arc::new(d)));
    }
    let ticket_ids = ids_of(rows, RecordKind::Ticket);
    for t in load_by_ids!(db, org_id, ticket, ticket_ids) {
        put(RecordKind::Ticket, t.id, TypedRecord::Ticket(Arc::new(t)));
    }
    let feedback_ids = ids_of(rows, RecordKind::Feedback);
    for f in load_by_ids!(db, org_id, feedback, feedback_ids) {
        put(
            RecordKind::Feedback,
            f.id,
            TypedRecord::Feedback(Arc::new(f)),
        );
    }
    let outreach_ids = ids_of(rows, RecordKind::Outreach);
    for o in load_by_ids!(db, org_id, outreach_task, outreach_ids) {
        put(
            RecordKind::Outreach,
            o.id,
            TypedRecord::Outreach(Arc::new(o)),
        );
    }

    let progress_ids = ids_of(rows, RecordKind::Onboarding);
    let progress = load_by_ids!(db, org_id, onboarding_progress, progress_ids);
    let step_ids: Vec<i64> = progress.iter().map(|p| p.step_id).collect();
    let steps: HashMap<i64, Arc<onboarding_step::Model>> =
        load_by_ids!(db, org_id, onboarding_step, step_ids)
            .into_iter()
            .map(|s| (s.id, Arc::new(s)))
            .collect();
    for p in progress {
        if let Some(step) = steps.get(&p.step_id) {
            let step = step.clone();
            put(
                RecordKind::Onboarding,
                p.id,
                TypedRecord::Onboarding(Arc::new(p), step),
            );
        }
    }

    let delivery_ids = ids_of(rows, RecordKind::Campaign);
    let deliveries = load_by_ids!(db, org_id, campaign_delivery, delivery_ids);
    let campaign_ids: Vec<i64> = deliveries.iter().map(|d| d.campaign_id).collect();
    let campaigns: HashMap<i64, Arc<campaign::Model>> =
        load_by_ids!(db, org_id, campaign, campaign_ids)
            .into_iter()
            .map(|c| (c.id, Arc::new(c)))
            .collect();
    for d in deliveries {
        if let Some(c) = campaigns.get(&d.campaign_id) {
            let c = c.clone();
            put(
                RecordKind::Campaign,
                d.id,
                TypedRecord::Campaign(Arc::new(d), c),
            );
        }
    }
    Ok(set)
}
