//! The GraphQL API: thin resolvers over `service`.

pub mod depth;
pub mod documents;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod nesting;
pub mod query;
pub mod ready;
pub mod schema;
pub mod socket_rules;
pub mod subscription;
pub mod types;

pub use schema::{AppSchema, build_schema, build_socket_schema, sdl};

/// The connection organization-wide analytics read through: a read replica
/// when `DATABASE_READ_URL` is set, else the primary.
#[derive(Clone)]
pub struct AnalyticsDb(pub sea_orm::DatabaseConnection);
