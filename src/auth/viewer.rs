//! The resolved caller: organization, principal, and what it may do.

use crate::domain::Role;
use crate::error::AppError;

/// Who the principal is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A person, identified by the JWT `sub`.
    Person { subject: String, role: Role },
}

/// The caller of a request. Every service query is filtered by `org_id`.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub org_id: i64,
    pub org_slug: String,
    pub principal: Principal,
}

impl Viewer {
    /// A person signed in with a verified JWT.
    pub fn person(org_id: i64, org_slug: String, subject: String, role: Role) -> Viewer {
        Viewer {
            org_id,
            org_slug,
            principal: Principal::Person { subject, role },
        }
    }

    /// The role of a person (partner tokens have scopes instead).
    pub fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::Person { role, .. } => Some(*role),
        }
    }

    /// A stable name for logs, audit rows and rate limits.
    pub fn principal_name(&self) -> String {
        match &self.principal {
            Principal::Person { subject, .. } => format!("user:{subject}"),
        }
    }

    /// Fails unless the viewer may read customer journeys (names, emails,
    /// timelines): every person may.
    pub fn require_journeys_read(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person { .. } => Ok(()),
        }
    }
}
