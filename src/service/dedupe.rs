//! Repair for customers that share an email: two systems that introduced
//! the same person at the same instant could, before email stitching took
//! a lock (see `ingest::identity`), each create a customer on PostgreSQL.
//! Every live customer of a group with one normalized email is merged into
//! the oldest of them through `mergeCustomers`' own path, so the records
//! move and each merge leaves its audit row.

use super::merge::merge_customers;
use crate::auth::Viewer;
use crate::error::AppResult;
use entity::customer;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeMap;

/// One email shared by several live customers.
#[derive(Debug, PartialEq, Eq)]
pub struct Duplicates {
    pub email: String,
    /// The oldest customer, which keeps everything.
    pub survivor: i64,
    /// The others, merged into it (or, in a dry run, to be).
    pub merged: Vec<i64>,
}

/// Finds the viewer's organization's live customers that share an email
/// and, unless `dry_run`, merges each group into its oldest customer.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn merge_shared_emails(
    db: &DatabaseConnection,
    viewer: &Viewer,
    dry_run: bool,
) -> AppResult<Vec<Duplicates>> {
    viewer.require_admin()?;
    let live = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(viewer.org_id))
        .filter(customer::Column::MergedInto.is_null())
        .filter(customer::Column::EmailNormalized.is_not_null())
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?;
    let mut by_email: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for c in live {
        if let Some(email) = c.email_normalized {
            by_email.entry(email).or_default().push(c.id);
        }
    }
    let mut groups = Vec::new();
    for (email, ids) in by_email {
        let Some((&survivor, merged)) = ids.split_first() else {
            continue;
        };
        if merged.is_empty() {
            continue;
        }
        if !dry_run {
            for &id in merged {
                merge_customers(db, viewer, survivor, id).await?;
            }
        }
        groups.push(Duplicates {
            email,
            survivor,
            merged: merged.to_vec(),
        });
    }
    Ok(groups)
}
