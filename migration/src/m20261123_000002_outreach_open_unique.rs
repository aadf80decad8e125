//! At most one unfinished (OPEN or CONTACTED) outreach task per customer and
//! friction kind, so two agents working the queue at once cannot both
//! create one. A partial unique index: the same SQL on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_outreach_open_unique"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_outreach_task_unfinished ON outreach_task \
                 (org_id, customer_id, friction_kind) WHERE status IN ('OPEN', 'CONTACTED')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ux_outreach_task_unfinished")
            .await?;
        Ok(())
    }
}
