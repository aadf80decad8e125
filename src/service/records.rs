//! The typed records behind journey events, joined to a page of touchpoints
//! in the page's own statement: each record table is a `LEFT JOIN` on the
//! touchpoint's `(record_kind, record_id)` within the organization, and its
//! columns come back after the touchpoint's, named with a prefix of their
//! own (`d_stage`, `tk_reason`) and read by position. One round trip per
//! page, not one per record table.

use crate::domain::RecordKind;
use crate::error::AppResult;
use entity::touchpoint;
use sea_orm::{DbErr, QueryResult};
use std::sync::{Arc, LazyLock};

/// The typed record a touchpoint came from, as much of it as a journey
/// event shows.
#[derive(Clone, Debug)]
pub enum TypedRecord {
    Deal(Arc<DealFacts>),
    Onboarding(Arc<ProgressFacts>, Arc<StepFacts>),
    Campaign(Arc<DeliveryFacts>, Arc<CampaignFacts>),
    Ticket(Arc<TicketFacts>),
    Feedback(Arc<FeedbackFacts>),
    Outreach(Arc<OutreachFacts>),
}

/// The value of column `at` of `row`, then `at` moves to the next column.
macro_rules! next_column {
    ($row:ident, $at:ident) => {{
        let value = $row.try_get_by_index($at)?;
        $at += 1;
        value
    }};
}

/// Decoding by position, in the select list's order. Reading each column
/// by name (a hash of the name, and for a prefixed one a new string) was a
/// sixth of the server's CPU time per journey read (perf, load bench).
///
/// `facts!(fn_name, NAMES, Struct { first: T, field: T, ... })` makes the
/// struct `Struct`, `NAMES` (its columns, in the select list's order) and
/// `fn_name(row, at)`, which reads them from column `at` on. The first
/// column is one the table never leaves NULL, so a NULL there means the
/// join found no record. Only the columns a journey event shows are read:
/// every joined column costs PostgreSQL and the server on each of a page's
/// rows (benches/README, change 12).
macro_rules! facts {
    ($(#[$doc:meta])* $name:ident, $names:ident, $struct:ident {
        $first:ident : $first_ty:ty $(, $field:ident : $ty:ty)* $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $struct {
            pub $first: $first_ty,
            $(pub $field: $ty,)*
        }

        const $names: &[&str] = &[stringify!($first) $(, stringify!($field))*];

        #[allow(unused_assignments, unused_mut)]
        fn $name(row: &QueryResult, first: usize) -> Result<Option<$struct>, DbErr> {
            let Some($first) = row.try_get_by_index::<Option<$first_ty>>(first)? else {
                return Ok(None);
            };
            let mut at = first + 1;
            Ok(Some($struct {
                $first,
                $($field: next_column!(row, at),)*
            }))
        }
    };
}

/// The page's own columns: the whole touchpoint, read by position. The
/// names and the reads come from one list, so they cannot disagree.
macro_rules! whole_touchpoint {
    ($($field:ident),* $(,)?) => {
        const TOUCHPOINT: &[&str] = &[$(stringify!($field)),*];

        #[allow(unused_assignments)]
        fn touchpoint_at(row: &QueryResult) -> Result<touchpoint::Model, DbErr> {
            let mut at = 0;
            Ok(touchpoint::Model {
                $($field: next_column!(row, at),)*
            })
        }
    };
}

whole_touchpoint!(
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
    record_id,
);

facts!(
    /// A deal, as a `DealEvent` shows it.
    deal_at,
    DEAL,
    DealFacts {
        external_id: String,
        owner: String,
        stage: String,
        amount_cents: i64,
        opened_at: i64,
        closed_at: Option<i64>,
        outcome: String,
    }
);
facts!(
    /// A ticket, as a `SupportEvent` shows it.
    ticket_at,
    TICKET,
    TicketFacts {
        external_id: String,
        reason: String,
        priority: String,
        team: String,
        opened_at: i64,
        first_response_at: Option<i64>,
        resolved_at: Option<i64>,
        reopened_count: i32,
    }
);
facts!(
    /// A survey response, as a `FeedbackEvent` shows it.
    feedback_at,
    FEEDBACK,
    FeedbackFacts {
        metric: String,
        score: i32,
        comment: Option<String>,
        subject_kind: String,
    }
);
facts!(
    /// An outreach task, as an `OutreachEvent` shows it.
    outreach_at,
    OUTREACH,
    OutreachFacts {
        friction_kind: String,
        status: String,
        owner: Option<String>,
        note: Option<String>,
    }
);
facts!(
    /// A customer's progress on a step, as an `OnboardingEvent` shows it.
    progress_at,
    PROGRESS,
    ProgressFacts {
        started_at: i64,
        completed_at: Option<i64>,
    }
);
facts!(
    /// An onboarding step, as an `OnboardingEvent` shows it.
    step_at,
    STEP,
    StepFacts {
        key: String,
        name: String,
        position: i32,
        expected_days: i32,
    }
);
facts!(
    /// A campaign delivery, as a `CampaignEvent` shows it.
    delivery_at,
    DELIVERY,
    DeliveryFacts {
        delivered_at: i64,
        opened_at: Option<i64>,
        clicked_at: Option<i64>,
    }
);
facts!(
    /// A campaign, as a `CampaignEvent` shows it.
    campaign_at,
    CAMPAIGN,
    CampaignFacts {
        external_id: String,
        name: String,
        channel: String,
    }
);

/// A table joined to the page: its alias (also the prefix of its column
/// names in the select list), its name, its columns and how it joins.
struct Joined {
    alias: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    on: On,
}

/// How a table joins, always within the organization.
enum On {
    /// By the touchpoint's record id, when the touchpoint names this kind.
    Record(RecordKind),
    /// By a key of the table joined before it (alias, column).
    Through(&'static str, &'static str),
}

impl On {
    fn condition(&self, alias: &str) -> String {
        match self {
            On::Record(kind) => format!(
                "{alias}.id = CASE WHEN p.record_kind = '{}' THEN p.record_id END \
                 AND {alias}.org_id = p.org_id",
                kind.as_str()
            ),
            On::Through(parent, key) => {
                format!("{alias}.id = {parent}.{key} AND {alias}.org_id = {parent}.org_id")
            }
        }
    }
}

/// In select-list and join order (a campaign and a step join through the
/// delivery and the progress before them). The page's own columns, the
/// touchpoint's, come first.
///
/// A record table is probed with the touchpoint's record id only when the
/// touchpoint names that table (`CASE`): with the kind as a separate join
/// condition, PostgreSQL searched every record table's primary key for
/// every row of the page, about 300 index probes per page of 51. The `CASE`
/// gives the other tables a NULL key, which searches nothing: 14% less
/// PostgreSQL CPU per journey read (benches/README, change 12).
const JOINED: [Joined; 8] = [
    Joined {
        alias: "d",
        table: "deal",
        columns: DEAL,
        on: On::Record(RecordKind::Deal),
    },
    Joined {
        alias: "tk",
        table: "ticket",
        columns: TICKET,
        on: On::Record(RecordKind::Ticket),
    },
    Joined {
        alias: "f",
        table: "feedback",
        columns: FEEDBACK,
        on: On::Record(RecordKind::Feedback),
    },
    Joined {
        alias: "o",
        table: "outreach_task",
        columns: OUTREACH,
        on: On::Record(RecordKind::Outreach),
    },
    Joined {
        alias: "op",
        table: "onboarding_progress",
        columns: PROGRESS,
        on: On::Record(RecordKind::Onboarding),
    },
    Joined {
        alias: "s",
        table: "onboarding_step",
        columns: STEP,
        on: On::Through("op", "step_id"),
    },
    Joined {
        alias: "cd",
        table: "campaign_delivery",
        columns: DELIVERY,
        on: On::Record(RecordKind::Campaign),
    },
    Joined {
        alias: "c",
        table: "campaign",
        columns: CAMPAIGN,
        on: On::Through("cd", "campaign_id"),
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
        .map(|j| {
            let on = j.on.condition(j.alias);
            format!(" LEFT JOIN {} {} ON {on}", j.table, j.alias)
        })
        .collect()
});

/// The touchpoint of a joined row.
pub fn touchpoint(row: &QueryResult) -> AppResult<touchpoint::Model> {
    Ok(touchpoint_at(row)?)
}

/// The record of the table joined as `alias`, if the join found one.
fn record<M>(
    row: &QueryResult,
    alias: &str,
    decode: fn(&QueryResult, usize) -> Result<Option<M>, DbErr>,
) -> AppResult<Option<Arc<M>>> {
    Ok(decode(row, first_column(alias))?.map(Arc::new))
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
    use entity::{
        campaign, campaign_delivery, deal, feedback, onboarding_progress, onboarding_step,
        outreach_task, ticket,
    };
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    fn columns<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    /// Every name read is a column of its table (a typo would fail every
    /// page statement), and the touchpoint is read whole, in column order.
    #[test]
    fn the_columns_read_are_the_tables_own() {
        assert_eq!(TOUCHPOINT, columns::<touchpoint::Entity>());
        let tables: [(&[&str], Vec<&str>); 8] = [
            (DEAL, columns::<deal::Entity>()),
            (TICKET, columns::<ticket::Entity>()),
            (FEEDBACK, columns::<feedback::Entity>()),
            (OUTREACH, columns::<outreach_task::Entity>()),
            (PROGRESS, columns::<onboarding_progress::Entity>()),
            (STEP, columns::<onboarding_step::Entity>()),
            (DELIVERY, columns::<campaign_delivery::Entity>()),
            (CAMPAIGN, columns::<campaign::Entity>()),
        ];
        for (read, table) in tables {
            for name in read {
                assert!(table.contains(name), "{name} is not one of {table:?}");
            }
        }
    }

    #[test]
    fn each_joined_table_starts_after_the_ones_before() {
        assert_eq!(first_column("d"), 12, "after the touchpoint's 12 columns");
        assert_eq!(first_column("tk"), 12 + 7, "after the deal's 7");
        assert_eq!(
            first_column("c"),
            SELECT_LIST.split(", ").count() - CAMPAIGN.len()
        );
        assert_eq!(SELECT_LIST.split(", ").count(), 47);
        assert!(SELECT_LIST.starts_with("p.id, p.org_id, p.customer_id, "));
        assert!(SELECT_LIST.contains(", c.name AS c_name, "));
    }

    #[test]
    fn records_join_by_the_kind_the_touchpoint_names() {
        assert!(JOINS.starts_with(
            " LEFT JOIN deal d ON d.id = CASE WHEN p.record_kind = 'DEAL' THEN p.record_id END \
             AND d.org_id = p.org_id LEFT JOIN ticket tk ON "
        ));
        assert!(
            JOINS.ends_with(
                " LEFT JOIN campaign c ON c.id = cd.campaign_id AND c.org_id = cd.org_id"
            )
        );
        assert!(JOINS.contains(
            " LEFT JOIN onboarding_step s ON s.id = op.step_id AND s.org_id = op.org_id "
        ));
        assert_eq!(JOINS.matches(" THEN p.record_id END AND ").count(), 6);
    }
}
