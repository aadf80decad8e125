//! Personal data (docs/personal-data.md):
//! - `organization.erasure_key`: the organization's random key for the
//!   keyed hashes below (made at its first erasure or audit row naming a
//!   customer); `organization.suppressed_records`: what ingest does with a
//!   record naming an erased person, `REFUSE` (the default) or `DROP`;
//! - `suppression`: the erased identities, (source, external id) and
//!   normalized email, each only as a keyed hash;
//! - `audit_event`: every administrative act, append-only. The database
//!   refuses to delete a row or change it, except to clear the customer ids
//!   an erasure removes (the row keeps the customer's pseudonym).

use crate::schema_helpers::{create_all, drop_all, org_index, org_unique, tenant_table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, string, string_null, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000008_audit_and_suppression"
    }
}

const TABLES: &[&str] = &["suppression", "audit_event"];

/// The columns of `audit_event` nothing may change.
const FIXED: &str =
    "id, org_id, at, actor, request_id, action, target, customer_ref, other_customer_ref, detail";

fn tables() -> Vec<TableCreateStatement> {
    let mut suppression = tenant_table("suppression");
    suppression
        .col(string("hash"))
        .col(string("kind"))
        .col(string("customer_ref"))
        .col(string("created_by"))
        .col(big_integer("created_at"));

    let mut audit = tenant_table("audit_event");
    audit
        .col(big_integer("at"))
        .col(string("actor"))
        .col(string_null("request_id"))
        .col(string("action"))
        .col(string_null("target"))
        .col(big_integer_null("customer_id"))
        .col(string_null("customer_ref"))
        .col(big_integer_null("other_customer_id"))
        .col(string_null("other_customer_ref"))
        .col(text("detail"));
    vec![suppression, audit]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        org_unique("suppression", "hash", &["hash"]),
        org_index("audit_event", "id", &["id"]),
        org_index("audit_event", "customer", &["customer_id"]),
        org_index("audit_event", "other_customer", &["other_customer_id"]),
    ]
}

/// Triggers that keep `audit_event` append-only.
fn append_only(backend: sea_orm::DbBackend) -> Vec<String> {
    match backend {
        sea_orm::DbBackend::Postgres => vec![
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$"
                .to_owned(),
            format!(
                "CREATE TRIGGER audit_event_fixed BEFORE UPDATE OF {FIXED} OR DELETE ON audit_event \
                 FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
            ),
        ],
        _ => vec![
            format!(
                "CREATE TRIGGER audit_event_fixed BEFORE UPDATE OF {FIXED} ON audit_event \
                 BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            ),
            "CREATE TRIGGER audit_event_kept BEFORE DELETE ON audit_event \
             BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
                .to_owned(),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE organization ADD COLUMN erasure_key TEXT")
            .await?;
        db.execute_unprepared(
            "ALTER TABLE organization ADD COLUMN suppressed_records TEXT NOT NULL DEFAULT 'REFUSE'",
        )
        .await?;
        create_all(manager, tables(), indexes()).await?;
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Ingest probes up to 2,000 hashes per batch: compared byte by
            // byte (SQLite's default), the index lookup and the sort of
            // the probes cost a quarter of what the database's collation does.
            db.execute_unprepared(
                "ALTER TABLE suppression ALTER COLUMN hash TYPE TEXT COLLATE \"C\"",
            )
            .await?;
        }
        for statement in append_only(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_all(manager, TABLES).await?;
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_event_append_only()")
                .await?;
        }
        db.execute_unprepared("ALTER TABLE organization DROP COLUMN suppressed_records")
            .await?;
        db.execute_unprepared("ALTER TABLE organization DROP COLUMN erasure_key")
            .await?;
        Ok(())
    }
}
