//! GraphQL output types. They wrap entity models, so an internal column can
//! never reach a client by accident.

pub mod alert;
pub mod api_token;
pub mod audit;
pub mod batch_item;
pub mod connection;
pub mod customer;
pub mod enums;
pub mod friction;
pub mod ingest;
pub mod insight;
pub mod journey;
pub mod kpi;
pub mod node;
pub mod outreach;
pub mod signal;
pub mod summary;
pub mod trend;
pub mod viewer;
pub mod webhook;
