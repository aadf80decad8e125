//! The typed records behind journey events, kept with the events: each
//! touchpoint that came from a typed record carries, in its `facts`
//! column, what a journey event shows of that record (a JSON object of the
//! record's columns, and of the campaign or onboarding step behind it),
//! so a page of the journey is one index range scan of `touchpoint` and
//! nothing else.
//!
//! One SQL expression, [`facts_sql`], computes the facts from the record
//! tables. It fills them as lifecycle events are inserted, and rewrites
//! them whenever a record, a step definition or an outreach task changes
//! ([`refresh`], [`refresh_kind`]); [`fill_all`] fills a database the
//! facts migration just gave the column.
//!
//! Why: the page statement joined the eight record tables to the page's
//! 51 rows. With pgbench on the load bench's data set (20,000 customers,
//! 1,000,000 touchpoints, c=32, two interleaved rounds) that cost
//! PostgreSQL 0.88 ms of CPU per journey read; the facts kept on the
//! touchpoint cost 0.26-0.28 ms, against 0.23-0.24 ms for the touchpoints
//! alone; one scalar subquery per row, by kind, instead of the joins cost
//! 0.61 ms.

use crate::domain::RecordKind;
use crate::error::AppResult;
use crate::service::ingest::store::MAX_IN_LIST;
use crate::service::sql::SqlBuilder;
use entity::touchpoint;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult};
use serde::Deserialize;
use std::sync::Arc;

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

/// `facts!(NAMES, Struct { field: T, ... })` makes the struct `Struct`,
/// read from the facts' JSON by field name, and `NAMES`, its columns (the
/// names of its fields), from which [`facts_sql`] builds the JSON. Only the
/// columns a journey event shows are kept: each one costs PostgreSQL on
/// every row of a page.
macro_rules! facts {
    ($(#[$doc:meta])* $names:ident, $struct:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Deserialize)]
        pub struct $struct {
            $(pub $field: $ty,)*
        }

        const $names: &[&str] = &[$(stringify!($field)),*];
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
    PROGRESS,
    ProgressFacts {
        started_at: i64,
        completed_at: Option<i64>,
    }
);
facts!(
    /// An onboarding step, as an `OnboardingEvent` shows it.
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
    DELIVERY,
    DeliveryFacts {
        delivered_at: i64,
        opened_at: Option<i64>,
        clicked_at: Option<i64>,
    }
);
facts!(
    /// A campaign, as a `CampaignEvent` shows it.
    CAMPAIGN,
    CampaignFacts {
        external_id: String,
        name: String,
        channel: String,
    }
);

/// A table the facts of a record kind come from: its alias (also the key
/// of its part of the facts), its name, its columns and how it is reached.
struct Joined {
    alias: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    on: On,
}

/// How a table is reached, always within the organization.
enum On {
    /// It holds the records of this kind, by the touchpoint's record id.
    Record(RecordKind),
    /// Through a key of the table before it (alias, column).
    Through(&'static str, &'static str),
}

/// Every record table, each followed by the tables reached through it.
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

/// The facts of a touchpoint as stored: one part per table, by alias.
#[derive(Deserialize)]
struct Facts {
    d: Option<DealFacts>,
    tk: Option<TicketFacts>,
    f: Option<FeedbackFacts>,
    o: Option<OutreachFacts>,
    op: Option<ProgressFacts>,
    s: Option<StepFacts>,
    cd: Option<DeliveryFacts>,
    c: Option<CampaignFacts>,
}

/// The SQL expression of the facts of the `kind` record `record_id` of the
/// organization `org_id` (both SQL expressions): a scalar subquery giving
/// `{"tk": {"external_id": ..., ...}}` as text, NULL when there is no such
/// record.
pub fn facts_sql(backend: DbBackend, kind: RecordKind, record_id: &str, org_id: &str) -> String {
    let object = match backend {
        DbBackend::Postgres => "json_build_object",
        _ => "json_object",
    };
    let Some(record) = JOINED
        .iter()
        .position(|j| matches!(j.on, On::Record(k) if k == kind))
    else {
        return "NULL".to_owned();
    };
    let mut parts = Vec::new();
    let mut from = format!("{} {}", JOINED[record].table, JOINED[record].alias);
    for (i, j) in JOINED.iter().enumerate().skip(record) {
        match j.on {
            On::Record(_) if i != record => break,
            On::Through(parent, key) => from.push_str(&format!(
                " JOIN {t} {a} ON {a}.id = {parent}.{key} AND {a}.org_id = {parent}.org_id",
                t = j.table,
                a = j.alias
            )),
            On::Record(_) => {}
        }
        let fields: Vec<String> = j
            .columns
            .iter()
            .map(|c| format!("'{c}', {}.{c}", j.alias))
            .collect();
        parts.push(format!("'{}', {object}({})", j.alias, fields.join(", ")));
    }
    let facts = format!("{object}({})", parts.join(", "));
    let text = match backend {
        DbBackend::Postgres => format!("{facts}::text"),
        _ => facts,
    };
    let alias = JOINED[record].alias;
    format!(
        "(SELECT {text} FROM {from} WHERE {alias}.id = {record_id} AND {alias}.org_id = {org_id})"
    )
}

/// Rewrites the facts of the touchpoints of the `kind` records `ids` from
/// the records as they are now (after a record changed).
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    kind: RecordKind,
    ids: &[i64],
) -> AppResult<()> {
    for chunk in ids.chunks(MAX_IN_LIST) {
        let mut sql = update(db.get_database_backend(), kind);
        sql.push(" WHERE org_id = ").bind(org_id);
        sql.push(" AND record_kind = ").bind(kind.as_str());
        sql.push(" AND record_id IN ")
            .bind_list(chunk.iter().copied());
        db.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// Rewrites the facts of every `kind` touchpoint of the organization (after
/// its onboarding steps were redefined).
pub async fn refresh_kind<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    kind: RecordKind,
) -> AppResult<()> {
    let mut sql = update(db.get_database_backend(), kind);
    sql.push(" WHERE org_id = ").bind(org_id);
    sql.push(" AND record_kind = ").bind(kind.as_str());
    db.execute_raw(sql.build()).await?;
    Ok(())
}

/// Touchpoints per statement of [`fill_all`]: each statement stays well
/// inside any statement timeout (the load bench's 1,000,000 touchpoints,
/// 50 statements, took 42.8 s in all: 0.86 s each on average), and a large
/// table is filled step by step.
const FILL_STEP: i64 = 20_000;

/// Fills the facts of every touchpoint of every organization that names a
/// record: what the migration adding the column leaves to do. Runs in id
/// ranges of [`FILL_STEP`], logging its progress.
pub async fn fill_all<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let span = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT MIN(id) AS lo, MAX(id) AS hi FROM touchpoint",
        ))
        .await?;
    let Some((Some::<i64>(lo), Some::<i64>(hi))) = span
        .map(|r| Ok::<_, DbErr>((r.try_get("", "lo")?, r.try_get("", "hi")?)))
        .transpose()?
    else {
        return Ok(());
    };
    let mut by_kind = String::from("CASE record_kind");
    for &kind in RecordKind::ALL {
        by_kind.push_str(&format!(
            " WHEN '{}' THEN {}",
            kind.as_str(),
            facts_sql(backend, kind, "touchpoint.record_id", "touchpoint.org_id")
        ));
    }
    by_kind.push_str(" END");
    let mut reported = 0;
    let mut start = lo;
    while start <= hi {
        let mut sql = SqlBuilder::new(backend);
        sql.push("UPDATE touchpoint SET facts = ").push(&by_kind);
        sql.push(" WHERE id >= ").bind(start);
        sql.push(" AND id < ").bind(start + FILL_STEP);
        sql.push(" AND record_kind IS NOT NULL");
        db.execute_raw(sql.build()).await?;
        start += FILL_STEP;
        let percent = ((start.min(hi + 1) - lo) * 100 / (hi - lo + 1)).min(100);
        if percent >= reported + 10 || start > hi {
            reported = percent;
            tracing::info!(percent, "filling the touchpoints' facts");
        }
    }
    Ok(())
}

fn update(backend: DbBackend, kind: RecordKind) -> SqlBuilder {
    let mut sql = SqlBuilder::new(backend);
    sql.push("UPDATE touchpoint SET facts = ").push(&facts_sql(
        backend,
        kind,
        "touchpoint.record_id",
        "touchpoint.org_id",
    ));
    sql
}

/// The page's select list: the whole touchpoint, then its facts.
pub fn select_list() -> String {
    let mut columns: Vec<String> = TOUCHPOINT.iter().map(|c| format!("p.{c}")).collect();
    columns.push("p.facts".to_owned());
    columns.join(", ")
}

/// The touchpoint of a page row.
pub fn touchpoint(row: &QueryResult) -> AppResult<touchpoint::Model> {
    Ok(touchpoint_at(row)?)
}

/// The typed record of a page row whose touchpoint names `kind`, from its
/// facts; None for a plain touchpoint, or one whose record is gone.
pub fn from_row(row: &QueryResult, kind: Option<&str>) -> AppResult<Option<TypedRecord>> {
    let Some(kind) = kind.and_then(|k| k.parse::<RecordKind>().ok()) else {
        return Ok(None);
    };
    let Some(text) = row.try_get_by_index::<Option<String>>(TOUCHPOINT.len())? else {
        return Ok(None);
    };
    let facts: Facts = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("facts of a {} touchpoint: {e}", kind.as_str()))?;
    Ok(match kind {
        RecordKind::Deal => facts.d.map(|d| TypedRecord::Deal(Arc::new(d))),
        RecordKind::Ticket => facts.tk.map(|t| TypedRecord::Ticket(Arc::new(t))),
        RecordKind::Feedback => facts.f.map(|f| TypedRecord::Feedback(Arc::new(f))),
        RecordKind::Outreach => facts.o.map(|o| TypedRecord::Outreach(Arc::new(o))),
        RecordKind::Onboarding => facts
            .op
            .zip(facts.s)
            .map(|(p, s)| TypedRecord::Onboarding(Arc::new(p), Arc::new(s))),
        RecordKind::Campaign => facts
            .cd
            .zip(facts.c)
            .map(|(d, c)| TypedRecord::Campaign(Arc::new(d), Arc::new(c))),
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
    fn the_facts_of_a_kind_come_from_its_tables() {
        let onboarding = facts_sql(
            DbBackend::Postgres,
            RecordKind::Onboarding,
            "v.rid",
            "v.org",
        );
        assert!(onboarding.starts_with(
            "(SELECT json_build_object('op', json_build_object('started_at', op.started_at, \
             'completed_at', op.completed_at), 's', json_build_object('key', s.key, "
        ));
        assert!(onboarding.ends_with(
            ")::text FROM onboarding_progress op JOIN onboarding_step s ON s.id = op.step_id \
             AND s.org_id = op.org_id WHERE op.id = v.rid AND op.org_id = v.org)"
        ));
        let deal = facts_sql(
            DbBackend::Sqlite,
            RecordKind::Deal,
            "t.record_id",
            "t.org_id",
        );
        assert!(
            deal.starts_with("(SELECT json_object('d', json_object('external_id', d.external_id, ")
        );
        assert!(deal.ends_with(") FROM deal d WHERE d.id = t.record_id AND d.org_id = t.org_id)"));
        let campaign = facts_sql(DbBackend::Sqlite, RecordKind::Campaign, "x", "y");
        assert!(
            campaign
                .contains(" FROM campaign_delivery cd JOIN campaign c ON c.id = cd.campaign_id ")
        );
        for &kind in RecordKind::ALL {
            let sql = facts_sql(DbBackend::Postgres, kind, "x", "y");
            assert_eq!(sql.matches(" FROM ").count(), 1, "{sql}");
        }
    }
}
