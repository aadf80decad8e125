//! Domain logic: functions taking the viewer (or its organization), the
//! database and arguments. Only this layer touches the database.

pub mod active_days;
pub mod alerts;
pub mod api_token;
pub mod audit;
pub mod buckets;
pub mod contact_reasons;
pub mod customer;
pub mod dedupe;
pub mod demo;
pub mod erasure;
pub mod erasure_key;
pub mod friction;
pub mod funnel;
pub mod handoff;
pub mod ingest;
pub mod insight;
pub mod journey;
pub mod kpi;
pub mod merge;
pub mod organization;
pub mod outreach;
pub mod page;
pub mod parts;
pub mod paths;
pub mod records;
pub mod signals;
pub mod sql;
pub mod summary;
pub mod suppression;
pub mod ticket_sql;
pub mod webhooks;
pub mod window;
