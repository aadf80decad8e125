//! `viewer`.

use crate::auth;
use crate::graphql::types::viewer::Viewer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who is asking: organization, principal, role.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        Ok(Viewer(ctx.data::<auth::Viewer>()?.clone()))
    }
}
