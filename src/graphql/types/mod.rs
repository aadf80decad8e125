//! GraphQL output types. They wrap entity models, so an internal column can
//! never reach a client by accident.

pub mod connection;
pub mod customer;
pub mod enums;
pub mod journey;
pub mod viewer;
