//! The GraphQL API: thin resolvers over `service`.

pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod schema;
pub mod subscription;
pub mod types;

pub use schema::{AppSchema, build_schema, sdl};
