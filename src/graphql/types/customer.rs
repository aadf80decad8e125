//! `Customer` and its connection.

use super::connection::{PageInfo, decode_cursor, encode_cursor};
use super::enums::Department;
use super::journey::{JOURNEY_CURSOR, JourneyConnection};
use crate::error::AppError;
use crate::global_id::Kind;
use crate::graphql::loaders::{IdentityLoader, JourneyLoader, SummaryLoader};
use crate::graphql::types::connection::global;
use crate::service::journey::JourneyArgs;
use crate::service::page::validate_first;
use crate::time::{from_millis, to_millis};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ErrorExtensions, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::customer;
use std::hash::Hash;
use std::sync::Arc;

/// Cursor kind of customer pages.
pub const CUSTOMER_CURSOR: &str = "c";

/// A customer, as all departments together know them.
pub struct Customer {
    pub model: customer::Model,
    /// Asked for on its own (a root field), not in a list: its nested
    /// fields then load directly instead of through a DataLoader, which
    /// would wait its batching delay for siblings that cannot come.
    pub alone: bool,
}

impl Customer {
    /// A customer asked for on its own.
    pub fn alone(model: customer::Model) -> Self {
        Customer { model, alone: true }
    }

    /// A customer of a list, whose nested fields batch with its siblings'.
    pub fn in_list(model: customer::Model) -> Self {
        Customer {
            model,
            alone: false,
        }
    }

    /// The value `L` loads for `key`: directly when the customer is alone,
    /// else batched with the other customers of the request.
    async fn load<K, L>(&self, ctx: &Context<'_>, key: K) -> Result<Option<L::Value>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        L: Loader<K, Error = Arc<AppError>>,
    {
        let loader = ctx.data::<DataLoader<L>>()?;
        let found = if self.alone {
            let keys = std::slice::from_ref(&key);
            loader
                .loader()
                .load(keys)
                .await
                .map(|mut found| found.remove(&key))
        } else {
            loader.load_one(key).await
        };
        found.map_err(|e| e.extend())
    }
}

#[Object]
impl Customer {
    /// Id.
    pub async fn id(&self) -> ID {
        global(Kind::Customer, self.model.id)
    }
    /// Display name.
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }
    /// Email address as last received.
    async fn email(&self) -> Option<&str> {
        self.model.email.as_deref()
    }
    /// Segment (e.g. SMB, MIDMARKET, ENTERPRISE).
    async fn segment(&self) -> Option<&str> {
        self.model.segment.as_deref()
    }
    /// Plan.
    async fn plan(&self) -> Option<&str> {
        self.model.plan.as_deref()
    }
    /// Annual value in the organization's currency (`viewer.currency`): the revenue at stake.
    async fn annual_value(&self) -> f64 {
        self.model.annual_value_cents as f64 / 100.0
    }
    /// When journeygraph first heard of the customer.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.model.created_at)
    }

    /// How source systems name this customer (after merges, all of them).
    async fn identities(&self, ctx: &Context<'_>) -> Result<Vec<Identity>> {
        let rows = self.load::<_, IdentityLoader>(ctx, self.model.id).await?;
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
        self.load::<_, SummaryLoader>(ctx, self.model.id)
            .await?
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
        let page = self
            .load::<_, JourneyLoader>(ctx, (self.model.id, args))
            .await?
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
    /// Customers matching the filter, every page (counted only when asked for).
    pub total_count: u64,
}

impl CustomerConnection {
    pub fn from_page(page: crate::service::page::Page<customer::Model>) -> Self {
        let cursors: Vec<String> = page
            .items
            .iter()
            .map(|c| encode_cursor(CUSTOMER_CURSOR, &[c.id]))
            .collect();
        let page_info = PageInfo::of(&page, cursors.iter());
        let total_count = page.total.unwrap_or_default();
        let edges = page
            .items
            .into_iter()
            .zip(cursors)
            .map(|(c, cursor)| CustomerEdge {
                cursor,
                node: Customer::in_list(c),
            })
            .collect();
        CustomerConnection {
            edges,
            page_info,
            total_count,
        }
    }
}
