//! The typed records behind journey events, joined to a page of touchpoints
//! in the page's own statement: each record table is a `LEFT JOIN` on the
//! touchpoint's `(record_kind, record_id)` within the organization, and its
//! columns come back after the touchpoint's, named with a prefix of their
//! own (`d_stage`, `tk_reason`) and read by position. One round trip per
//! page, not one per record table.

use crate::domain::RecordKind;
use crate::error::AppResult;
use entity::{
    campaign, campaign_delivery, deal, feedback, onboarding_progress, onboarding_step,
    outreach_task, ticket, touchpoint,
};
use sea_orm::{DbErr, QueryResult};
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

/// Decoding by position, in the select list's order: a row of a page has
/// about a hundred columns, and reading each by name (a hash of the name,
/// and for a prefixed one a new string) was a sixth of the server's CPU
/// time per journey read (perf, load bench).
///
/// `positional!(fn_name, NAMES, entity { fields })` makes
/// `fn_name(row, first) -> entity::Model` reading the fields from column `first` on,
/// and `NAMES`, the fields in that order (a test holds them to the entity's
/// column order, which the select list uses).
macro_rules! positional {
    ($name:ident, $names:ident, $entity:ident { $($field:ident),* $(,)? }) => {
        const $names: &[&str] = &[$(stringify!($field)),*];

        #[allow(unused_assignments)]
        fn $name(row: &QueryResult, first: usize) -> Result<$entity::Model, DbErr> {
            let mut at = first;
            Ok($entity::Model {
                $($field: {
                    let value = row.try_get_by_index(at)?;
                    at += 1;
                    value
                },)*
            })
        }
    };
}

positional!(
    touchpoint_at,
    TOUCHPOINT,
    touchpoint {
        id,
        org_id,
        customer_id,
        department,
        kind,
        channel,
        occurred_at,
        source,
        external_id,
        attributes,
        record_kind,
        record_id
    }
);
positional!(
    deal_at,
    DEAL,
    deal {
        id,
        org_id,
        customer_id,
        source,
        external_id,
        owner,
        stage,
        amount_cents,
        opened_at,
        closed_at,
        outcome,
        updated_at
    }
);
positional!(
    ticket_at,
    TICKET,
    ticket {
        id,
        org_id,
        customer_id,
        source,
        external_id,
        reason,
        channel,
        priority,
        team,
        opened_at,
        first_response_at,
        resolved_at,
        reopened_count,
        updated_at
    }
);
positional!(
    feedback_at,
    FEEDBACK,
    feedback {
        id,
        org_id,
        customer_id,
        source,
        external_id,
        metric,
        score,
        comment,
        occurred_at,
        subject_kind,
        ticket_id,
        step_id,
        campaign_id,
        deal_id
    }
);
positional!(
    outreach_at,
    OUTREACH,
    outreach_task {
        id,
        org_id,
        customer_id,
        friction_kind,
        subject,
        status,
        owner,
        note,
        created_by,
        created_at,
        updated_at,
        contacted_at,
        closed_at
    }
);
positional!(
    progress_at,
    PROGRESS,
    onboarding_progress {
        id,
        org_id,
        customer_id,
        step_id,
        source,
        external_id,
        started_at,
        completed_at,
        updated_at
    }
);
positional!(
    step_at,
    STEP,
    onboarding_step {
        id,
        org_id,
        key,
        name,
        position,
        expected_days
    }
);
positional!(
    delivery_at,
    DELIVERY,
    campaign_delivery {
        id,
        org_id,
        customer_id,
        campaign_id,
        source,
        external_id,
        delivered_at,
        opened_at,
        clicked_at
    }
);
positional!(
    campaign_at,
    CAMPAIGN,
    campaign {
        id,
        org_id,
        source,
        external_id,
        name,
        channel
    }
);

/// A table joined to the page: its alias (also the prefix of its column
/// names in the select list), its name, its columns and the join condition.
struct Joined {
    alias: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    on: &'static str,
}

/// In select-list and join order (a campaign and a step join through the
/// delivery and the progress before them). The page's own columns, the
/// touchpoint's, come first.
const JOINED: [Joined; 8] = [
    Joined {
        alias: "d",
        table: "deal",
        columns: DEAL,
        on: "p.record_kind = 'DEAL' AND d.id = p.record_id AND d.org_id = p.org_id",
    },
    Joined {
        alias: "tk",
        table: "ticket",
        columns: TICKET,
        on: "p.record_kind = 'TICKET' AND tk.id = p.record_id AND tk.org_id = p.org_id",
    },
    Joined {
        alias: "f",
        table: "feedback",
        columns: FEEDBACK,
        on: "p.record_kind = 'FEEDBACK' AND f.id = p.record_id AND f.org_id = p.org_id",
    },
    Joined {
        alias: "o",
        table: "outreach_task",
        columns: OUTREACH,
        on: "p.record_kind = 'OUTREACH' AND o.id = p.record_id AND o.org_id = p.org_id",
    },
    Joined {
        alias: "op",
        table: "onboarding_progress",
        columns: PROGRESS,
        on: "p.record_kind = 'ONBOARDING' AND op.id = p.record_id AND op.org_id = p.org_id",
    },
    Joined {
        alias: "s",
        table: "onboarding_step",
        columns: STEP,
        on: "s.id = op.step_id AND s.org_id = op.org_id",
    },
    Joined {
        alias: "cd",
        table: "campaign_delivery",
        columns: DELIVERY,
        on: "p.record_kind = 'CAMPAIGN' AND cd.id = p.record_id AND cd.org_id = p.org_id",
    },
    Joined {
        alias: "c",
        table: "campaign",
        columns: CAMPAIGN,
        on: "c.id = cd.campaign_id AND c.org_id = cd.org_id",
    },
];

/// Position of the first column of the table joined as `alias`.
fn first_column(alias: &str) -> usize {
    TOUCHPOINT.len()
        + JOINED
            .iter()
            .take_while(|j| j.alias != alias)
            .map(|j| j.columns.len())
            .sum::<usize>()
}

/// The select list: `p.id, ..., d.id AS d_id, ...`, the page's touchpoint
/// columns, then every joined column.
pub static SELECT_LIST: LazyLock<String> = LazyLock::new(|| {
    let mut columns: Vec<String> = TOUCHPOINT.iter().map(|c| format!("p.{c}")).collect();
    for j in &JOINED {
        columns.extend(
            j.columns
                .iter()
                .map(|c| format!("{a}.{c} AS {a}_{c}", a = j.alias)),
        );
    }
    columns.join(", ")
});

/// ` LEFT JOIN deal d ON ...` for every record table; the page is `p`.
pub static JOINS: LazyLock<String> = LazyLock::new(|| {
    JOINED
        .iter()
        .map(|j| format!(" LEFT JOIN {} {} ON {}", j.table, j.alias, j.on))
        .collect()
});

/// The touchpoint of a joined row.
pub fn touchpoint(row: &QueryResult) -> AppResult<touchpoint::Model> {
    Ok(touchpoint_at(row, 0)?)
}

/// The record of the table joined as `alias`, if the join found one.
fn record<M>(
    row: &QueryResult,
    alias: &str,
    decode: fn(&QueryResult, usize) -> Result<M, DbErr>,
) -> AppResult<Option<Arc<M>>> {
    let first = first_column(alias);
    if row.try_get_by_index::<Option<i64>>(first)?.is_none() {
        return Ok(None);
    }
    Ok(Some(Arc::new(decode(row, first)?)))
}

/// The typed record of a joined row whose touchpoint names `kind`; None for
/// a plain touchpoint or a record the join did not find.
pub fn from_row(row: &QueryResult, kind: Option<&str>) -> AppResult<Option<TypedRecord>> {
    let Some(kind) = kind.and_then(|k| k.parse::<RecordKind>().ok()) else {
        return Ok(None);
    };
    Ok(match kind {
        RecordKind::Deal => record(row, "d", deal_at)?.map(TypedRecord::Deal),
        RecordKind::Ticket => record(row, "tk", ticket_at)?.map(TypedRecord::Ticket),
        RecordKind::Feedback => record(row, "f", feedback_at)?.map(TypedRecord::Feedback),
        RecordKind::Outreach => record(row, "o", outreach_at)?.map(TypedRecord::Outreach),
        RecordKind::Onboarding => record(row, "op", progress_at)?
            .zip(record(row, "s", step_at)?)
            .map(|(progress, step)| TypedRecord::Onboarding(progress, step)),
        RecordKind::Campaign => record(row, "cd", delivery_at)?
            .zip(record(row, "c", campaign_at)?)
            .map(|(delivery, campaign)| TypedRecord::Campaign(delivery, campaign)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    fn columns<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    #[test]
    fn fields_are_read_in_the_entities_column_order() {
        assert_eq!(TOUCHPOINT, columns::<touchpoint::Entity>());
        assert_eq!(DEAL, columns::<deal::Entity>());
        assert_eq!(TICKET, columns::<ticket::Entity>());
        assert_eq!(FEEDBACK, columns::<feedback::Entity>());
        assert_eq!(OUTREACH, columns::<outreach_task::Entity>());
        assert_eq!(PROGRESS, columns::<onboarding_progress::Entity>());
        assert_eq!(STEP, columns::<onboarding_step::Entity>());
        assert_eq!(DELIVERY, columns::<campaign_delivery::Entity>());
        assert_eq!(CAMPAIGN, columns::<campaign::Entity>());
    }

    #[test]
    fn each_joined_table_starts_after_the_ones_before() {
        assert_eq!(first_column("d"), 12, "after the touchpoint's 12 columns");
        assert_eq!(first_column("tk"), 12 + 12, "after the deal's");
        assert_eq!(
            first_column("c"),
            SELECT_LIST.split(", ").count() - CAMPAIGN.len()
        );
        assert!(SELECT_LIST.starts_with("p.id, p.org_id, p.customer_id, "));
        assert!(SELECT_LIST.contains(", c.name AS c_name, "));
    }
}
