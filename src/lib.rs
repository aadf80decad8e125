//! journeygraph: a GraphQL backend that joins what Sales, Onboarding,
//! Marketing, Support and Success know about a customer into one journey.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod global_id;
pub mod graphql;
pub mod http;
pub mod import;
pub mod logging;
pub mod memory;
pub mod service;
pub mod telemetry;
pub mod time;

/// mimalloc (its v2 line) instead of the system allocator for every binary
/// that links the service (server, tests, benches). A GraphQL request
/// allocates per input value and per row; under glibc malloc, allocation and
/// freeing were a third of the ingest path's CPU samples. mimalloc v3 kept
/// more memory resident: 174 MB peak under two frictionPoints at once,
/// against 113-139 MB with v2 (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
