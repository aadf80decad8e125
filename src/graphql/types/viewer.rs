//! `viewer`: who is asking.

use super::enums::Role;
use crate::auth::{self, Principal};
use async_graphql::Object;

/// The caller of this request.
pub struct Viewer(pub auth::Viewer);

#[Object]
impl Viewer {
    /// Slug of the caller's organization (from the credential, never an argument).
    async fn organization(&self) -> &str {
        &self.0.org_slug
    }

    /// The principal: `user:<sub>` for a person.
    async fn principal(&self) -> String {
        self.0.principal_name()
    }

    /// The person's role.
    async fn role(&self) -> Option<Role> {
        match &self.0.principal {
            Principal::Person { role, .. } => Some((*role).into()),
        }
    }
}
