//! A friction signal raised once, when it became true: at ingest time (the
//! triggering ticket or response) or by the sweep (time-based kinds).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "friction_signal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    /// The record that made it true (`ticket:42`), unique per (org, kind).
    pub trigger_key: String,
    pub customer_id: i64,
    pub subject: String,
    /// When the condition became true.
    pub since: i64,
    pub raised_at: i64,
    /// INGEST | SWEEP
    pub origin: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
