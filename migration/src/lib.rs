//! Database migrations of journeygraph. They run on SQLite and PostgreSQL
//! alike: only portable column types (BIGINT times in epoch milliseconds,
//! TEXT, INTEGER), foreign keys declared inside `CREATE TABLE` (SQLite cannot
//! change them later: to change a table's keys, a migration rebuilds it, as
//! `m20261126_000005` does) and indexes that all lead with `org_id`.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_core_schema;
mod m20261123_000002_outreach_and_feedback_indexes;
mod m20261124_000003_signals_and_webhooks;
mod m20261125_000004_covering_timeline_index;
mod m20261126_000005_touchpoint_customer_key;
mod m20261127_000006_ordered_ticket_index;
mod m20261204_000007_organization_currency;
mod m20261207_000008_audit_and_suppression;
pub mod m20261208_000009_touchpoint_facts;
mod m20261208_000010_customer_active_days;
mod schema_helpers;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_core_schema::Migration),
            Box::new(m20261123_000002_outreach_and_feedback_indexes::Migration),
            Box::new(m20261124_000003_signals_and_webhooks::Migration),
            Box::new(m20261125_000004_covering_timeline_index::Migration),
            Box::new(m20261126_000005_touchpoint_customer_key::Migration),
            Box::new(m20261127_000006_ordered_ticket_index::Migration),
            Box::new(m20261204_000007_organization_currency::Migration),
            Box::new(m20261207_000008_audit_and_suppression::Migration),
            Box::new(m20261208_000009_touchpoint_facts::Migration),
            Box::new(m20261208_000010_customer_active_days::Migration),
        ]
    }
}
