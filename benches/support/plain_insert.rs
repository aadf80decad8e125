//! The ceiling for ingest: touchpoints written by plain multi-row INSERTs
//! (1,000 rows per statement, one transaction each) through the same driver
//! the service uses.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait, Value};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub const BATCH: usize = 1_000;
/// 2026-01-01, when the bench's touchpoints start.
pub const BASE_MS: i64 = 1_767_225_600_000;

/// Where the rows go: organization, a contiguous range of its customer ids,
/// and the `source` (external ids are `E-<n>`).
pub struct Target<'a> {
    pub org_id: i64,
    pub first_customer: i64,
    pub customers: usize,
    pub source: &'a str,
}

/// Inserts `records` touchpoints with `concurrency` writers; returns rows/s.
pub async fn touchpoints(
    db: &DatabaseConnection,
    target: &Target<'_>,
    records: usize,
    concurrency: usize,
) -> f64 {
    let backend = db.get_database_backend();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (db, next) = (db.clone(), next.clone());
        let (org_id, first_customer, customers, source) = (
            target.org_id,
            target.first_customer,
            target.customers,
            target.source.to_owned(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let start = next.fetch_add(BATCH, Ordering::SeqCst);
                if start >= records {
                    break;
                }
                let mut sql = String::from(
                    "INSERT INTO touchpoint (org_id, customer_id, department, kind, channel, \
                     occurred_at, source, external_id, attributes) VALUES ",
                );
                let mut values: Vec<Value> = Vec::with_capacity(BATCH * 9);
                for (i, n) in (start..start + BATCH).enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    let placeholders: Vec<String> = (1..=9)
                        .map(|k| match backend {
                            sea_orm::DbBackend::Postgres => format!("${}", i * 9 + k),
                            _ => "?".to_owned(),
                        })
                        .collect();
                    sql.push_str(&format!("({})", placeholders.join(", ")));
                    values.extend([
                        org_id.into(),
                        (first_customer + (n % customers) as i64).into(),
                        "PRODUCT".into(),
                        "login".into(),
                        "web".into(),
                        (BASE_MS + n as i64 * 1000).into(),
                        source.clone().into(),
                        format!("E-{n}").into(),
                        r#"{"page":"/home"}"#.into(),
                    ]);
                }
                let txn = db.begin().await.expect("begin");
                txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                    .await
                    .expect("insert");
                txn.commit().await.expect("commit");
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    records as f64 / started.elapsed().as_secs_f64()
}
