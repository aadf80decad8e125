//! Correcting customer identity.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::graphql::types::connection::parse_id;
use crate::graphql::types::customer::Customer;
use crate::service::merge;
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

#[Object]
impl CustomerMutation {
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
