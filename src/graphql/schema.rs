//! Building the schema: pure, it neither connects nor migrates, so
//! `export-schema` and the SDL test need no database.

use super::limits::DocumentLimits;
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::config::LimitSettings;
use async_graphql::{SDLExportOptions, Schema, SchemaBuilder};

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with its depth and complexity limits; the caller checks the
/// document limits (`DocumentLimits::check`) before executing. Per-request
/// data (database, viewer, loaders) is attached by the HTTP layer.
pub fn build_schema(limits: &LimitSettings, introspection: bool) -> AppSchema {
    builder(limits, introspection).finish()
}

/// The schema for subscription sockets, whose requests async-graphql
/// executes itself: the document limits run as an extension.
pub fn build_socket_schema(limits: &LimitSettings, introspection: bool) -> AppSchema {
    builder(limits, introspection)
        .extension(DocumentLimits::from(limits))
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
    .limit_depth(limits.max_depth)
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
