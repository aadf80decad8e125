//! The `Node` interface: every object that can be found again by its id
//! alone, through `node(id:)`.

use super::alert::FrictionAlert;
use super::api_token::ApiToken;
use super::customer::Customer;
use super::insight::Insight;
use super::outreach::OutreachTask;
use super::webhook::Webhook;
use async_graphql::{ID, Interface};

/// An object with a global id. The id is opaque: it names the type and the
/// row, so `node(id:)` finds the object again, and an id of one type is
/// refused where another type's is expected.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    Customer(Customer),
    Insight(Insight),
    OutreachTask(OutreachTask),
    FrictionAlert(FrictionAlert),
    Webhook(Webhook),
    ApiToken(ApiToken),
}
