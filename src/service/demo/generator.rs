//! Generates one demo customer's records across every department, from a
//! per-customer random stream (so the data set does not depend on batching).
//! Nothing is generated after the anchor instant.

use super::catalog::*;
use crate::domain::{DealOutcome, Department, FeedbackMetric, TicketPriority};
use crate::service::ingest::records::*;
use crate::time::{DAY_MS, HOUR_MS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Every record of one customer.
#[derive(Default)]
pub struct CustomerRecords {
    pub deals: Vec<DealRecord>,
    pub progress: Vec<ProgressRecord>,
    pub deliveries: Vec<DeliveryRecord>,
    pub tickets: Vec<TicketRecord>,
    pub feedback: Vec<FeedbackRecord>,
    pub touchpoints: Vec<TouchpointRecord>,
}

struct Gen {
    rng: ChaCha8Rng,
    anchor: i64,
    index: u32,
    customer: CustomerRef,
    out: CustomerRecords,
}

/// The records of customer `index` of a data set with `seed`, up to `anchor`.
pub fn customer_records(seed: u64, index: u32, anchor: i64) -> CustomerRecords {
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    let customer = customer_ref(&mut rng, index);
    let mut g = Gen {
        rng,
        anchor,
        index,
        customer,
        out: CustomerRecords::default(),
    };
    g.generate();
    g.out
}

fn customer_ref(rng: &mut ChaCha8Rng, index: u32) -> CustomerRef {
    const FIRST: &[&str] = &[
        "Ada", "Bruno", "Chen", "Dalia", "Emre", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kemal",
        "Lena",
    ];
    const LAST: &[&str] = &[
        "Labs",
        "Systems",
        "Foods",
        "Logistics",
        "Studio",
        "Health",
        "Retail",
        "Energy",
    ];
    let name = format!(
        "{} {} {}",
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())],
        index
    );
    let roll: f64 = rng.random();
    let (segment, plan, cents) = if roll < 0.6 {
        ("SMB", "starter", rng.random_range(200_000..1_200_000))
    } else if roll < 0.9 {
        (
            "MIDMARKET",
            "growth",
            rng.random_range(1_500_000..6_000_000),
        )
    } else {
        (
            "ENTERPRISE",
            "enterprise",
            rng.random_range(8_000_000..30_000_000),
        )
    };
    CustomerRef {
        source: SOURCE_CRM.into(),
        external_id: format!("C-{index:06}"),
        email: Some(format!("contact{index}@customer{index}.example")),
        display_name: Some(name),
        segment: Some(segment.into()),
        plan: Some(plan.into()),
        annual_value_cents: Some(cents),
    }
}

impl Gen {
    fn hours(&mut self, lo: f64, hi: f64) -> i64 {
        (self.rng.random_range(lo..hi) * HOUR_MS as f64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    fn generate(&mut self) {
        let start = self.anchor - self.hours(20.0 * 24.0, 180.0 * 24.0);
        let onboarding_start = self.deal(start);
        let mut active_until = self.anchor;
        // ~12% of customers who went live over 45 days ago go dark.
        if let Some(done) = onboarding_start.and_then(|start| self.onboarding(start))
            && done < self.anchor - 45 * DAY_MS
            && self.chance(0.12)
        {
            active_until = done + 2 * DAY_MS;
        }
        self.deliveries(start, active_until);
        self.background_tickets(start, active_until);
        self.usage(onboarding_start.unwrap_or(start), active_until);
        self.nps(start, active_until);
    }

    fn deal(&mut self, opened: i64) -> Option<i64> {
        let owner = OWNERS[self.rng.random_range(0..OWNERS.len())];
        let roll: f64 = self.rng.random();
        let closed = opened + self.hours(3.0 * 24.0, 30.0 * 24.0);
        let (outcome, closed_at, stage) = if closed >= self.anchor || roll >= 0.85 {
            (DealOutcome::Open, None, "negotiation")
        } else if roll < 0.75 {
            (DealOutcome::Won, Some(closed), "closed_won")
        } else {
            (DealOutcome::Lost, Some(closed), "closed_lost")
        };
        let amount = self.customer.annual_value_cents.unwrap_or(0);
        self.out.deals.push(DealRecord {
            source: SOURCE_CRM.into(),
            external_id: format!("D-{:06}", self.index),
            customer: self.customer.clone(),
            owner: owner.into(),
            stage: stage.into(),
            amount_cents: amount,
            opened_at: opened,
            closed_at,
            outcome,
        });
        // A won deal hands off to onboarding after a delay that depends on
        // the owner; the onboarding start is returned.
        (outcome == DealOutcome::Won).then_some(closed).map(|c| {
            let delay = if owner == SLOW_OWNER {
                self.hours(120.0, 216.0)
            } else {
                self.hours(2.0, 40.0)
            };
            c + delay
        })
    }

    /// Runs the steps from `start`; returns when the last step completed.
    fn onboarding(&mut self, start: i64) -> Option<i64> {
        let mut cursor = start;
        for (key, _, expected) in STEPS {
            if cursor >= self.anchor {
                return None;
            }
            let expected_ms = i64::from(*expected) * DAY_MS;
            let stalled = *key == STALL_STEP && self.chance(STALL_SHARE);
            let took = if stalled {
                (expected_ms as f64 * self.rng.random_range(1.6..3.5)) as i64
            } else {
                (expected_ms as f64 * self.rng.random_range(0.3..0.95)) as i64
            };
            let completed = Some(cursor + took).filter(|c| *c <= self.anchor);
            let n = self.out.progress.len();
            self.out.progress.push(ProgressRecord {
                source: SOURCE_ONBOARDING.into(),
                external_id: format!("P-{:06}-{n}", self.index),
                customer: self.customer.clone(),
                step_key: (*key).into(),
                started_at: cursor,
                completed_at: completed,
            });
            let open_until = completed.unwrap_or(self.anchor);
            if *key == STALL_STEP && self.chance(if stalled { 0.75 } else { 0.08 }) {
                let at = cursor
                    + ((open_until - cursor) as f64 * self.rng.random_range(0.2..0.9)) as i64;
                self.ticket("integration_error", at, 0);
            }
            let done = completed?;
            if self.chance(0.3) {
                let score = if stalled {
                    self.rng.random_range(1..4)
                } else {
                    self.rng.random_range(5..8)
                };
                let n = self.out.feedback.len();
                let occurred_at = done + self.hours(1.0, 24.0);
                self.push_feedback(FeedbackRecord {
                    source: SOURCE_SURVEYS.into(),
                    external_id: format!("F-{:06}-{n}", self.index),
                    customer: self.customer.clone(),
                    metric: FeedbackMetric::Ces,
                    score,
                    comment: None,
                    occurred_at,
                    about: FeedbackAbout::OnboardingStep { key: (*key).into() },
                });
            }
            cursor = done + self.hours(1.0, 24.0);
        }
        self.out.progress.last().and_then(|p| p.completed_at)
    }

    fn deliveries(&mut self, start: i64, until: i64) {
        let schedule: Vec<(&str, i64, f64)> = vec![
            (TRIGGER_CAMPAIGN, 40, 0.35),
            ("CMP-WEBINAR", 100, 0.40),
            ("CMP-FEATURE", 70, 0.50),
        ];
        let mut sends: Vec<(&str, i64)> = Vec::new();
        for (campaign, days_ago, share) in schedule {
            if self.chance(share) {
                sends.push((
                    campaign,
                    self.anchor - days_ago * DAY_MS + self.hours(0.0, 48.0),
                ));
            }
        }
        if self.chance(0.6) {
            for month in 1..=5 {
                sends.push((
                    "CMP-NEWSLETTER",
                    self.anchor - month * 30 * DAY_MS + self.hours(0.0, 12.0),
                ));
            }
        }
        for (n, (campaign, at)) in sends.into_iter().enumerate() {
            if at < start || at > until {
                continue;
            }
            let (_, name, channel) = CAMPAIGNS
                .iter()
                .find(|c| c.0 == campaign)
                .copied()
                .unwrap_or(CAMPAIGNS[0]);
            let opened = self
                .chance(0.45)
                .then(|| at + self.hours(0.5, 30.0))
                .filter(|t| *t <= self.anchor);
            let clicked = opened
                .filter(|_| self.chance(0.3))
                .map(|o| o + self.hours(0.0, 0.5))
                .filter(|t| *t <= self.anchor);
            self.out.deliveries.push(DeliveryRecord {
                source: SOURCE_MARKETING.into(),
                external_id: format!("M-{:06}-{n}", self.index),
                customer: self.customer.clone(),
                campaign_external_id: campaign.into(),
                campaign_name: name.into(),
                campaign_channel: channel.into(),
                delivered_at: at,
                opened_at: opened,
                clicked_at: clicked,
            });
            let trigger = if campaign == TRIGGER_CAMPAIGN {
                0.30
            } else {
                0.02
            };
            if self.chance(trigger) {
                let reason = if campaign == TRIGGER_CAMPAIGN {
                    "billing_question"
                } else {
                    "how_to"
                };
                let at = at + self.hours(1.0, 70.0);
                self.ticket(reason, at, 0);
            }
        }
    }

    fn background_tickets(&mut self, start: i64, until: i64) {
        let count = self.rng.random_range(0..4);
        let total: u32 = REASONS.iter().map(|r| r.1).sum();
        for _ in 0..count {
            let mut pick = self.rng.random_range(0..total);
            let reason = REASONS
                .iter()
                .find(|r| {
                    if pick < r.1 {
                        true
                    } else {
                        pick -= r.1;
                        false
                    }
                })
                .map(|r| r.0)
                .unwrap_or("how_to");
            let span = (until - start).max(HOUR_MS);
            let at = start + (span as f64 * self.rng.random::<f64>()) as i64;
            self.ticket(reason, at, 0);
        }
    }

    /// A ticket at `at` (dropped after the anchor); login issues come back.
    fn ticket(&mut self, reason: &str, at: i64, depth: u32) {
        if at > self.anchor {
            return;
        }
        const CHANNELS: &[&str] = &["email", "chat", "phone"];
        let channel = CHANNELS[self.rng.random_range(0..CHANNELS.len())];
        self.ticket_on(reason, at, channel, depth);
    }

    fn ticket_on(&mut self, reason: &str, at: i64, channel: &str, depth: u32) {
        let roll: f64 = self.rng.random();
        let priority = match roll {
            r if r < 0.20 => TicketPriority::Low,
            r if r < 0.75 => TicketPriority::Normal,
            r if r < 0.95 => TicketPriority::High,
            _ => TicketPriority::Urgent,
        };
        let target_h = match priority {
            TicketPriority::Urgent => 4.0,
            TicketPriority::High => 24.0,
            TicketPriority::Normal => 72.0,
            TicketPriority::Low => 168.0,
        };
        let first = Some(at + self.hours(0.2, 8.0)).filter(|t| *t <= self.anchor);
        let resolved =
            Some(at + self.hours(target_h * 0.1, target_h * 1.4)).filter(|t| *t <= self.anchor);
        let n = self.out.tickets.len();
        let external_id = format!("T-{:06}-{n}", self.index);
        self.out.tickets.push(TicketRecord {
            source: SOURCE_HELPDESK.into(),
            external_id: external_id.clone(),
            customer: self.customer.clone(),
            reason: reason.into(),
            channel: channel.into(),
            priority,
            team: team_of(reason).into(),
            opened_at: at,
            first_response_at: first,
            resolved_at: resolved,
            reopened_count: 0,
        });
        if let Some(done) = resolved
            && self.chance(0.55)
        {
            let base = if depth > 0 {
                self.rng.random_range(1..4)
            } else if self.chance(0.85) {
                self.rng.random_range(4..6)
            } else {
                self.rng.random_range(1..4)
            };
            let occurred_at = done + self.hours(0.5, 12.0);
            self.push_feedback(FeedbackRecord {
                source: SOURCE_SURVEYS.into(),
                external_id: format!("F-{:06}-t{n}", self.index),
                customer: self.customer.clone(),
                metric: FeedbackMetric::Csat,
                score: base,
                comment: (base <= 2).then(|| "Still not fixed — third time I ask 😤".to_owned()),
                occurred_at,
                about: FeedbackAbout::Ticket {
                    source: SOURCE_HELPDESK.into(),
                    external_id,
                },
            });
        }
        if reason == REPEAT_REASON && depth < 2 && self.chance(0.55) {
            let next_channel = if self.chance(0.6) {
                if channel == "chat" { "phone" } else { "chat" }
            } else {
                channel
            };
            let again = at + self.hours(12.0, 120.0);
            if again <= self.anchor {
                self.ticket_on(reason, again, next_channel, depth + 1);
            }
        }
    }

    /// Logins and doc views while active; monthly success calls for enterprise.
    fn usage(&mut self, from: i64, until: i64) {
        let mut at = from + self.hours(2.0, 72.0);
        let mut n = 0;
        while at < until.min(self.anchor) {
            let (department, kind, channel, attributes) = if self.chance(0.7) {
                (Department::Product, "login", "web", None)
            } else {
                (
                    Department::Product,
                    "doc_view",
                    "web",
                    Some(r#"{"page":"/docs/integrations"}"#.to_owned()),
                )
            };
            self.touchpoint(n, department, kind, channel, at, attributes);
            n += 1;
            at += self.hours(72.0, 14.0 * 24.0);
        }
        if self.customer.segment.as_deref() == Some("ENTERPRISE") {
            let mut at = from + 30 * DAY_MS;
            while at < until.min(self.anchor) {
                self.touchpoint(n, Department::Success, "success_call", "phone", at, None);
                n += 1;
                at += 30 * DAY_MS;
            }
        }
    }

    fn touchpoint(
        &mut self,
        n: usize,
        department: Department,
        kind: &str,
        channel: &str,
        at: i64,
        attributes: Option<String>,
    ) {
        self.out.touchpoints.push(TouchpointRecord {
            source: SOURCE_PRODUCT.into(),
            external_id: format!("E-{:06}-{n}", self.index),
            customer: self.customer.clone(),
            department,
            kind: kind.into(),
            channel: Some(channel.into()),
            occurred_at: at,
            attributes,
        });
    }

    /// Keeps feedback only when it happened by the anchor.
    fn push_feedback(&mut self, record: FeedbackRecord) {
        if record.occurred_at <= self.anchor {
            self.out.feedback.push(record);
        }
    }

    fn nps(&mut self, start: i64, until: i64) {
        if !self.chance(0.35) {
            return;
        }
        let at = self.anchor - self.hours(5.0 * 24.0, 60.0 * 24.0);
        if at < start || at > until {
            return;
        }
        let unhappy = self.out.tickets.len() > 2;
        let score = if unhappy {
            self.rng.random_range(0..7)
        } else {
            self.rng.random_range(6..11)
        };
        self.push_feedback(FeedbackRecord {
            source: SOURCE_SURVEYS.into(),
            external_id: format!("F-{:06}-nps", self.index),
            customer: self.customer.clone(),
            metric: FeedbackMetric::Nps,
            score,
            comment: None,
            occurred_at: at,
            about: FeedbackAbout::Nothing,
        });
    }
}
