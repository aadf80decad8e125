//! A customer's tickets in the order the analytics read them: the index
//! `(org_id, customer_id, opened_at)` becomes `ix_ticket_customer_order`,
//! `(org_id, customer_id, opened_at, id)`.
//!
//! The friction kinds that look for "the customer's first ticket after t0"
//! (POST_SALE_CONTACT, CAMPAIGN_TRIGGERED_CONTACT,
//! ONBOARDING_TRIGGERED_CONTACT and their baseline population) order by
//! (opened_at, id), as the analytics order tickets. Without `id` in the key,
//! PostgreSQL read every ticket of the customer in range and sorted them to
//! keep one, once per exposed record (about 100,000 times per frictionPoints
//! on the benchmark data set); with it, the first index entry is the answer.
//! SQLite keeps every index ordered by rowid within equal keys already, so
//! there the new index only renames the old one's order.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000006_ordered_ticket_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Created under a new name before the old index goes: never a
        // moment without one.
        db.execute_unprepared(
            "CREATE INDEX ix_ticket_customer_order ON ticket (org_id, customer_id, opened_at, id)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX ix_ticket_customer")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_ticket_customer ON ticket (org_id, customer_id, opened_at)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX ix_ticket_customer_order")
            .await?;
        Ok(())
    }
}
