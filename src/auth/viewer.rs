//! The resolved caller: organization, principal, and what it may do.
//! Role and scope checks live here; row-level rules (organization,
//! department) live in the service queries.

use crate::domain::{Department, Role, Scope};
use crate::error::AppError;

/// Who the principal is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A person, identified by the JWT `sub`.
    Person { subject: String, role: Role },
    /// A partner system's API token.
    Partner {
        token_id: i64,
        name: String,
        scopes: Vec<Scope>,
        /// Departments it may write; None = all.
        departments: Option<Vec<Department>>,
    },
}

/// The caller of a request. Every service query is filtered by `org_id`.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub org_id: i64,
    pub org_slug: String,
    pub principal: Principal,
    /// The `x-request-id` of the HTTP request, for the audit trail.
    pub request_id: Option<String>,
}

impl Viewer {
    /// A person signed in with a verified JWT.
    pub fn person(org_id: i64, org_slug: String, subject: String, role: Role) -> Viewer {
        Viewer {
            org_id,
            org_slug,
            principal: Principal::Person { subject, role },
            request_id: None,
        }
    }

    /// The role of a person (partner tokens have scopes instead).
    pub fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::Person { role, .. } => Some(*role),
            Principal::Partner { .. } => None,
        }
    }

    /// A stable name for logs, audit rows and rate limits.
    pub fn principal_name(&self) -> String {
        match &self.principal {
            Principal::Person { subject, .. } => format!("user:{subject}"),
            Principal::Partner { token_id, .. } => format!("token:{token_id}"),
        }
    }

    /// `person` or `token`, for logs (never who).
    pub fn principal_kind(&self) -> &'static str {
        match &self.principal {
            Principal::Person { .. } => "person",
            Principal::Partner { .. } => "token",
        }
    }

    /// Whether a partner token carries `scope` (people: never).
    fn has_scope(&self, scope: Scope) -> bool {
        matches!(&self.principal, Principal::Partner { scopes, .. } if scopes.contains(&scope))
    }

    /// Customer journeys (names, emails, timelines): every person, and
    /// tokens with `journeys:read`.
    pub fn require_journeys_read(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person { .. } => Ok(()),
            Principal::Partner { .. } if self.has_scope(Scope::JourneysRead) => Ok(()),
            Principal::Partner { .. } => Err(missing_scope(Scope::JourneysRead)),
        }
    }

    /// Writing partner records: tokens with `ingest:write` (for the
    /// departments they are allowed), and ADMIN people.
    pub fn require_ingest(&self, department: Department, path: &str) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person {
                role: Role::Admin, ..
            } => Ok(()),
            Principal::Person { .. } => Err(AppError::Forbidden(
                "only ADMIN people or tokens with ingest:write send records".into(),
            )),
            Principal::Partner { departments, .. } => {
                if !self.has_scope(Scope::IngestWrite) {
                    return Err(missing_scope(Scope::IngestWrite));
                }
                match departments {
                    Some(allowed) if !allowed.contains(&department) => Err(AppError::Forbidden(
                        format!("{path}: this token may not write {department} records"),
                    )),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Organization-wide analytics: LEADER and ADMIN people, and tokens with
    /// `analytics:read` (which see aggregates only).
    pub fn require_analytics(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person {
                role: Role::Admin | Role::Leader,
                ..
            } => Ok(()),
            Principal::Person { .. } => Err(AppError::Forbidden(
                "organization-wide analytics are for LEADER and ADMIN".into(),
            )),
            Principal::Partner { .. } if self.has_scope(Scope::AnalyticsRead) => Ok(()),
            Principal::Partner { .. } => Err(missing_scope(Scope::AnalyticsRead)),
        }
    }

    /// Real-time friction alerts (per customer id, no names): people of
    /// any role (agents work the outreach queue), and tokens with
    /// `analytics:read`.
    pub fn require_alerts(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person { .. } => Ok(()),
            Principal::Partner { .. } if self.has_scope(Scope::AnalyticsRead) => Ok(()),
            Principal::Partner { .. } => Err(missing_scope(Scope::AnalyticsRead)),
        }
    }

    /// Managing the organization (API tokens, definitions): ADMIN people.
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self.role() {
            Some(Role::Admin) => Ok(()),
            _ => Err(AppError::Forbidden("only an ADMIN may do this".into())),
        }
    }

    /// Working outreach tasks: people of any role, and tokens with `outreach:write`.
    pub fn require_outreach(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person { .. } => Ok(()),
            Principal::Partner { .. } if self.has_scope(Scope::OutreachWrite) => Ok(()),
            Principal::Partner { .. } => Err(missing_scope(Scope::OutreachWrite)),
        }
    }

    /// Erasing a customer: ADMIN people, and tokens given `customers:erase`
    /// (a privacy system carrying out deletion requests).
    pub fn require_erase(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person {
                role: Role::Admin, ..
            } => Ok(()),
            Principal::Person { .. } => Err(AppError::Forbidden(
                "only an ADMIN may erase a customer".into(),
            )),
            Principal::Partner { .. } if self.has_scope(Scope::CustomersErase) => Ok(()),
            Principal::Partner { .. } => Err(missing_scope(Scope::CustomersErase)),
        }
    }

    /// Correcting customer data (merges): people of any role.
    pub fn require_person(&self) -> Result<(), AppError> {
        match &self.principal {
            Principal::Person { .. } => Ok(()),
            Principal::Partner { .. } => Err(AppError::Forbidden("only people may do this".into())),
        }
    }
}

fn missing_scope(scope: Scope) -> AppError {
    AppError::Forbidden(format!("this token lacks the {scope} scope"))
}
