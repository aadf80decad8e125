//! Small builders shared by the migrations: the column and key shapes every
//! table repeats (id, org_id, partner key, foreign keys, org-leading indexes).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, string};

/// `CREATE TABLE name (id BIGINT PK AUTOINCREMENT, org_id BIGINT NOT NULL REFERENCES organization)`.
pub fn tenant_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(big_pk_auto("id"))
        .col(big_integer("org_id"))
        .foreign_key(
            ForeignKey::create()
                .from(name, "org_id")
                .to("organization", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// Adds the (source, external_id) columns a partner system keys its records by.
pub fn with_partner_key(mut table: TableCreateStatement) -> TableCreateStatement {
    table.col(string("source")).col(string("external_id"));
    table
}

/// Adds a foreign key `name.column -> target.id`.
pub fn references(
    mut table: TableCreateStatement,
    name: &'static str,
    column: &'static str,
    target: &'static str,
) -> TableCreateStatement {
    table.foreign_key(ForeignKey::create().from(name, column).to(target, "id"));
    table
}

/// An index on `table (org_id, columns...)`, named `ix_<table>_<name>`.
pub fn org_index(
    table: &'static str,
    name: &str,
    columns: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{name}"))
        .table(table)
        .col("org_id");
    for column in columns {
        index.col(*column);
    }
    index.to_owned()
}

/// A unique index on `table (org_id, columns...)`, named `ux_<table>_<name>`.
pub fn org_unique(
    table: &'static str,
    name: &str,
    columns: &[&'static str],
) -> IndexCreateStatement {
    let mut index = org_index(table, name, columns);
    index.name(format!("ux_{table}_{name}")).unique();
    index
}

/// Creates `tables` in order, then `indexes`.
pub async fn create_all(
    manager: &SchemaManager<'_>,
    tables: Vec<TableCreateStatement>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for table in tables {
        manager.create_table(table).await?;
    }
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops `tables` in reverse order (dropping a table drops its indexes;
/// reverse order respects foreign keys).
pub async fn drop_all(manager: &SchemaManager<'_>, tables: &[&'static str]) -> Result<(), DbErr> {
    for table in tables.iter().rev() {
        manager
            .drop_table(Table::drop().table(*table).if_exists().to_owned())
            .await?;
    }
    Ok(())
}
