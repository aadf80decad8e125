//! Onboarding: step definitions and customers' progress through them.
//! Progress is mutable; events step_started, step_completed.

use super::identity::Key;
use super::records::{CustomerRef, ProgressRecord, StepDefinition};
use super::store::LifecycleEvent;
use super::typed::{TypedInput, typed_plumbing, typed_row};
use crate::domain::{Department, RecordKind};
use crate::error::{AppError, AppResult};
use entity::{onboarding_progress, onboarding_step};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

typed_row!(onboarding_progress);

/// Checks step definitions: keys and names present, positions >= 1 and
/// distinct, expected days 1..=365.
pub fn validate_steps(steps: &[StepDefinition]) -> AppResult<()> {
    if steps.is_empty() || steps.len() > 100 {
        return Err(AppError::bad_input("steps", "define 1 to 100 steps"));
    }
    let mut positions = std::collections::HashSet::new();
    for (i, step) in steps.iter().enumerate() {
        let bad = |field: &str, message: &str| {
            AppError::bad_input(format!("steps[{i}].{field}"), message)
        };
        if step.key.trim().is_empty() || step.key.len() > 200 || step.key.contains('\0') {
            return Err(bad("key", "must be 1-200 characters"));
        }
        if step.name.trim().is_empty()
            || step.name.chars().count() > 500
            || step.name.contains('\0')
        {
            return Err(bad("name", "must be 1-500 characters"));
        }
        if step.position < 1 || !positions.insert(step.position) {
            return Err(bad("position", "must be >= 1 and unique"));
        }
        if !(1..=365).contains(&step.expected_days) {
            return Err(bad("expectedDays", "must be 1..=365"));
        }
    }
    Ok(())
}

/// The org's steps by key.
pub struct StepsByKey(pub HashMap<String, onboarding_step::Model>);

/// Creates or updates step definitions by key; returns all steps in order.
pub async fn define_steps<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    steps: &[StepDefinition],
) -> AppResult<Vec<onboarding_step::Model>> {
    let existing = load_steps(db, org_id).await?;
    let mut redefined = false;
    for step in steps {
        match existing.0.get(&step.key) {
            Some(old)
                if (&old.name, old.position, old.expected_days)
                    != (&step.name, step.position, step.expected_days) =>
            {
                let mut row = old.clone().into_active_model();
                row.name = Set(step.name.clone());
                row.position = Set(step.position);
                row.expected_days = Set(step.expected_days);
                row.update(db).await?;
                redefined = true;
            }
            Some(_) => {}
            None => {
                onboarding_step::ActiveModel {
                    id: NotSet,
                    org_id: Set(org_id),
                    key: Set(step.key.clone()),
                    name: Set(step.name.clone()),
                    position: Set(step.position),
                    expected_days: Set(step.expected_days),
                }
                .insert(db)
                .await?;
            }
        }
    }
    if redefined {
        // Every onboarding event shows its step as it is now.
        crate::service::records::refresh_kind(db, org_id, RecordKind::Onboarding).await?;
    }
    Ok(onboarding_step::Entity::find()
        .filter(onboarding_step::Column::OrgId.eq(org_id))
        .order_by_asc(onboarding_step::Column::Position)
        .all(db)
        .await?)
}

/// The org's step definitions by key.
pub async fn load_steps<C: ConnectionTrait>(db: &C, org_id: i64) -> AppResult<StepsByKey> {
    let steps = onboarding_step::Entity::find()
        .filter(onboarding_step::Column::OrgId.eq(org_id))
        .all(db)
        .await?;
    Ok(StepsByKey(
        steps.into_iter().map(|s| (s.key.clone(), s)).collect(),
    ))
}

impl TypedInput for ProgressRecord {
    type Entity = onboarding_progress::Entity;
    type Model = onboarding_progress::Model;
    type Active = onboarding_progress::ActiveModel;
    type Context = StepsByKey;
    const KIND: Option<RecordKind> = Some(RecordKind::Onboarding);
    const MUTABLE: bool = true;
    typed_plumbing!();

    fn build(
        &self,
        path: &str,
        org_id: i64,
        customer_id: i64,
        now: i64,
        steps: &StepsByKey,
    ) -> AppResult<onboarding_progress::Model> {
        let step = steps.0.get(&self.step_key).ok_or_else(|| {
            AppError::bad_input(
                format!("{path}.stepKey"),
                format!(
                    "unknown onboarding step {:?}; define it first",
                    self.step_key
                ),
            )
        })?;
        Ok(onboarding_progress::Model {
            id: 0,
            org_id,
            customer_id,
            step_id: step.id,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            started_at: self.started_at,
            completed_at: self.completed_at,
            updated_at: now,
        })
    }

    fn same(new: &onboarding_progress::Model, old: &onboarding_progress::Model) -> bool {
        onboarding_progress::Model {
            id: old.id,
            updated_at: old.updated_at,
            ..new.clone()
        } == *old
    }

    fn events(m: &onboarding_progress::Model, _: &StepsByKey) -> Vec<LifecycleEvent> {
        let event = |kind, occurred_at| LifecycleEvent {
            kind,
            occurred_at,
            department: Department::Onboarding,
            channel: None,
        };
        let mut events = vec![event("step_started", m.started_at)];
        if let Some(at) = m.completed_at {
            events.push(event("step_completed", at));
        }
        events
    }
}
