//! `Customer` and its connection.

use super::connection::{PageInfo, decode_cursor, encode_cursor};
use super::enums::Department;
use super::journey::{JOURNEY_CURSOR, JourneyConnection};
use crate::error::AppError;
use crate::graphql::loaders::{IdentityLoader, JourneyLoader, SummaryLoader};
use crate::service::journey::JourneyArgs;
use crate::service::page::validate_first;
use crate::time::{from_millis, to_millis};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ErrorExtensions, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::customer;

/// Cursor kind of customer pages.
pub const CUSTOMER_CURSOR: &str = "c";

/// A customer, as all departments together know them.
pub struct Customer(pub customer::Model);

#[Object]
impl Customer {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Email address as last received.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Segment (e.g. SMB, MIDMARKET, ENTERPRISE).
    async fn segment(&self) -> Option<&str> {
        self.0.segment.as_deref()
    }
    /// Plan.
    async fn plan(&self) -> Option<&str> {
        self.0.plan.as_deref()
    }
    /// Annual value in the org's currency: the revenue at stake.
    async fn annual_value(&self) -> f64 {
        self.0.annual_value_cents as f64 / 100.0
    }
    /// When journeygraph first heard of the customer.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.created_at)
    }

    /// How source systems name this customer (after merges, all of them).
    async fn identities(&self, ctx: &Context<'_>) -> Result<Vec<Identity>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        let rows = loader.load_one(self.0.id).await.map_err(|e| e.extend())?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|i| Identity {
                source: i.source,
                external_id: i.external_id,
            })
            .collect())
    }

    /// Where the customer stands now: stage, departments touched, first and
    /// last touch, open tickets, friction active now and a health score
    /// with the factors behind it.
    async fn summary(&self, ctx: &Context<'_>) -> Result<super::summary::CustomerSummary> {
        let loader = ctx.data::<DataLoader<SummaryLoader>>()?;
        loader
            .load_one(self.0.id)
            .await
            .map_err(|e| e.extend())?
            .map(Into::into)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("summary missing")).extend())
    }

    /// The cross-department timeline, newest first, keyset-paginated.
    #[graphql(complexity = "crate::graphql::limits::per_page(first, child_complexity)")]
    async fn journey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=100.")] first: i64,
        #[graphql(desc = "Cursor of the last event of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only these departments (all when empty or absent).")] departments: Option<
            Vec<Department>,
        >,
        #[graphql(desc = "Only events at or after this instant.")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Only events before this instant.")] to: Option<DateTime<Utc>>,
    ) -> Result<JourneyConnection> {
        let args = journey_args(first, after, departments, from, to).map_err(|e| e.extend())?;
        let loader = ctx.data::<DataLoader<JourneyLoader>>()?;
        let page = loader
            .load_one((self.0.id, args))
            .await
            .map_err(|e| e.extend())?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("journey page missing")).extend())?;
        Ok(JourneyConnection::from(page.as_ref()))
    }
}

fn journey_args(
    first: i64,
    after: Option<String>,
    departments: Option<Vec<Department>>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<JourneyArgs, AppError> {
    let first = validate_first(first)?;
    let after = match after {
        Some(cursor) => {
            let v = decode_cursor(JOURNEY_CURSOR, 2, &cursor)?;
            Some((v[0], v[1]))
        }
        None => None,
    };
    let mut departments: Vec<crate::domain::Department> = departments
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    departments.sort();
    departments.dedup();
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(AppError::bad_input("from", "from must not be after to"));
    }
    Ok(JourneyArgs {
        first,
        after,
        departments,
        from: from.map(to_millis),
        to: to.map(to_millis),
    })
}

/// How one source system names a customer.
#[derive(SimpleObject)]
pub struct Identity {
    /// The system (e.g. `crm`, `helpdesk`).
    pub source: String,
    /// The customer's id there.
    pub external_id: String,
}

/// An edge of the customer list.
#[derive(SimpleObject)]
pub struct CustomerEdge {
    /// Opaque position, for `after`.
    pub cursor: String,
    /// The customer.
    pub node: Customer,
}

/// A page of customers in id order.
#[derive(SimpleObject)]
pub struct CustomerConnection {
    /// The customers of this page.
    pub edges: Vec<CustomerEdge>,
    /// Whether more follow, and where to continue.
    pub page_info: PageInfo,
}

impl CustomerConnection {
    pub fn from_page(page: crate::service::page::Page<customer::Model>) -> Self {
        let edges: Vec<CustomerEdge> = page
            .items
            .into_iter()
            .map(|c| CustomerEdge {
                cursor: encode_cursor(CUSTOMER_CURSOR, &[c.id]),
                node: Customer(c),
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        CustomerConnection {
            edges,
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor,
            },
        }
    }
}
