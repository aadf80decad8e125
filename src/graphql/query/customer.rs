//! Customer lookup and listing.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::global_id::Kind;
use crate::graphql::types::connection::{decode_cursor, null_on_error, parse_id, wants_total};
use crate::graphql::types::customer::{CUSTOMER_CURSOR, Customer, CustomerConnection};
use crate::service::customer::{self, CustomerFilter};
use crate::service::page::validate_first;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct CustomerQuery;

/// Narrows `customers`.
#[derive(InputObject, Default)]
pub struct CustomerFilterInput {
    /// Case-insensitive substring of the name or email, at most 200 characters.
    pub search: Option<String>,
    /// Exact segment.
    pub segment: Option<String>,
}

fn parts<'a>(ctx: &'a Context<'_>) -> Result<(&'a Viewer, &'a DatabaseConnection)> {
    let viewer = ctx.data::<Viewer>()?;
    viewer.require_journeys_read().gql()?;
    Ok((viewer, ctx.data::<DatabaseConnection>()?))
}

#[Object]
impl CustomerQuery {
    /// A customer by id (a merged id resolves to the survivor). Unknown,
    /// or another organization's: null, with a NOT_FOUND error.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Customer id.")] id: ID,
    ) -> Option<Customer> {
        let found = async {
            let (viewer, db) = parts(ctx)?;
            let id = parse_id("id", Kind::Customer, &id).map_err(|e| e.extend())?;
            Ok(Customer::alone(customer::get(db, viewer, id).await.gql()?))
        };
        null_on_error(ctx, found.await)
    }

    /// A customer by how a source system names them (null, with a
    /// NOT_FOUND error, when none does).
    async fn customer_by_identity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Source system, e.g. `crm`.")] source: String,
        #[graphql(desc = "The customer's id in that system.")] external_id: String,
    ) -> Option<Customer> {
        let found = async {
            let (viewer, db) = parts(ctx)?;
            let customer = customer::get_by_identity(db, viewer, &source, &external_id).await;
            Ok(Customer::alone(customer.gql()?))
        };
        null_on_error(ctx, found.await)
    }

    /// Customers in id order (merged ones excluded).
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<CustomerFilterInput>,
        #[graphql(desc = "Page size, 1..=100.")] first: i64,
        #[graphql(desc = "Cursor of the last customer of the previous page.")] after: Option<
            String,
        >,
    ) -> Result<CustomerConnection> {
        let (viewer, db) = parts(ctx)?;
        let first = validate_first(first).gql()?;
        let after = match after {
            Some(c) => Some(decode_cursor(CUSTOMER_CURSOR, 1, &c).gql()?[0]),
            None => None,
        };
        let filter = filter.unwrap_or_default();
        let filter = CustomerFilter {
            search: filter.search,
            segment: filter.segment,
        };
        let page = customer::list(db, viewer, &filter, first, after, wants_total(ctx))
            .await
            .gql()?;
        Ok(CustomerConnection::from_page(page))
    }
}
