//! `touchpoint.facts`: what a journey event shows of the typed record it
//! came from (a JSON object), kept with the event so that a page of the
//! journey reads `touchpoint` alone. NULL for touchpoints without a record.
//!
//! The migration only adds the column: the server fills it right after
//! (`journeygraph::db::migrate`), with the same SQL expression that keeps
//! it current, so there is one definition of what the facts hold.

use sea_orm_migration::prelude::*;

pub struct Migration;

/// This migration's name, for the server to know when it has just run.
pub const NAME: &str = "m20261208_000009_touchpoint_facts";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        NAME
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE touchpoint ADD COLUMN facts TEXT")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE touchpoint DROP COLUMN facts")
            .await?;
        Ok(())
    }
}
