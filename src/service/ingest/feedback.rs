//! Survey responses (immutable). What a response is about is named by the
//! partner key of that record and resolved once per batch. Event
//! feedback_given, in the department of its subject.

use super::identity::Key;
use super::onboarding::load_steps;
use super::records::{CustomerRef, FeedbackAbout, FeedbackRecord};
use super::store::{LifecycleEvent, load_ids};
use super::typed::{TypedInput, typed_plumbing, typed_row};
use crate::domain::{FeedbackSubject, RecordKind};
use crate::error::{AppError, AppResult};
use entity::{campaign, deal, feedback, ticket};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

typed_row!(feedback);

/// Ids of the subjects a batch refers to.
#[derive(Default)]
pub struct Subjects {
    tickets: HashMap<Key, i64>,
    deals: HashMap<Key, i64>,
    campaigns: HashMap<Key, i64>,
    steps: HashMap<String, i64>,
}

/// Resolves every subject the batch names (unknown ones stay absent and are
/// reported by `build` with the record's path).
pub async fn resolve_subjects<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    records: &[FeedbackRecord],
) -> AppResult<Subjects> {
    let (mut tickets, mut deals, mut campaigns) = (Vec::new(), Vec::new(), Vec::new());
    for r in records {
        match &r.about {
            FeedbackAbout::Ticket {
                source,
                external_id,
            } => tickets.push((source.clone(), external_id.clone())),
            FeedbackAbout::Deal {
                source,
                external_id,
            } => deals.push((source.clone(), external_id.clone())),
            FeedbackAbout::Campaign {
                source,
                external_id,
            } => campaigns.push((source.clone(), external_id.clone())),
            FeedbackAbout::OnboardingStep { .. } | FeedbackAbout::Nothing => {}
        }
    }
    Ok(Subjects {
        tickets: load_ids::<ticket::Entity, C>(db, org_id, &tickets).await?,
        deals: load_ids::<deal::Entity, C>(db, org_id, &deals).await?,
        campaigns: load_ids::<campaign::Entity, C>(db, org_id, &campaigns).await?,
        steps: load_steps(db, org_id)
            .await?
            .0
            .into_iter()
            .map(|(k, s)| (k, s.id))
            .collect(),
    })
}

/// The id of the subject `key` names in `ids`, or BAD_USER_INPUT at `path`.
fn subject_id(
    ids: &HashMap<Key, i64>,
    source: &str,
    external_id: &str,
    what: &str,
    path: &str,
) -> AppResult<i64> {
    ids.get(&(source.to_owned(), external_id.to_owned()))
        .copied()
        .ok_or_else(|| unknown_subject(what, path))
}

fn unknown_subject(what: &str, path: &str) -> AppError {
    AppError::bad_input(
        format!("{path}.about"),
        format!("unknown {what}; send it first"),
    )
}

impl TypedInput for FeedbackRecord {
    type Entity = feedback::Entity;
    type Model = feedback::Model;
    type Active = feedback::ActiveModel;
    type Context = Subjects;
    const KIND: Option<RecordKind> = Some(RecordKind::Feedback);
    const MUTABLE: bool = false;
    typed_plumbing!();

    fn build(
        &self,
        path: &str,
        org_id: i64,
        customer_id: i64,
        _now: i64,
        subjects: &Subjects,
    ) -> AppResult<feedback::Model> {
        let (mut ticket_id, mut step_id, mut campaign_id, mut deal_id) = (None, None, None, None);
        let subject = match &self.about {
            FeedbackAbout::Ticket {
                source,
                external_id,
            } => {
                ticket_id = Some(subject_id(
                    &subjects.tickets,
                    source,
                    external_id,
                    "ticket",
                    path,
                )?);
                FeedbackSubject::Ticket
            }
            FeedbackAbout::Deal {
                source,
                external_id,
            } => {
                deal_id = Some(subject_id(
                    &subjects.deals,
                    source,
                    external_id,
                    "deal",
                    path,
                )?);
                FeedbackSubject::Deal
            }
            FeedbackAbout::Campaign {
                source,
                external_id,
            } => {
                campaign_id = Some(subject_id(
                    &subjects.campaigns,
                    source,
                    external_id,
                    "campaign",
                    path,
                )?);
                FeedbackSubject::Campaign
            }
            FeedbackAbout::OnboardingStep { key } => {
                let id = subjects.steps.get(key).copied();
                step_id = Some(id.ok_or_else(|| unknown_subject("onboarding step", path))?);
                FeedbackSubject::OnboardingStep
            }
            FeedbackAbout::Nothing => FeedbackSubject::None,
        };
        Ok(feedback::Model {
            id: 0,
            org_id,
            customer_id,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            metric: self.metric.as_str().to_owned(),
            score: self.score,
            comment: self.comment.clone(),
            occurred_at: self.occurred_at,
            subject_kind: subject.as_str().to_owned(),
            ticket_id,
            step_id,
            campaign_id,
            deal_id,
        })
    }

    fn same(new: &feedback::Model, old: &feedback::Model) -> bool {
        feedback::Model {
            id: old.id,
            ..new.clone()
        } == *old
    }

    fn events(m: &feedback::Model, _: &Subjects) -> Vec<LifecycleEvent> {
        let subject: FeedbackSubject = m.subject_kind.parse().unwrap_or(FeedbackSubject::None);
        vec![LifecycleEvent {
            kind: "feedback_given",
            occurred_at: m.occurred_at,
            department: subject.department(),
            channel: None,
        }]
    }
}
