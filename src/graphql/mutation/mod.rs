//! Mutation roots, one per area, merged into `MutationRoot`.

mod api_token;
mod customer;
mod ingest;
mod outreach;
mod privacy;
mod webhook;

use async_graphql::MergedObject;

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    ingest::IngestMutation,
    api_token::ApiTokenMutation,
    customer::CustomerMutation,
    outreach::OutreachMutation,
    webhook::WebhookMutation,
    privacy::PrivacyMutation,
);
