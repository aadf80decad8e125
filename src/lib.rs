//! journeygraph: a GraphQL backend that joins what Sales, Onboarding,
//! Marketing, Support and Success know about a customer into one journey.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod service;
pub mod time;
