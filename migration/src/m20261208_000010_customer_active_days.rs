//! `customer.first_active_day` and `customer.last_active_day`: the days
//! (epoch milliseconds / 86,400,000, truncated) of the customer's earliest
//! and latest touchpoint, NULL while it has none. Analytics that look at
//! each customer for a window (active customers, the baseline population,
//! journey starters) skip those whose days cannot meet it, so their cost
//! follows the customers active in the window, not all the organization
//! has ever had.
//!
//! Triggers keep them in the writing transaction, whatever writes the
//! touchpoint: an insert widens the days to the new touchpoints, and so
//! does an update (a merge moving touchpoints to the survivor). Nothing
//! narrows them, so they are bounds: a customer may have no touchpoint on
//! the recorded days any more (a merged one), never one outside them.
//! Readers allow a day's margin either side. Days, not instants: an
//! ingest batch of an active customer widens them at most once a day.
//!
//! A later migration that rebuilds `touchpoint` (as SQLite needs to change
//! its keys) drops these triggers with the table and must create them
//! again.

use sea_orm::{DbBackend, Statement};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000010_customer_active_days"
    }
}

/// A day, from epoch milliseconds.
const DAY: &str = "86400000";

/// Customers filled per statement. On the bench's 80,000 customers and
/// 4,000,000 touchpoints one statement for all took 10.8 s (EXPLAIN
/// ANALYZE, PostgreSQL, the machine busy seeding another database).
const FILL_STEP: i64 = 5_000;

/// The statements that keep the days, per backend.
fn triggers(backend: DbBackend) -> Vec<String> {
    match backend {
        // One statement per INSERT or UPDATE statement, over its rows. The
        // customers to widen are locked in id order first, so two batches
        // widening the same customers wait for each other instead of
        // deadlocking.
        DbBackend::Postgres => {
            let function = format!(
                "CREATE FUNCTION customer_active_days() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 UPDATE customer c SET first_active_day = LEAST(c.first_active_day, s.lo), \
                 last_active_day = GREATEST(c.last_active_day, s.hi) \
                 FROM (SELECT w.customer_id, w.lo, w.hi FROM (SELECT customer_id, \
                 MIN(occurred_at) / {DAY} AS lo, MAX(occurred_at) / {DAY} AS hi \
                 FROM touched GROUP BY customer_id) w JOIN customer k ON k.id = w.customer_id \
                 WHERE k.first_active_day IS NULL OR k.first_active_day > w.lo OR k.last_active_day < w.hi \
                 ORDER BY k.id FOR UPDATE OF k) s WHERE c.id = s.customer_id; \
                 RETURN NULL; END $$"
            );
            let mut statements = vec![function];
            for event in ["INSERT", "UPDATE"] {
                statements.push(format!(
                    "CREATE TRIGGER touchpoint_active_days_{} AFTER {event} ON touchpoint \
                     REFERENCING NEW TABLE AS touched FOR EACH STATEMENT \
                     EXECUTE FUNCTION customer_active_days()",
                    event.to_lowercase()
                ));
            }
            statements
        }
        // SQLite has no statement triggers with the rows: one per row.
        _ => ["INSERT", "UPDATE OF customer_id, occurred_at"]
            .iter()
            .zip(["insert", "update"])
            .map(|(event, name)| {
                format!(
                    "CREATE TRIGGER touchpoint_active_days_{name} AFTER {event} ON touchpoint BEGIN \
                     UPDATE customer SET \
                     first_active_day = MIN(COALESCE(first_active_day, NEW.occurred_at / {DAY}), NEW.occurred_at / {DAY}), \
                     last_active_day = MAX(COALESCE(last_active_day, NEW.occurred_at / {DAY}), NEW.occurred_at / {DAY}) \
                     WHERE id = NEW.customer_id AND (first_active_day IS NULL \
                     OR first_active_day > NEW.occurred_at / {DAY} OR last_active_day < NEW.occurred_at / {DAY}); END"
                )
            })
            .collect(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in ["first_active_day", "last_active_day"] {
            db.execute_unprepared(&format!("ALTER TABLE customer ADD COLUMN {column} BIGINT"))
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            // The migration runs in one transaction: writers of touchpoints
            // wait for it, so none is written between the fill and the
            // triggers.
            db.execute_unprepared("LOCK TABLE touchpoint IN SHARE MODE")
                .await?;
        }
        // What is there already: two probes of the timeline index per
        // customer, FILL_STEP customers per statement so that each stays
        // inside the server's statement timeout.
        let ids = db
            .query_one_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), -1) AS hi FROM customer",
            ))
            .await?;
        let (lo, hi): (i64, i64) = match ids {
            Some(row) => (row.try_get("", "lo")?, row.try_get("", "hi")?),
            None => (0, -1),
        };
        let mut from = lo;
        while from <= hi {
            db.execute_unprepared(&format!(
                "UPDATE customer SET \
                 first_active_day = (SELECT MIN(t.occurred_at) FROM touchpoint t \
                 WHERE t.org_id = customer.org_id AND t.customer_id = customer.id) / {DAY}, \
                 last_active_day = (SELECT MAX(t.occurred_at) FROM touchpoint t \
                 WHERE t.org_id = customer.org_id AND t.customer_id = customer.id) / {DAY} \
                 WHERE id >= {from} AND id < {}",
                from + FILL_STEP
            ))
            .await?;
            from += FILL_STEP;
        }
        for statement in triggers(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for name in ["insert", "update"] {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS touchpoint_active_days_{name}{}",
                if manager.get_database_backend() == DbBackend::Postgres {
                    " ON touchpoint"
                } else {
                    ""
                }
            ))
            .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS customer_active_days()")
                .await?;
        }
        for column in ["last_active_day", "first_active_day"] {
            db.execute_unprepared(&format!("ALTER TABLE customer DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
