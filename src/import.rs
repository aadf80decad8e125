//! `journeygraph import`: NDJSON files of typed records, one JSON object per
//! line with a `type` (`deal`, `onboarding_step`, `onboarding`,
//! `campaign_delivery`, `ticket`, `feedback`, `touchpoint`) and the same
//! camelCase fields as the ingest mutations. Consecutive lines of one type
//! go in batches of up to 1,000 through the same ingest service (same
//! validation, same idempotency), so a re-run reports them `unchanged`. A bad
//! line is reported with its number and left out; the rest of its batch is
//! written.

use crate::error::AppError;
use crate::graphql::types::ingest::*;
use crate::service::ingest::{self, IngestReport, records::*, validate::MAX_BATCH};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use std::io::BufRead;

/// One line of an import file.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Deal(DealInput),
    OnboardingStep(OnboardingStepInput),
    Onboarding(OnboardingProgressInput),
    CampaignDelivery(CampaignDeliveryInput),
    Ticket(TicketInput),
    Feedback(FeedbackInput),
    Touchpoint(TouchpointInput),
}

impl Line {
    fn kind(&self) -> &'static str {
        match self {
            Line::Deal(_) => "deal",
            Line::OnboardingStep(_) => "onboarding_step",
            Line::Onboarding(_) => "onboarding",
            Line::CampaignDelivery(_) => "campaign_delivery",
            Line::Ticket(_) => "ticket",
            Line::Feedback(_) => "feedback",
            Line::Touchpoint(_) => "touchpoint",
        }
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportSummary {
    pub records: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records left out because they name an erased person (the
    /// organization's `DROP` setting; with `REFUSE` each is an error).
    pub suppressed: u64,
    /// `line N: message`, in line order.
    pub errors: Vec<String>,
}

impl ImportSummary {
    fn add(&mut self, report: &IngestReport) {
        self.records += report.items.len() as u64;
        self.created += report.created;
        self.updated += report.updated;
        self.unchanged += report.unchanged;
        self.suppressed += report.suppressed.len() as u64;
    }
}

/// Imports `reader` into `org_id`; `progress` is told the lines done.
pub async fn import(
    db: &DatabaseConnection,
    org_id: i64,
    reader: impl BufRead,
    progress: impl Fn(u64),
) -> anyhow::Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let mut batch: Vec<(usize, Line)> = Vec::new();
    let mut done = 0u64;
    for (index, text) in reader.lines().enumerate() {
        let number = index + 1;
        let text = text?;
        done += 1;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = match serde_json::from_str(&text) {
            Ok(line) => line,
            Err(err) => {
                summary.errors.push(format!("line {number}: {err}"));
                continue;
            }
        };
        if batch
            .first()
            .is_some_and(|(_, first)| first.kind() != line.kind())
            || batch.len() >= MAX_BATCH
        {
            flush(db, org_id, std::mem::take(&mut batch), &mut summary).await?;
            progress(done);
        }
        batch.push((number, line));
    }
    flush(db, org_id, batch, &mut summary).await?;
    progress(done);
    summary.errors.sort_by_key(|e| line_number(e));
    Ok(summary)
}

fn line_number(error: &str) -> usize {
    error
        .strip_prefix("line ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The batch index a client error names (`input[3]...`), if any.
fn failing_index(err: &AppError) -> Option<usize> {
    let text = match err {
        AppError::BadUserInput { path, .. } => path.as_str(),
        AppError::IdempotencyConflict(message) | AppError::Forbidden(message) => message.as_str(),
        _ => return None,
    };
    index_in(text)
}

/// The index of `input[3]...` or `steps[3]...`.
fn index_in(text: &str) -> Option<usize> {
    let rest = text
        .strip_prefix("input[")
        .or_else(|| text.strip_prefix("steps["))?;
    rest.split(']').next()?.parse().ok()
}

/// `detail` with each other record of the batch it names (`input[2] of
/// this batch`) named by its line instead.
fn lines_for_indexes(detail: &str, numbers: &[usize]) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail;
    while let Some(at) = rest.find("input[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "input[".len()..];
        let line = after
            .split_once(']')
            .and_then(|(n, tail)| Some((numbers.get(n.parse::<usize>().ok()?)?, tail)));
        match line {
            Some((line, tail)) => {
                out.push_str(&format!("line {line}"));
                rest = tail.strip_prefix(" of this batch").unwrap_or(tail);
            }
            None => {
                out.push_str("input[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes one batch; a record the service rejects is reported against its
/// line and the batch is retried without it.
async fn flush(
    db: &DatabaseConnection,
    org_id: i64,
    mut batch: Vec<(usize, Line)>,
    summary: &mut ImportSummary,
) -> anyhow::Result<()> {
    while !batch.is_empty() {
        let numbers: Vec<usize> = batch.iter().map(|(n, _)| *n).collect();
        match write(db, org_id, &batch).await {
            Ok(report) => {
                summary.add(&report);
                return Ok(());
            }
            Err(AppError::Suppressed { paths }) => {
                // Every such record at once, each against its line.
                let mut failing: Vec<usize> = paths
                    .iter()
                    .filter_map(|p| index_in(p))
                    .filter(|i| *i < batch.len())
                    .collect();
                if failing.is_empty() {
                    return Err(anyhow::anyhow!(
                        "import stopped at line {}: {paths:?}",
                        numbers[0]
                    ));
                }
                failing.sort_unstable();
                failing.dedup();
                for i in failing.into_iter().rev() {
                    summary.errors.push(format!(
                        "line {}: customer: names a person erased from this organization; an ADMIN can lift the suppression",
                        numbers[i]
                    ));
                    batch.remove(i);
                }
            }
            Err(err) => match failing_index(&err) {
                Some(i) if i < batch.len() => {
                    let message = err.to_string();
                    let detail =
                        message
                            .split_once(": ")
                            .map_or(message.as_str(), |(path, rest)| {
                                if path.starts_with("input[") || path.starts_with("steps[") {
                                    rest
                                } else {
                                    message.as_str()
                                }
                            });
                    let field = match &err {
                        AppError::BadUserInput { path, .. } => path
                            .split_once('.')
                            .map(|(_, f)| format!("{f}: "))
                            .unwrap_or_default(),
                        _ => String::new(),
                    };
                    let detail = lines_for_indexes(detail, &numbers);
                    summary
                        .errors
                        .push(format!("line {}: {field}{detail}", numbers[i]));
                    batch.remove(i);
                }
                _ => {
                    return Err(anyhow::anyhow!(
                        "import stopped at lines {}..{}: {err}",
                        numbers[0],
                        numbers[numbers.len() - 1]
                    ));
                }
            },
        }
    }
    Ok(())
}

/// Sends a batch of one type through the ingest service.
async fn write(
    db: &DatabaseConnection,
    org_id: i64,
    batch: &[(usize, Line)],
) -> Result<IngestReport, AppError> {
    macro_rules! records {
        ($variant:ident) => {
            batch
                .iter()
                .filter_map(|(_, line)| match line {
                    Line::$variant(input) => Some(input.clone().into()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
    }
    match batch.first().map(|(_, l)| l.kind()) {
        Some("deal") => ingest::deals(db, org_id, &records!(Deal)).await,
        Some("onboarding") => ingest::onboarding(db, org_id, &records!(Onboarding)).await,
        Some("campaign_delivery") => {
            ingest::campaign_deliveries(db, org_id, &records!(CampaignDelivery)).await
        }
        Some("ticket") => ingest::tickets(db, org_id, &records!(Ticket)).await,
        Some("touchpoint") => ingest::touchpoints(db, org_id, &records!(Touchpoint)).await,
        Some("feedback") => {
            let mut records = Vec::with_capacity(batch.len());
            for (i, (_, line)) in batch.iter().enumerate() {
                if let Line::Feedback(input) = line {
                    records.push(input.clone().into_record(&format!("input[{i}]"))?);
                }
            }
            ingest::feedback(db, org_id, &records).await
        }
        Some("onboarding_step") => {
            // Definitions are upserts with no per-record outcome; they are
            // not counted among the records.
            let steps: Vec<StepDefinition> = records!(OnboardingStep);
            ingest::define_onboarding_steps(db, org_id, &steps).await?;
            Ok(IngestReport::default())
        }
        _ => Ok(IngestReport::default()),
    }
}
