//! journeygraph: a GraphQL backend that joins what Sales, Onboarding,
//! Marketing, Support and Success know about a customer into one journey.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod import;
pub mod logging;
pub mod service;
pub mod time;
