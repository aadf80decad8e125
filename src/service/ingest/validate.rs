//! Validation of a batch before anything is written: one bad record rejects
//! the whole batch with BAD_USER_INPUT naming it (`input[3].openedAt`).

use super::records::*;
use super::store::LIFECYCLE_SOURCE;
use crate::domain::{DealOutcome, Department, FeedbackMetric};
use crate::error::{AppError, AppResult};
use crate::time::HOUR_MS;

/// Records per batch.
pub const MAX_BATCH: usize = 1_000;
/// Serialized `attributes` of a touchpoint.
pub const MAX_ATTRIBUTES_BYTES: usize = 32 * 1024;
/// Names, reasons, teams, owners and other short texts.
pub const MAX_NAME: usize = 500;
/// Free-text comments.
pub const MAX_COMMENT: usize = 10_000;
/// Keys (source, external id, codes).
pub const MAX_KEY: usize = 200;
/// The largest amount of money a record may carry, in minor units: one
/// trillion (10^12) in the organization's currency. Sums of up to 90,000
/// such amounts still fit in 64 bits; every sum is taken in 128.
pub const MAX_MONEY_CENTS: i64 = 100_000_000_000_000;
/// 2000-01-01T00:00:00Z: nothing we store happened before.
pub const EARLIEST: i64 = 946_684_800_000;
/// Clocks drift; records may be up to 24 h ahead of ours.
pub const MAX_FUTURE: i64 = 24 * HOUR_MS;

/// Checks of one record, with its path.
pub struct Check<'a> {
    path: &'a str,
    now: i64,
}

impl Check<'_> {
    /// Checks of top-level arguments (paths are the argument names).
    pub fn arguments(now: i64) -> Check<'static> {
        Check { path: "", now }
    }

    fn fail(&self, field: &str, message: impl Into<String>) -> AppError {
        if self.path.is_empty() {
            return AppError::bad_input(field, message);
        }
        AppError::bad_input(format!("{}.{field}", self.path), message)
    }

    /// An amount of money in minor units: 0 to `MAX_MONEY_CENTS`. (A
    /// Float too large for 64 bits arrives here as i64::MAX.)
    pub fn money(&self, field: &str, cents: Option<i64>) -> AppResult<()> {
        match cents {
            Some(c) if c < 0 => Err(self.fail(field, "must not be negative")),
            Some(c) if c > MAX_MONEY_CENTS => Err(self.fail(
                field,
                "must be at most 1000000000000 (one trillion in the organization's currency)",
            )),
            _ => Ok(()),
        }
    }

    /// An email address: one `@` between a local part and a domain, no
    /// spaces or control characters inside (a newline would let it carry
    /// headers); spaces around it are trimmed when it is stored.
    fn email(&self, field: &str, email: &str) -> AppResult<()> {
        let email = email.trim();
        let well_formed = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if well_formed {
            Ok(())
        } else {
            Err(self.fail(field, "is not an email address"))
        }
    }

    /// A text field: no NUL, at most `max` characters, non-blank when required.
    pub fn text(&self, field: &str, value: &str, max: usize) -> AppResult<()> {
        if value.trim().is_empty() {
            return Err(self.fail(field, "must not be empty"));
        }
        self.optional_text(field, Some(value), max)
    }

    pub fn optional_text(&self, field: &str, value: Option<&str>, max: usize) -> AppResult<()> {
        let Some(value) = value else { return Ok(()) };
        if value.contains('\0') {
            return Err(self.fail(field, "must not contain NUL characters"));
        }
        let chars = value.chars().count();
        if chars > max {
            return Err(self.fail(
                field,
                format!("is {chars} characters long; the limit is {max}"),
            ));
        }
        Ok(())
    }

    /// An instant between 2000-01-01 and 24 h from now.
    pub fn time(&self, field: &str, at: i64) -> AppResult<()> {
        if at < EARLIEST {
            return Err(self.fail(field, "is before 2000-01-01"));
        }
        if at > self.now + MAX_FUTURE {
            return Err(self.fail(field, "is more than 24 h in the future"));
        }
        Ok(())
    }

    /// An optional instant that, when present, is valid and not before `start`.
    pub fn after(
        &self,
        field: &str,
        at: Option<i64>,
        start_field: &str,
        start: i64,
    ) -> AppResult<()> {
        let Some(at) = at else { return Ok(()) };
        self.time(field, at)?;
        if at < start {
            return Err(self.fail(field, format!("is before {start_field}")));
        }
        Ok(())
    }

    fn key(&self, source: &str, external_id: &str) -> AppResult<()> {
        self.text("source", source, MAX_KEY)?;
        if source == LIFECYCLE_SOURCE {
            return Err(self.fail("source", format!("{LIFECYCLE_SOURCE:?} is reserved")));
        }
        self.text("externalId", external_id, MAX_KEY)
    }

    fn customer(&self, c: &CustomerRef) -> AppResult<()> {
        let nested = format!("{}.customer", self.path);
        let check = Check {
            path: &nested,
            now: self.now,
        };
        check.key(&c.source, &c.external_id)?;
        check.optional_text("email", c.email.as_deref(), 320)?;
        if let Some(email) = &c.email {
            check.email("email", email)?;
        }
        check.optional_text("displayName", c.display_name.as_deref(), MAX_NAME)?;
        check.optional_text("segment", c.segment.as_deref(), MAX_KEY)?;
        check.optional_text("plan", c.plan.as_deref(), MAX_KEY)?;
        check.money("annualValue", c.annual_value_cents)?;
        Ok(())
    }
}

/// A record a partner system sends.
pub trait Validate {
    /// The department whose data this is (what a token must be allowed).
    fn department(&self) -> Department;
    fn validate(&self, check: &Check<'_>) -> AppResult<()>;
}

/// Validates every record; the first failure rejects the batch.
pub fn batch<R: Validate>(records: &[R], now: i64) -> AppResult<()> {
    if records.is_empty() || records.len() > MAX_BATCH {
        return Err(AppError::bad_input(
            "input",
            format!(
                "send 1 to {MAX_BATCH} records per batch, not {}",
                records.len()
            ),
        ));
    }
    for (i, record) in records.iter().enumerate() {
        let path = format!("input[{i}]");
        record.validate(&Check { path: &path, now })?;
    }
    Ok(())
}

impl Validate for DealRecord {
    fn department(&self) -> Department {
        Department::Sales
    }
    fn validate(&self, c: &Check<'_>) -> AppResult<()> {
        c.key(&self.source, &self.external_id)?;
        c.customer(&self.customer)?;
        c.text("owner", &self.owner, MAX_NAME)?;
        c.text("stage", &self.stage, MAX_NAME)?;
        c.money("amount", Some(self.amount_cents))?;
        c.time("openedAt", self.opened_at)?;
        c.after("closedAt", self.closed_at, "openedAt", self.opened_at)?;
        match (self.outcome, self.closed_at) {
            (DealOutcome::Open, Some(_)) => Err(c.fail("closedAt", "an OPEN deal has no closedAt")),
            (DealOutcome::Won | DealOutcome::Lost, None) => {
                Err(c.fail("closedAt", "a WON or LOST deal needs closedAt"))
            }
            _ => Ok(()),
        }
    }
}

impl Validate for ProgressRecord {
    fn department(&self) -> Department {
        Department::Onboarding
    }
    fn validate(&self, c: &Check<'_>) -> AppResult<()> {
        c.key(&self.source, &self.external_id)?;
        c.customer(&self.customer)?;
        c.text("stepKey", &self.step_key, MAX_KEY)?;
        c.time("startedAt", self.started_at)?;
        c.after(
            "completedAt",
            self.completed_at,
            "startedAt",
            self.started_at,
        )
    }
}

impl Validate for DeliveryRecord {
    fn department(&self) -> Department {
        Department::Marketing
    }
    fn validate(&self, c: &Check<'_>) -> AppResult<()> {
        c.key(&self.source, &self.external_id)?;
        c.customer(&self.customer)?;
        c.text("campaignExternalId", &self.campaign_external_id, MAX_KEY)?;
        c.text("campaignName", &self.campaign_name, MAX_NAME)?;
        c.text("campaignChannel", &self.campaign_channel, MAX_KEY)?;
        c.time("deliveredAt", self.delivered_at)?;
        c.after("openedAt", self.opened_at, "deliveredAt", self.delivered_at)?;
        c.after(
            "clickedAt",
            self.clicked_at,
            "deliveredAt",
            self.delivered_at,
        )
    }
}

impl Validate for TicketRecord {
    fn department(&self) -> Department {
        Department::Support
    }
    fn validate(&self, c: &Check<'_>) -> AppResult<()> {
        c.key(&self.source, &self.external_id)?;
        c.customer(&self.customer)?;
        c.text("reason", &self.reason, MAX_KEY)?;
        c.text("channel", &self.channel, MAX_KEY)?;
        c.text("team", &self.team, MAX_NAME)?;
        c.time("openedAt", self.opened_at)?;
        c.after(
            "firstResponseAt",
            self.first_response_at,
            "openedAt",
            self.opened_at,
        )?;
        c.after("resolvedAt", self.resolved_at, "openedAt", self.opened_at)?;
        if self.reopened_count < 0 {
            return Err(c.fail("reopenedCount", "must not be negative"));
        }
        Ok(())
    }
}

impl Validate for FeedbackRecord {
    fn department(&self) -> Department {
        self.about.subject().department()
    }
    fn validate(&self, c: &Check<'_>) -> AppResult<()> {
        c.key(&self.source, &self.external_id)?;
        c.customer(&self.customer)?;
        let (low, high) = match self.metric {
            FeedbackMetric::Csat => (1, 5),
            FeedbackMetric::Nps => (0, 10),
            FeedbackMetric::Ces => (1, 7),
        };
        if !(low..=high).contains(&self.score) {
            return Err(c.fail(
                "score",
                format!("{} scores are {low}..={high}", self.metric),
            ));
        }
        c.optional_text("comment", self.comment.as_deref(), MAX_COMMENT)?;
        c.time("occurredAt", self.occurred_at)?;
        match &self.about {
            FeedbackAbout::Ticket {
                source,
                external_id,
            }
            | FeedbackAbout::Campaign {
                source,
                external_id,
            }
            | FeedbackAbout::Deal {
                source,
                external_id,
            } => {
                c.text("about.source", source, MAX_KEY)?;
                c.text("about.externalId", external_id, MAX_KEY)
            }
            FeedbackAbout::OnboardingStep { key } => c.text("about.stepKey", key, MAX_KEY),
            FeedbackAbout::Nothing => Ok(()),
        }
    }
}

impl Validate for TouchpointRecord {
    fn department(&self) -> Department {
        self.department
    }
    fn validate(&self, c: &Check<'_>) -> AppResult<()> {
        c.key(&self.source, &self.external_id)?;
        c.customer(&self.customer)?;
        c.text("kind", &self.kind, MAX_KEY)?;
        c.optional_text("channel", self.channel.as_deref(), MAX_KEY)?;
        c.time("occurredAt", self.occurred_at)?;
        if let Some(attributes) = &self.attributes {
            if attributes.len() > MAX_ATTRIBUTES_BYTES {
                return Err(c.fail(
                    "attributes",
                    format!("is {} bytes; the limit is 32 KB", attributes.len()),
                ));
            }
            if attributes.contains("\\u0000") || attributes.contains('\0') {
                return Err(c.fail("attributes", "must not contain NUL characters"));
            }
            match serde_json::from_str::<serde_json::Value>(attributes) {
                Ok(serde_json::Value::Object(_)) => {}
                _ => return Err(c.fail("attributes", "must be a JSON object")),
            }
        }
        Ok(())
    }
}

impl FeedbackAbout {
    /// The kind of subject.
    pub fn subject(&self) -> crate::domain::FeedbackSubject {
        use crate::domain::FeedbackSubject as S;
        match self {
            FeedbackAbout::Ticket { .. } => S::Ticket,
            FeedbackAbout::OnboardingStep { .. } => S::OnboardingStep,
            FeedbackAbout::Campaign { .. } => S::Campaign,
            FeedbackAbout::Deal { .. } => S::Deal,
            FeedbackAbout::Nothing => S::None,
        }
    }
}
