//! Frontline insights (the signal from the people closest to customers): notes people
//! attach to a customer and/or a friction point (kind + subject key), with
//! votes. One vote per person per insight, enforced by a unique key. People
//! only: insights are free text and may name customers, so partner tokens
//! (even `analytics:read`) are refused.

use super::customer;
use super::ingest::validate::{Check, MAX_COMMENT, MAX_NAME};
use super::page::{Page, count_if};
use crate::auth::Viewer;
use crate::domain::FrictionKind;
use crate::error::{AppError, AppResult};
use crate::time::now_millis;
use entity::{insight, insight_vote};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashMap;

/// What a new insight is attached to.
#[derive(Clone, Debug, Default)]
pub struct NewInsight {
    pub text: String,
    pub customer_id: Option<i64>,
    pub friction_kind: Option<FrictionKind>,
    /// Subject key of the friction point (e.g. a reason or a campaign id).
    pub subject: Option<String>,
}

/// Filters of `insights(...)`.
#[derive(Clone, Debug, Default)]
pub struct InsightFilter {
    pub customer_id: Option<i64>,
    pub friction_kind: Option<FrictionKind>,
    pub subject: Option<String>,
}

/// `addInsight`: people of any role.
#[tracing::instrument(skip(db, viewer, new), fields(org = viewer.org_id))]
pub async fn add(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewInsight,
) -> AppResult<insight::Model> {
    viewer.require_person()?;
    let check = Check::arguments(now_millis());
    check.text("text", &new.text, MAX_COMMENT)?;
    check.optional_text("subject", new.subject.as_deref(), MAX_NAME)?;
    if new.subject.is_some() && new.friction_kind.is_none() {
        return Err(AppError::bad_input(
            "subject",
            "a subject belongs to a friction kind; give frictionKind too",
        ));
    }
    // A merged customer's id attaches the note to its survivor.
    let customer_id = match new.customer_id {
        Some(id) => Some(customer::get(db, viewer, id).await?.id),
        None => None,
    };
    let row = insight::ActiveModel {
        id: NotSet,
        org_id: Set(viewer.org_id),
        author: Set(viewer.principal_name()),
        text: Set(new.text),
        customer_id: Set(customer_id),
        friction_kind: Set(new.friction_kind.map(|k| k.as_str().to_owned())),
        subject: Set(new.subject),
        votes: Set(0),
        created_at: Set(now_millis()),
    };
    Ok(insight::Entity::insert(row).exec_with_returning(db).await?)
}

/// `voteInsight`: one vote per person; voting again changes nothing.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn vote(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> AppResult<insight::Model> {
    viewer.require_person()?;
    let txn = db.begin().await?;
    find(&txn, viewer.org_id, id).await?;
    insight_vote::Entity::insert(insight_vote::ActiveModel {
        id: NotSet,
        org_id: Set(viewer.org_id),
        insight_id: Set(id),
        voter: Set(viewer.principal_name()),
        created_at: Set(now_millis()),
    })
    .on_conflict(
        OnConflict::columns([
            insight_vote::Column::OrgId,
            insight_vote::Column::InsightId,
            insight_vote::Column::Voter,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    // The count is recomputed from the votes, so concurrent voters never lose one.
    let count = insight_vote::Entity::find()
        .filter(insight_vote::Column::OrgId.eq(viewer.org_id))
        .filter(insight_vote::Column::InsightId.eq(id))
        .count(&txn)
        .await?;
    let count = i32::try_from(count).map_err(|e| AppError::Internal(e.into()))?;
    insight::Entity::update_many()
        .col_expr(insight::Column::Votes, Expr::value(count))
        .filter(insight::Column::OrgId.eq(viewer.org_id))
        .filter(insight::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let row = find(&txn, viewer.org_id, id).await?;
    txn.commit().await?;
    Ok(row)
}

/// The insight `id` of the viewer's organization (people only).
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> AppResult<insight::Model> {
    viewer.require_person()?;
    find(db, viewer.org_id, id).await
}

async fn find<C: sea_orm::ConnectionTrait>(db: &C, org: i64, id: i64) -> AppResult<insight::Model> {
    insight::Entity::find()
        .filter(insight::Column::OrgId.eq(org))
        .filter(insight::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("insight"))
}

/// `insights(...)`: most votes first, then newest; keyset after (votes, id).
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &InsightFilter,
    first: u64,
    after: Option<(i32, i64)>,
    count: bool,
) -> AppResult<Page<insight::Model>> {
    viewer.require_person()?;
    let mut query = insight::Entity::find().filter(insight::Column::OrgId.eq(viewer.org_id));
    if let Some(id) = filter.customer_id {
        let survivor = customer::get(db, viewer, id).await?.id;
        query = query.filter(insight::Column::CustomerId.eq(survivor));
    }
    if let Some(kind) = filter.friction_kind {
        query = query.filter(insight::Column::FrictionKind.eq(kind.as_str()));
    }
    if let Some(subject) = &filter.subject {
        query = query.filter(insight::Column::Subject.eq(subject.as_str()));
    }
    let total = count_if(count, &query, db).await?;
    if let Some((votes, id)) = after {
        query = query.filter(
            Condition::any().add(insight::Column::Votes.lt(votes)).add(
                Condition::all()
                    .add(insight::Column::Votes.eq(votes))
                    .add(insight::Column::Id.lt(id)),
            ),
        );
    }
    let rows = query
        .order_by_desc(insight::Column::Votes)
        .order_by_desc(insight::Column::Id)
        .limit(first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, first, after.is_some()).with_total(total))
}

/// The insights attached to each (kind, subject key) of `points`, most
/// votes first: what a friction point shows beside its figures.
pub async fn for_points(
    db: &DatabaseConnection,
    org_id: i64,
    points: &[(FrictionKind, String)],
) -> AppResult<HashMap<(FrictionKind, String), Vec<insight::Model>>> {
    let mut out: HashMap<(FrictionKind, String), Vec<insight::Model>> =
        points.iter().map(|p| (p.clone(), Vec::new())).collect();
    let kinds: Vec<&str> = points.iter().map(|(k, _)| k.as_str()).collect();
    let subjects: Vec<&str> = points.iter().map(|(_, s)| s.as_str()).collect();
    for chunk in subjects.chunks(super::ingest::store::MAX_IN_LIST) {
        let rows = insight::Entity::find()
            .filter(insight::Column::OrgId.eq(org_id))
            .filter(insight::Column::FrictionKind.is_in(kinds.iter().copied()))
            .filter(insight::Column::Subject.is_in(chunk.iter().copied()))
            .order_by_desc(insight::Column::Votes)
            .order_by_desc(insight::Column::Id)
            .all(db)
            .await?;
        for row in rows {
            let (Some(kind), Some(subject)) = (&row.friction_kind, &row.subject) else {
                continue;
            };
            let Ok(kind) = kind.parse::<FrictionKind>() else {
                continue;
            };
            if let Some(list) = out.get_mut(&(kind, subject.clone())) {
                list.push(row);
            }
        }
    }
    Ok(out)
}
