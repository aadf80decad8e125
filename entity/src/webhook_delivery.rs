//! One signal on its way to one webhook.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub webhook_id: i64,
    pub signal_id: i64,
    /// The JSON body sent (the same on every attempt; the signature is not).
    pub payload: String,
    /// PENDING | DELIVERED | FAILED
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due (while PENDING; a lease while one runs).
    pub next_attempt_at: i64,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    /// The delivery this one replays.
    pub replay_of: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
