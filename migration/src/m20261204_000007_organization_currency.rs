//! Each organization's currency (ISO 4217), in which every money figure of
//! the organization is: annual values, deal amounts, revenue at risk.
//! Organizations that existed before keep USD.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000007_organization_currency"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE organization ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE organization DROP COLUMN currency")
            .await?;
        Ok(())
    }
}
