//! Query roots, one per area, merged into `QueryRoot`.

mod analytics;
mod api_token;
mod audit;
mod customer;
mod node;
mod outreach;
mod trends;
mod viewer;
mod webhook;

use async_graphql::MergedObject;

/// Every query.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    viewer::ViewerQuery,
    node::NodeQuery,
    customer::CustomerQuery,
    api_token::ApiTokenQuery,
    analytics::AnalyticsQuery,
    trends::TrendQuery,
    outreach::OutreachQuery,
    webhook::WebhookQuery,
    audit::AuditQuery,
);
