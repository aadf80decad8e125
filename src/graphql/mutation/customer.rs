//! Correcting customer identity.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::graphql::types::connection::parse_id;
use crate::graphql::types::customer::Customer;
use crate::service::{erasure, merge};
use crate::time::from_millis;
use async_graphql::{Context, ErrorExtensions, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct CustomerMutation;

/// The audit row of a merge.
#[derive(SimpleObject)]
pub struct IdentityMerge {
    /// Id of the audit row.
    pub id: ID,
    /// Customer that remains.
    pub survivor_id: ID,
    /// Customer folded into it.
    pub merged_id: ID,
    /// Who merged.
    pub merged_by: String,
    /// When.
    pub merged_at: DateTime<Utc>,
    /// Rows moved per table, as JSON.
    pub moved: String,
}

/// The result of `mergeCustomers`.
#[derive(SimpleObject)]
pub struct MergeResult {
    /// The surviving customer, now with every identity and record.
    pub survivor: Customer,
    /// The audit row.
    pub audit: IdentityMerge,
}

/// Rows one table lost to an erasure.
#[derive(SimpleObject)]
pub struct ErasedRows {
    /// The table (`insight (unlinked)`: insights that lost their customer link).
    pub table: String,
    /// How many rows.
    pub rows: i64,
}

/// What `eraseCustomer` removed, or with `dryRun` would remove.
#[derive(SimpleObject)]
pub struct Erasure {
    /// The customer and every customer merged into it.
    pub customers: i64,
    /// Rows per table, in table order.
    pub tables: Vec<ErasedRows>,
    /// Identities and emails added to the suppression list: records that
    /// name them again are refused (or dropped, by the organization's
    /// `suppressedRecords` setting).
    pub suppressed: i64,
    /// The pseudonym the audit trail names the person by from now on.
    pub customer_ref: String,
    /// True when nothing was kept (`dryRun`).
    pub dry_run: bool,
}

#[Object]
impl CustomerMutation {
    /// Erases a person (GDPR article 17, CCPA deletion): the customer, every
    /// customer merged into it, their identities, records, touchpoints,
    /// signals (with the webhook deliveries that carried them), outreach
    /// tasks and merge audit rows, in one transaction; insights about them
    /// lose the link and keep their text. Their identities and emails go on
    /// the suppression list, as keyed hashes. ADMIN people, and tokens
    /// given `CUSTOMERS_ERASE`.
    async fn erase_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer.")] id: ID,
        #[graphql(desc = "Count what would go, and keep everything.", default = false)]
        dry_run: bool,
    ) -> Result<Erasure> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let id = parse_id("id", Kind::Customer, &id).map_err(|e| e.extend())?;
        let erased = erasure::erase_customer(db, viewer, id, dry_run)
            .await
            .gql()?;
        Ok(Erasure {
            customers: erased.customers as i64,
            tables: erased
                .rows
                .into_iter()
                .map(|(table, rows)| ErasedRows {
                    table: table.to_owned(),
                    rows: rows as i64,
                })
                .collect(),
            suppressed: erased.suppressed as i64,
            customer_ref: erased.customer_ref,
            dry_run,
        })
    }

    /// Folds `mergedId` into `survivorId`: identities and every record move,
    /// later records sent under either identity land on the survivor, and an
    /// audit row is kept. People only.
    async fn merge_customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer that remains.")] survivor_id: ID,
        #[graphql(desc = "The duplicate to fold into it.")] merged_id: ID,
    ) -> Result<MergeResult> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let survivor_id =
            parse_id("survivorId", Kind::Customer, &survivor_id).map_err(|e| e.extend())?;
        let merged_id = parse_id("mergedId", Kind::Customer, &merged_id).map_err(|e| e.extend())?;
        let (survivor, audit) = merge::merge_customers(db, viewer, survivor_id, merged_id)
            .await
            .gql()?;
        Ok(MergeResult {
            survivor: Customer::alone(survivor),
            audit: IdentityMerge {
                id: global(Kind::MergeAudit, audit.id),
                survivor_id: global(Kind::Customer, audit.survivor_id),
                merged_id: global(Kind::Customer, audit.merged_id),
                merged_by: audit.merged_by,
                merged_at: from_millis(audit.merged_at),
                moved: audit.detail,
            },
        })
    }
}
