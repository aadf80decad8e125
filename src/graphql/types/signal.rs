//! Friction signals active now, and the customer lookups the types of this
//! area share.

use super::customer::Customer;
use super::enums::FrictionKind;
use crate::graphql::loaders::CustomerLoader;
use crate::time::from_millis;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ErrorExtensions, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A friction condition true for a customer right now.
#[derive(SimpleObject)]
pub struct FrictionSignal {
    /// The kind of friction.
    pub kind: FrictionKind,
    /// What it is about (a team, a step, an owner, a reason, channels ...).
    pub subject: String,
    /// When it became true.
    pub since: DateTime<Utc>,
    /// 1 (drifting) to 3 (suffering now): the weight in queue priority and health.
    pub severity: i64,
}

impl From<crate::service::signals::Signal> for FrictionSignal {
    fn from(s: crate::service::signals::Signal) -> Self {
        FrictionSignal {
            kind: s.kind.into(),
            subject: s.subject,
            since: from_millis(s.since),
            severity: crate::service::signals::severity(s.kind),
        }
    }
}

/// The customer `id` through the request's loader (None when absent).
pub async fn load_customer(ctx: &Context<'_>, id: i64) -> Result<Option<Customer>> {
    let loader = ctx.data::<DataLoader<CustomerLoader>>()?;
    Ok(loader
        .load_one(id)
        .await
        .map_err(|e| e.extend())?
        .map(Customer::in_list))
}
