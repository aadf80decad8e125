//! sea-orm entities of journeygraph: storage only (no GraphQL, no logic).
//!
//! Conventions every table follows:
//! - `org_id` on every row (the tenant), leading every index;
//! - times are `i64` milliseconds since the Unix epoch, UTC, so that window
//!   arithmetic (`t0 <= t <= t0 + W`) is the same integer SQL on SQLite and
//!   PostgreSQL;
//! - money is `i64` minor units (`*_cents`);
//! - enums are stored as their upper-case GraphQL names.

pub mod api_token;
pub mod audit_event;
pub mod campaign;
pub mod campaign_delivery;
pub mod customer;
pub mod customer_identity;
pub mod deal;
pub mod feedback;
pub mod friction_signal;
pub mod identity_merge;
pub mod insight;
pub mod insight_vote;
pub mod onboarding_progress;
pub mod onboarding_step;
pub mod organization;
pub mod outreach_task;
pub mod suppression;
pub mod ticket;
pub mod touchpoint;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
