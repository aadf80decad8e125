//! Proactive outreach (reach customers before they call): the queue
//! of customers with a friction signal active now and no unfinished task for
//! it, the tasks people work (OPEN -> CONTACTED -> RESOLVED | DISMISSED,
//! each change an OutreachEvent on the customer's journey), and whether
//! reaching out prevented contacts.
//!
//! Transitions: OPEN -> CONTACTED | DISMISSED; CONTACTED -> RESOLVED |
//! DISMISSED. At most one unfinished (OPEN or CONTACTED) task per customer
//! and kind, enforced by a partial unique index.

use super::customer;
use super::friction::Params;
use super::ingest::store::{LifecycleEvent, append_lifecycle};
use super::ingest::validate::{Check, MAX_COMMENT, MAX_NAME};
use super::ingest::write_transaction;
use super::page::{Page, count_if};
use super::records;
use super::signals::{self, SIGNAL_KINDS, Scope, Signal, severity};
use super::sql::SqlBuilder;
use super::window::{Window, ratio};
use crate::auth::Viewer;
use crate::domain::{Department, FrictionKind, RecordKind};
use crate::error::{AppError, AppResult};
use crate::time::{DAY_MS, now_millis};
use entity::outreach_task;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
    TransactionTrait,
};
use std::collections::{BTreeMap, HashSet};

/// Days after a flag within which a ticket counts against it (the 14).
pub const EFFECT_DAYS: i64 = 14;

/// Task statuses, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    Contacted,
    Resolved,
    Dismissed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "OPEN",
            Status::Contacted => "CONTACTED",
            Status::Resolved => "RESOLVED",
            Status::Dismissed => "DISMISSED",
        }
    }

    /// The journey event a change to this status writes.
    fn event(self) -> &'static str {
        match self {
            Status::Open => "outreach_opened",
            Status::Contacted => "outreach_contacted",
            Status::Resolved => "outreach_resolved",
            Status::Dismissed => "outreach_dismissed",
        }
    }

    fn parse(stored: &str) -> AppResult<Status> {
        [
            Status::Open,
            Status::Contacted,
            Status::Resolved,
            Status::Dismissed,
        ]
        .into_iter()
        .find(|s| s.as_str() == stored)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown outreach status {stored:?}")))
    }

    fn may_become(self, next: Status) -> bool {
        matches!(
            (self, next),
            (Status::Open, Status::Contacted | Status::Dismissed)
                | (Status::Contacted, Status::Resolved | Status::Dismissed)
        )
    }
}

/// One customer in the queue.
#[derive(Clone, Debug)]
pub struct QueueEntry {
    pub customer: entity::customer::Model,
    /// Sum of the severities of its distinct active kinds.
    pub severity: i64,
    /// severity x annual value, minor units: the queue's order.
    pub priority_cents: i64,
    /// The signals that put it here.
    pub signals: Vec<Signal>,
}

/// `outreachQueue`: customers with active signals whose relationship has
/// not ended, highest priority first, then customer id; keyset after
/// (priority, customer id).
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn queue(
    db: &DatabaseConnection,
    viewer: &Viewer,
    kinds: &[FrictionKind],
    first: u64,
    after: Option<(i64, i64)>,
) -> AppResult<Page<QueueEntry>> {
    viewer.require_journeys_read()?;
    let kinds = if kinds.is_empty() {
        SIGNAL_KINDS
    } else {
        kinds
    };
    let active = signals::active(
        db,
        viewer.org_id,
        Scope::Organization,
        kinds,
        now_millis(),
        &Params::default(),
    )
    .await?;
    let unfinished = unfinished_tasks(db, viewer.org_id).await?;
    let mut by_customer: BTreeMap<i64, Vec<Signal>> = BTreeMap::new();
    for s in active {
        if !unfinished.contains(&(s.customer_id, s.kind.as_str().to_owned())) {
            by_customer.entry(s.customer_id).or_default().push(s);
        }
    }
    let signalled: Vec<i64> = by_customer.keys().copied().collect();
    let ended = relationship_ended(db, viewer.org_id, &signalled).await?;
    by_customer.retain(|id, _| !ended.contains(id));
    let ids: Vec<i64> = by_customer.keys().copied().collect();
    let values = annual_values(db, viewer.org_id, &ids).await?;
    let mut ranked: Vec<(i64, i64, i64)> = by_customer
        .iter()
        .map(|(id, signals)| {
            let kinds: HashSet<FrictionKind> = signals.iter().map(|s| s.kind).collect();
            let severity: i64 = kinds.into_iter().map(severity).sum();
            let value = values.get(id).copied().unwrap_or(0);
            // Values are bounded at ingest; older rows may not be.
            (severity.saturating_mul(value), *id, severity)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let total = ranked.len() as u64;
    if let Some((priority, id)) = after {
        ranked.retain(|(p, c, _)| *p < priority || (*p == priority && *c > id));
    }
    ranked.truncate(first as usize + 1);
    let page_ids: Vec<i64> = ranked.iter().map(|r| r.1).collect();
    let mut customers: BTreeMap<i64, entity::customer::Model> = entity::customer::Entity::find()
        .filter(entity::customer::Column::OrgId.eq(viewer.org_id))
        .filter(entity::customer::Column::Id.is_in(page_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut entries = Vec::with_capacity(ranked.len());
    for (priority_cents, id, severity) in ranked {
        if let Some(customer) = customers.remove(&id) {
            entries.push(QueueEntry {
                customer,
                severity,
                priority_cents,
                signals: by_customer.remove(&id).unwrap_or_default(),
            });
        }
    }
    Ok(Page::from_overfetch(entries, first, after.is_some()).with_total(Some(total)))
}

/// (customer, kind) of the OPEN and CONTACTED tasks.
async fn unfinished_tasks(db: &DatabaseConnection, org: i64) -> AppResult<HashSet<(i64, String)>> {
    let rows: Vec<(i64, String)> = outreach_task::Entity::find()
        .select_only()
        .column(outreach_task::Column::CustomerId)
        .column(outreach_task::Column::FrictionKind)
        .filter(outreach_task::Column::OrgId.eq(org))
        .filter(outreach_task::Column::Status.is_in(["OPEN", "CONTACTED"]))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Which of `ids` no longer have a relationship to save: their latest deal
/// (by opening, then id) was LOST. None of the signal kinds is about a
/// lost deal, so such a customer is not called whatever their signals.
async fn relationship_ended(
    db: &DatabaseConnection,
    org: i64,
    ids: &[i64],
) -> AppResult<HashSet<i64>> {
    let mut latest: BTreeMap<i64, (i64, i64, String)> = BTreeMap::new();
    for chunk in ids.chunks(super::ingest::store::MAX_IN_LIST) {
        let rows: Vec<(i64, i64, i64, String)> = entity::deal::Entity::find()
            .select_only()
            .column(entity::deal::Column::CustomerId)
            .column(entity::deal::Column::OpenedAt)
            .column(entity::deal::Column::Id)
            .column(entity::deal::Column::Outcome)
            .filter(entity::deal::Column::OrgId.eq(org))
            .filter(entity::deal::Column::CustomerId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (customer, opened_at, id, outcome) in rows {
            let newer = latest
                .get(&customer)
                .is_none_or(|(at, seen, _)| (opened_at, id) > (*at, *seen));
            if newer {
                latest.insert(customer, (opened_at, id, outcome));
            }
        }
    }
    Ok(latest
        .into_iter()
        .filter(|(_, (_, _, outcome))| outcome == crate::domain::DealOutcome::Lost.as_str())
        .map(|(customer, _)| customer)
        .collect())
}

async fn annual_values(
    db: &DatabaseConnection,
    org: i64,
    ids: &[i64],
) -> AppResult<BTreeMap<i64, i64>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(super::ingest::store::MAX_IN_LIST) {
        let rows: Vec<(i64, i64)> = entity::customer::Entity::find()
            .select_only()
            .column(entity::customer::Column::Id)
            .column(entity::customer::Column::AnnualValueCents)
            .filter(entity::customer::Column::OrgId.eq(org))
            .filter(entity::customer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// What `createOutreach` asks for.
#[derive(Clone, Debug)]
pub struct NewTask {
    pub customer_id: i64,
    pub kind: FrictionKind,
    pub subject: Option<String>,
    pub owner: Option<String>,
    pub note: Option<String>,
}

fn check_texts(subject: Option<&str>, owner: Option<&str>, note: Option<&str>) -> AppResult<()> {
    let check = Check::arguments(now_millis());
    check.optional_text("subject", subject, MAX_NAME)?;
    check.optional_text("owner", owner, MAX_NAME)?;
    check.optional_text("note", note, MAX_COMMENT)
}

/// `createOutreach`: an OPEN task and its `outreach_opened` journey event.
#[tracing::instrument(skip(db, viewer, new), fields(org = viewer.org_id))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewTask,
) -> AppResult<outreach_task::Model> {
    viewer.require_outreach()?;
    check_texts(
        new.subject.as_deref(),
        new.owner.as_deref(),
        new.note.as_deref(),
    )?;
    let customer = customer::get(db, viewer, new.customer_id).await?;
    let now = now_millis();
    let txn = db.begin_with_options(write_transaction()).await?;
    let row = outreach_task::ActiveModel {
        id: NotSet,
        org_id: Set(viewer.org_id),
        customer_id: Set(customer.id),
        friction_kind: Set(new.kind.as_str().to_owned()),
        subject: Set(new.subject),
        status: Set(Status::Open.as_str().to_owned()),
        owner: Set(new.owner),
        note: Set(new.note),
        created_by: Set(viewer.principal_name()),
        created_at: Set(now),
        updated_at: Set(now),
        contacted_at: Set(None),
        closed_at: Set(None),
    };
    let task = match outreach_task::Entity::insert(row)
        .exec_with_returning(&txn)
        .await
    {
        Ok(task) => task,
        Err(err) if is_unique_violation(&err) => {
            return Err(AppError::bad_input(
                "frictionKind",
                format!(
                    "this customer already has an unfinished {} outreach task",
                    new.kind
                ),
            ));
        }
        Err(err) => return Err(err.into()),
    };
    record_event(&txn, &task, Status::Open, now).await?;
    txn.commit().await?;
    Ok(task)
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

async fn record_event<C: ConnectionTrait>(
    db: &C,
    task: &outreach_task::Model,
    status: Status,
    at: i64,
) -> AppResult<()> {
    append_lifecycle(
        db,
        task.org_id,
        vec![(
            RecordKind::Outreach,
            task.id,
            task.customer_id,
            vec![LifecycleEvent {
                kind: status.event(),
                occurred_at: at,
                department: Department::Success,
                channel: None,
            }],
        )],
    )
    .await
}

/// What `updateOutreach` changes.
#[derive(Clone, Debug)]
pub struct TaskChange {
    pub id: i64,
    pub status: Option<Status>,
    pub owner: Option<String>,
    pub note: Option<String>,
}

/// `updateOutreach`: moves a task along its transitions (each a journey
/// event) and/or changes its owner and note.
#[tracing::instrument(skip(db, viewer, change), fields(org = viewer.org_id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    change: TaskChange,
) -> AppResult<outreach_task::Model> {
    viewer.require_outreach()?;
    check_texts(None, change.owner.as_deref(), change.note.as_deref())?;
    let now = now_millis();
    let txn = db.begin_with_options(write_transaction()).await?;
    let task = find_task(&txn, viewer.org_id, change.id).await?;
    let current = Status::parse(&task.status)?;
    let mut active = task.clone().into_active_model();
    if let Some(next) = change.status.filter(|s| *s != current) {
        if !current.may_become(next) {
            return Err(AppError::bad_input(
                "status",
                format!(
                    "a {} task cannot become {}",
                    current.as_str(),
                    next.as_str()
                ),
            ));
        }
        active.status = Set(next.as_str().to_owned());
        match next {
            Status::Contacted => active.contacted_at = Set(Some(now)),
            _ => active.closed_at = Set(Some(now)),
        }
        record_event(&txn, &task, next, now).await?;
    }
    if let Some(owner) = change.owner {
        active.owner = Set(Some(owner));
    }
    if let Some(note) = change.note {
        active.note = Set(Some(note));
    }
    active.updated_at = Set(now);
    let task = active.update(&txn).await?;
    // The task's events, the one just written too, show it as it is now.
    records::refresh(&txn, task.org_id, RecordKind::Outreach, &[task.id]).await?;
    txn.commit().await?;
    Ok(task)
}

/// The outreach task `id` of the viewer's organization.
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> AppResult<outreach_task::Model> {
    viewer.require_journeys_read()?;
    find_task(db, viewer.org_id, id).await
}

async fn find_task(
    db: &impl sea_orm::ConnectionTrait,
    org: i64,
    id: i64,
) -> AppResult<outreach_task::Model> {
    outreach_task::Entity::find()
        .filter(outreach_task::Column::OrgId.eq(org))
        .filter(outreach_task::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("outreach task"))
}

/// Filters of `outreachTasks`.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub status: Option<Status>,
    pub customer_id: Option<i64>,
}

/// `outreachTasks`: newest first, keyset after id.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &TaskFilter,
    first: u64,
    after: Option<i64>,
    count: bool,
) -> AppResult<Page<outreach_task::Model>> {
    viewer.require_journeys_read()?;
    let mut query =
        outreach_task::Entity::find().filter(outreach_task::Column::OrgId.eq(viewer.org_id));
    if let Some(status) = filter.status {
        query = query.filter(outreach_task::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.customer_id {
        let survivor = customer::get(db, viewer, id).await?.id;
        query = query.filter(outreach_task::Column::CustomerId.eq(survivor));
    }
    let total = count_if(count, &query, db).await?;
    if let Some(after) = after {
        query = query.filter(outreach_task::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(outreach_task::Column::Id)
        .limit(first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, first, after.is_some()).with_total(total))
}

/// `outreachEffectiveness`: did reaching out prevent contacts?
#[derive(Clone, Debug, PartialEq)]
pub struct Effectiveness {
    /// Decided flagged customers of the window.
    pub flagged: i64,
    pub contacted: i64,
    pub contacted_with_ticket: i64,
    pub not_contacted: i64,
    pub not_contacted_with_ticket: i64,
    pub contacted_ticket_rate: Option<f64>,
    pub not_contacted_ticket_rate: Option<f64>,
    /// 1 - contactedTicketRate / notContactedTicketRate (null when the
    /// not-contacted rate is null or 0).
    pub prevented_contact_rate: Option<f64>,
}

/// Flagged = the customer's first outreach task created in the window (t0 =
/// its created_at); contacted = that task reached CONTACTED by T; with
/// ticket = a ticket opened in [t0, t0 + 14 days] by T. Customers whose t0 +
/// 14 days is after T and who have no ticket yet are not decided and left out.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn effectiveness(
    db: &DatabaseConnection,
    viewer: &Viewer,
    w: Window,
) -> AppResult<Effectiveness> {
    viewer.require_analytics()?;
    let span = EFFECT_DAYS * DAY_MS;
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT f.t0, (SELECT o.contacted_at FROM outreach_task o WHERE o.org_id = f.org_id AND o.customer_id = f.customer_id AND o.created_at = f.t0 ORDER BY o.id LIMIT 1) AS contacted_at, ")
        .push("(SELECT MIN(tk.opened_at) FROM ticket tk WHERE tk.org_id = f.org_id AND tk.customer_id = f.customer_id AND tk.opened_at >= f.t0 AND tk.opened_at <= f.t0 + ")
        .bind(span)
        .push(" AND tk.opened_at <= ")
        .bind(w.as_of)
        .push(") AS ticket FROM (SELECT o.org_id, o.customer_id, MIN(o.created_at) AS t0 FROM outreach_task o WHERE o.org_id = ")
        .bind(viewer.org_id)
        .push(" AND o.created_at >= ")
        .bind(w.from)
        .push(" AND o.created_at < ")
        .bind(w.to)
        .push(" GROUP BY o.org_id, o.customer_id) f");
    let mut e = Effectiveness {
        flagged: 0,
        contacted: 0,
        contacted_with_ticket: 0,
        not_contacted: 0,
        not_contacted_with_ticket: 0,
        contacted_ticket_rate: None,
        not_contacted_ticket_rate: None,
        prevented_contact_rate: None,
    };
    for row in db.query_all_raw(sql.build()).await? {
        let t0: i64 = row.try_get_by("t0")?;
        let ticket: Option<i64> = row.try_get_by("ticket")?;
        if ticket.is_none() && t0 + span > w.as_of {
            continue; // not decided yet
        }
        let contacted = row
            .try_get_by::<Option<i64>, _>("contacted_at")?
            .is_some_and(|at| at <= w.as_of);
        e.flagged += 1;
        let with_ticket = i64::from(ticket.is_some());
        if contacted {
            e.contacted += 1;
            e.contacted_with_ticket += with_ticket;
        } else {
            e.not_contacted += 1;
            e.not_contacted_with_ticket += with_ticket;
        }
    }
    e.contacted_ticket_rate = ratio(e.contacted_with_ticket, e.contacted);
    e.not_contacted_ticket_rate = ratio(e.not_contacted_with_ticket, e.not_contacted);
    e.prevented_contact_rate = match (e.contacted_ticket_rate, e.not_contacted_ticket_rate) {
        (Some(c), Some(n)) if n > 0.0 => Some(1.0 - c / n),
        _ => None,
    };
    Ok(e)
}
