//! Building the schema: pure, it neither connects nor migrates, so
//! `export-schema` and the SDL test need no database.

use super::limits::DocumentLimits;
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::socket_rules::SocketRules;
use super::subscription::SubscriptionRoot;
use crate::config::LimitSettings;
use async_graphql::{SDLExportOptions, Schema, SchemaBuilder};

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with its complexity limit; the caller checks the text and
/// document limits (`DocumentLimits`) before parsing and executing. Per-request
/// data (database, viewer, loaders) is attached by the HTTP layer.
pub fn build_schema(limits: &LimitSettings, introspection: bool) -> AppSchema {
    builder(limits, introspection).finish()
}

/// The schema for subscription sockets, whose requests async-graphql
/// executes itself: the document limits and the socket's rules run as an
/// extension (`SocketRules`).
pub fn build_socket_schema(limits: &LimitSettings, introspection: bool) -> AppSchema {
    builder(limits, introspection)
        .extension(SocketRules(DocumentLimits::from(limits)))
        .finish()
}

fn builder(
    limits: &LimitSettings,
    introspection: bool,
) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .limit_complexity(limits.max_complexity)
    .disable_suggestions();
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder
}

/// The SDL, sorted and stable, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&LimitSettings::default(), true).sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
