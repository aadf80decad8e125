//! The per-customer timeline index of touchpoints, `(org_id, customer_id,
//! occurred_at, id)`, becomes `ix_touchpoint_timeline` and also carries the
//! columns the analytics read from each touchpoint: department, kind and
//! the record behind it. Handoffs, journey paths, funnels, contact reasons
//! and the baselines of the friction kinds then read a customer's
//! touchpoints from the index alone (an index-only scan on PostgreSQL, a
//! covering index on SQLite) instead of visiting the table once per
//! touchpoint.
//!
//! PostgreSQL keeps the extra columns out of the key (`INCLUDE`); SQLite
//! has no `INCLUDE`, so they go at the end of the key, after `id`, where
//! they do not change the order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000004_covering_timeline_index"
    }
}

const KEY: &str = "org_id, customer_id, occurred_at, id";
const CARRIED: &str = "department, kind, record_kind, record_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let columns = match manager.get_database_backend() {
            DbBackend::Postgres => format!("({KEY}) INCLUDE ({CARRIED})"),
            _ => format!("({KEY}, {CARRIED})"),
        };
        // Created under a new name before the old index goes: never a
        // moment without one, and no name for two connections to disagree on.
        db.execute_unprepared(&format!(
            "CREATE INDEX ix_touchpoint_timeline ON touchpoint {columns}"
        ))
        .await?;
        db.execute_unprepared("DROP INDEX ix_touchpoint_journey")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX ix_touchpoint_journey ON touchpoint ({KEY})"
        ))
        .await?;
        db.execute_unprepared("DROP INDEX ix_touchpoint_timeline")
            .await?;
        Ok(())
    }
}
