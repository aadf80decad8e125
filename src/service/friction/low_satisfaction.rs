//! LOW_SATISFACTION: feedback responses in the window are exposed; one is
//! affected when CSAT <= 2, NPS <= 6 or CES <= 3. No delay. Subject: what
//! the response is about — a ticket's reason, a step's name (key: step key),
//! a campaign's name (key: its external id), a deal's owner, or "general" —
//! and the department follows the subject. Keys are prefixed with the
//! subject kind (`ticket:login`) so subjects of different kinds never merge.

use super::span::Span;
use super::{Item, Names};
use crate::domain::Department;
use crate::error::AppResult;
use crate::service::sql::{SqlBuilder, map_rows};
use sea_orm::DatabaseConnection;

pub async fn items(db: &DatabaseConnection, org: i64, span: Span<'_>) -> AppResult<Vec<Item>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT f.metric, f.score, f.subject_kind, f.customer_id, f.occurred_at, ")
        .push("tk.reason AS ticket_reason, st.key AS step_key, st.name AS step_name, ")
        .push("cp.external_id AS campaign_key, cp.name AS campaign_name, d.owner AS deal_owner ")
        .push("FROM feedback f ")
        .push("LEFT JOIN ticket tk ON tk.id = f.ticket_id LEFT JOIN onboarding_step st ON st.id = f.step_id ")
        .push("LEFT JOIN campaign cp ON cp.id = f.campaign_id LEFT JOIN deal d ON d.id = f.deal_id WHERE f.org_id = ")
        .bind(org)
        .push(" AND f.occurred_at >= ")
        .bind(span.from())
        .push(" AND f.occurred_at < ")
        .bind(span.to());
    let mut names = Names::default();
    map_rows(db, sql.build(), |r| {
        let Some((window, _)) = span.find(r.try_get_by("occurred_at")?) else {
            return Ok(None);
        };
        let metric: String = r.try_get_by("metric")?;
        let score: i32 = r.try_get_by("score")?;
        let text = |column: &str| {
            r.try_get_by::<Option<String>, _>(column)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        let subject_kind: String = r.try_get_by("subject_kind")?;
        let (key, subject, department) = match subject_kind.as_str() {
            "TICKET" => (
                format!("ticket:{}", text("ticket_reason")),
                text("ticket_reason"),
                Department::Support,
            ),
            "ONBOARDING_STEP" => (
                format!("step:{}", text("step_key")),
                text("step_name"),
                Department::Onboarding,
            ),
            "CAMPAIGN" => (
                format!("campaign:{}", text("campaign_key")),
                text("campaign_name"),
                Department::Marketing,
            ),
            "DEAL" => (
                format!("deal:{}", text("deal_owner")),
                text("deal_owner"),
                Department::Sales,
            ),
            _ => (
                "general".to_owned(),
                "general".to_owned(),
                Department::Success,
            ),
        };
        let affected = match metric.as_str() {
            "CSAT" => score <= 2,
            "NPS" => score <= 6,
            _ => score <= 3,
        };
        Ok(Some(Item {
            subject_key: names.get(&key),
            subject: names.get(&subject),
            customer_id: r.try_get_by("customer_id")?,
            affected,
            delay_ms: None,
            department: Some(department),
            reason: None,
            window,
        }))
    })
    .await
}
