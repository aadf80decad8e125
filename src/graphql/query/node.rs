//! `node(id:)`: any object from its global id.

use crate::auth::Viewer;
use crate::error::{AppError, IntoGraphql};
use crate::global_id::{self, Kind};
use crate::graphql::types::alert::FrictionAlert;
use crate::graphql::types::api_token::ApiToken;
use crate::graphql::types::connection::null_on_error;
use crate::graphql::types::customer::Customer;
use crate::graphql::types::insight::Insight;
use crate::graphql::types::node::Node;
use crate::graphql::types::outreach::OutreachTask;
use crate::graphql::types::webhook::Webhook;
use crate::service::{alerts, api_token, customer, insight, outreach, webhooks};
use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object a global id names, with the permissions its own query
    /// needs (a webhook or an API token: ADMIN). An unknown id, another
    /// organization's, or one the caller may not read: null, with a
    /// NOT_FOUND or FORBIDDEN error. A merged customer's id answers its
    /// survivor, as `customer(id:)` does.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: ID,
    ) -> Option<Node> {
        null_on_error(ctx, find(ctx, &id).await)
    }
}

async fn find(ctx: &Context<'_>, id: &ID) -> Result<Node> {
    let viewer = ctx.data::<Viewer>()?;
    let db = ctx.data::<DatabaseConnection>()?;
    let Some((kind, row)) = global_id::decode(id) else {
        return Err(AppError::bad_input("id", "not an id of this API")).gql();
    };
    let node = match kind {
        Kind::Customer => {
            viewer.require_journeys_read().gql()?;
            Node::Customer(Customer::alone(customer::get(db, viewer, row).await.gql()?))
        }
        Kind::Insight => Node::Insight(Insight(insight::get(db, viewer, row).await.gql()?)),
        Kind::OutreachTask => {
            Node::OutreachTask(OutreachTask(outreach::get(db, viewer, row).await.gql()?))
        }
        Kind::FrictionAlert => Node::FrictionAlert(FrictionAlert(Arc::new(
            alerts::get(db, viewer, row).await.gql()?,
        ))),
        Kind::Webhook => Node::Webhook(Webhook(webhooks::get(db, viewer, row).await.gql()?)),
        Kind::ApiToken => Node::ApiToken(ApiToken(api_token::get(db, viewer, row).await.gql()?)),
        Kind::JourneyEvent
        | Kind::WebhookDelivery
        | Kind::MergeAudit
        | Kind::AuditEvent
        | Kind::Suppression => {
            return Err(AppError::bad_input(
                "id",
                format!("a {} is read through its parent, not by id", kind.name()),
            ))
            .gql();
        }
    };
    Ok(node)
}
