//! Two indexes the analytics and outreach need:
//! - at most one unfinished (OPEN or CONTACTED) outreach task per customer
//!   and friction kind, so two agents working the queue at once cannot both
//!   create one: a partial unique index, the same SQL on SQLite and PostgreSQL;
//! - feedback by the ticket it is about (contactReasons' CSAT per ticket,
//!   LOW_SATISFACTION's subject), which otherwise scans all feedback per ticket.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_outreach_and_feedback_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_outreach_task_unfinished ON outreach_task \
             (org_id, customer_id, friction_kind) WHERE status IN ('OPEN', 'CONTACTED')",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_feedback_ticket ON feedback (org_id, ticket_id)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ix_feedback_ticket")
            .await?;
        db.execute_unprepared("DROP INDEX ux_outreach_task_unfinished")
            .await?;
        Ok(())
    }
}
