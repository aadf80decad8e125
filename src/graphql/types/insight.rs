//! Frontline insights.

use super::connection::{Connection, Edge, encode_cursor};
use super::customer::Customer;
use super::enums::FrictionKind;
use super::signal::load_customer;
use crate::global_id::Kind;
use crate::graphql::types::connection::global;
use crate::time::from_millis;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::insight;

/// Cursor kind of insight pages.
pub const INSIGHT_CURSOR: &str = "i";

/// A note from the frontline, attached to a customer and/or a friction point.
pub struct Insight(pub insight::Model);

#[Object]
impl Insight {
    /// Id.
    pub async fn id(&self) -> ID {
        global(Kind::Insight, self.0.id)
    }
    /// The note.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Who wrote it (`user:<sub>`).
    async fn author(&self) -> &str {
        &self.0.author
    }
    /// The customer it is about, if any.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        match self.0.customer_id {
            Some(id) => load_customer(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The friction kind it explains, if any.
    async fn friction_kind(&self) -> Option<FrictionKind> {
        self.0
            .friction_kind
            .as_deref()
            .and_then(|k| k.parse::<crate::domain::FrictionKind>().ok())
            .map(Into::into)
    }
    /// The subject key of the friction point it explains, if any.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Votes: one per person.
    async fn votes(&self) -> i32 {
        self.0.votes
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        from_millis(self.0.created_at)
    }
}

/// A page of insights, most votes first.
pub fn connection(page: crate::service::page::Page<insight::Model>) -> Connection<Edge<Insight>> {
    Connection::from_page(
        page,
        |i| encode_cursor(INSIGHT_CURSOR, &[i64::from(i.votes), i.id]),
        Insight,
    )
}
