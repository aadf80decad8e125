//! Marketing: campaign deliveries (immutable); a campaign is created on first
//! sight of its external id. Events campaign_delivered / _opened / _clicked.

use super::identity::Key;
use super::records::{CustomerRef, DeliveryRecord};
use super::store::{LifecycleEvent, PartnerKeyed, load_existing};
use super::typed::{TypedInput, typed_plumbing, typed_row};
use crate::domain::{Department, RecordKind};
use crate::error::AppResult;
use entity::{campaign, campaign_delivery};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, Set};
use std::collections::HashMap;

typed_row!(campaign_delivery);

impl PartnerKeyed for campaign::Model {
    fn partner_key(&self) -> Key {
        (self.source.clone(), self.external_id.clone())
    }
    fn row_id(&self) -> i64 {
        self.id
    }
}

/// Campaigns of a batch by (source, external id), and their channel by id.
pub struct Campaigns {
    by_key: HashMap<Key, i64>,
    channel_by_id: HashMap<i64, String>,
}

/// Creates the campaigns a batch names that do not exist yet; returns all of them.
pub async fn ensure_campaigns<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    records: &[DeliveryRecord],
) -> AppResult<Campaigns> {
    let mut wanted: HashMap<Key, &DeliveryRecord> = HashMap::new();
    for r in records {
        wanted
            .entry((r.source.clone(), r.campaign_external_id.clone()))
            .or_insert(r);
    }
    let rows: Vec<campaign::ActiveModel> = wanted
        .iter()
        .map(|((source, external_id), r)| campaign::ActiveModel {
            id: NotSet,
            org_id: Set(org_id),
            source: Set(source.clone()),
            external_id: Set(external_id.clone()),
            name: Set(r.campaign_name.clone()),
            channel: Set(r.campaign_channel.clone()),
        })
        .collect();
    for chunk in super::store::chunked(rows) {
        campaign::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    campaign::Column::OrgId,
                    campaign::Column::Source,
                    campaign::Column::ExternalId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    let keys: Vec<Key> = wanted.into_keys().collect();
    let found = load_existing::<campaign::Entity, C>(db, org_id, &keys).await?;
    Ok(Campaigns {
        channel_by_id: found.values().map(|c| (c.id, c.channel.clone())).collect(),
        by_key: found.into_iter().map(|(k, c)| (k, c.id)).collect(),
    })
}

impl TypedInput for DeliveryRecord {
    type Entity = campaign_delivery::Entity;
    type Model = campaign_delivery::Model;
    type Active = campaign_delivery::ActiveModel;
    type Context = Campaigns;
    const KIND: Option<RecordKind> = Some(RecordKind::Campaign);
    const MUTABLE: bool = false;
    typed_plumbing!();

    fn build(
        &self,
        path: &str,
        org_id: i64,
        customer_id: i64,
        _now: i64,
        campaigns: &Campaigns,
    ) -> AppResult<campaign_delivery::Model> {
        let campaign_id = *campaigns
            .by_key
            .get(&(self.source.clone(), self.campaign_external_id.clone()))
            .ok_or_else(|| anyhow::anyhow!("campaign of {path} was not created"))?;
        Ok(campaign_delivery::Model {
            id: 0,
            org_id,
            customer_id,
            campaign_id,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            delivered_at: self.delivered_at,
            opened_at: self.opened_at,
            clicked_at: self.clicked_at,
        })
    }

    fn same(new: &campaign_delivery::Model, old: &campaign_delivery::Model) -> bool {
        campaign_delivery::Model {
            id: old.id,
            ..new.clone()
        } == *old
    }

    fn events(m: &campaign_delivery::Model, campaigns: &Campaigns) -> Vec<LifecycleEvent> {
        let channel = campaigns.channel_by_id.get(&m.campaign_id).cloned();
        let event = |kind, occurred_at| LifecycleEvent {
            kind,
            occurred_at,
            department: Department::Marketing,
            channel: channel.clone(),
        };
        let mut events = vec![event("campaign_delivered", m.delivered_at)];
        if let Some(at) = m.opened_at {
            events.push(event("campaign_opened", at));
        }
        if let Some(at) = m.clicked_at {
            events.push(event("campaign_clicked", at));
        }
        events
    }
}
