//! The typed records behind journey events, joined to a page of touchpoints
//! in the page's own statement: each record table is a `LEFT JOIN` on the
//! touchpoint's `(record_kind, record_id)` within the organization, and its
//! columns come back under a prefix of their own (`d_stage`, `tk_reason`).
//! One round trip per page, not one per record table.

use crate::domain::RecordKind;
use crate::error::AppResult;
use entity::{
    campaign, campaign_delivery, deal, feedback, onboarding_progress, onboarding_step,
    outreach_task, ticket,
};
use sea_orm::{EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult};
use std::sync::{Arc, LazyLock};

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

/// A table joined to the page: its alias (the prefix of its columns is the
/// alias and `_`), its name, its columns and the join condition.
struct Joined {
    alias: &'static str,
    table: &'static str,
    columns: Vec<&'static str>,
    on: &'static str,
}

fn joined<E: EntityTrait>(alias: &'static str, table: &'static str, on: &'static str) -> Joined {
    Joined {
        alias,
        table,
        columns: E::Column::iter().map(|c| c.as_str()).collect(),
        on,
    }
}

/// In join order: a campaign and a step join through the delivery and the
/// progress before them.
static JOINED: LazyLock<Vec<Joined>> = LazyLock::new(|| {
    vec![
        joined::<deal::Entity>(
            "d",
            "deal",
            "p.record_kind = 'DEAL' AND d.id = p.record_id AND d.org_id = p.org_id",
        ),
        joined::<ticket::Entity>(
            "tk",
            "ticket",
            "p.record_kind = 'TICKET' AND tk.id = p.record_id AND tk.org_id = p.org_id",
        ),
        joined::<feedback::Entity>(
            "f",
            "feedback",
            "p.record_kind = 'FEEDBACK' AND f.id = p.record_id AND f.org_id = p.org_id",
        ),
        joined::<outreach_task::Entity>(
            "o",
            "outreach_task",
            "p.record_kind = 'OUTREACH' AND o.id = p.record_id AND o.org_id = p.org_id",
        ),
        joined::<onboarding_progress::Entity>(
            "op",
            "onboarding_progress",
            "p.record_kind = 'ONBOARDING' AND op.id = p.record_id AND op.org_id = p.org_id",
        ),
        joined::<onboarding_step::Entity>(
            "s",
            "onboarding_step",
            "s.id = op.step_id AND s.org_id = op.org_id",
        ),
        joined::<campaign_delivery::Entity>(
            "cd",
            "campaign_delivery",
            "p.record_kind = 'CAMPAIGN' AND cd.id = p.record_id AND cd.org_id = p.org_id",
        ),
        joined::<campaign::Entity>(
            "c",
            "campaign",
            "c.id = cd.campaign_id AND c.org_id = cd.org_id",
        ),
    ]
});

/// `, d.id AS d_id, ...` for every joined column (appended to a select list).
pub static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let mut sql = String::new();
    for j in JOINED.iter() {
        for column in &j.columns {
            sql.push_str(&format!(", {a}.{column} AS {a}_{column}", a = j.alias));
        }
    }
    sql
});

/// ` LEFT JOIN deal d ON ...` for every record table; the page is `p`.
pub static JOINS: LazyLock<String> = LazyLock::new(|| {
    JOINED
        .iter()
        .map(|j| format!(" LEFT JOIN {} {} ON {}", j.table, j.alias, j.on))
        .collect()
});

/// The record joined under `prefix` (its alias and `_`), if the join found one.
fn record<M: FromQueryResult>(row: &QueryResult, prefix: &str) -> AppResult<Option<Arc<M>>> {
    if row.try_get::<Option<i64>>(prefix, "id")?.is_none() {
        return Ok(None);
    }
    Ok(Some(Arc::new(M::from_query_result(row, prefix)?)))
}

/// The typed record of a joined row whose touchpoint names `kind`; None for
/// a plain touchpoint or a record the join did not find.
pub fn from_row(row: &QueryResult, kind: Option<&str>) -> AppResult<Option<TypedRecord>> {
    let Some(kind) = kind.and_then(|k| k.parse::<RecordKind>().ok()) else {
        return Ok(None);
    };
    Ok(match kind {
        RecordKind::Deal => record(row, "d_")?.map(TypedRecord::Deal),
        RecordKind::Ticket => record(row, "tk_")?.map(TypedRecord::Ticket),
        RecordKind::Feedback => record(row, "f_")?.map(TypedRecord::Feedback),
        RecordKind::Outreach => record(row, "o_")?.map(TypedRecord::Outreach),
        RecordKind::Onboarding => record(row, "op_")?
            .zip(record(row, "s_")?)
            .map(|(progress, step)| TypedRecord::Onboarding(progress, step)),
        RecordKind::Campaign => record(row, "cd_")?
            .zip(record(row, "c_")?)
            .map(|(delivery, campaign)| TypedRecord::Campaign(delivery, campaign)),
    })
}
