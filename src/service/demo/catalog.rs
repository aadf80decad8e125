//! The fixed cast of the demo organization: owners, onboarding steps,
//! campaigns, contact reasons. The planted friction is named here.

use crate::service::ingest::records::StepDefinition;

/// Account owners; `SLOW_OWNER` hands off to onboarding after 5-9 days.
pub const OWNERS: &[&str] = &[
    "ana.silva",
    "ben.carter",
    "chloe.martin",
    "dana.okafor",
    "eli.novak",
];
pub const SLOW_OWNER: &str = "dana.okafor";

/// (key, name, expected days); `STALL_STEP` stalls for ~40% of customers and
/// makes them contact support.
pub const STEPS: &[(&str, &str, i32)] = &[
    ("account_setup", "Account setup", 2),
    ("data_import", "Data import", 5),
    ("integration", "Integration setup", 7),
    ("team_invite", "Invite your team", 3),
    ("go_live", "Go live", 5),
];
pub const STALL_STEP: &str = "integration";
pub const STALL_SHARE: f64 = 0.40;

/// (external id, name, channel); `TRIGGER_CAMPAIGN` makes ~30% of its
/// recipients open a billing ticket within 72 h.
pub const CAMPAIGNS: &[(&str, &str, &str)] = &[
    ("CMP-PRICING", "Pricing change announcement", "email"),
    ("CMP-WEBINAR", "Spring webinar", "email"),
    ("CMP-FEATURE", "New dashboards launch", "in_app"),
    ("CMP-NEWSLETTER", "Monthly newsletter", "email"),
];
pub const TRIGGER_CAMPAIGN: &str = "CMP-PRICING";

/// Contact reasons with their weight among background tickets and team.
pub const REASONS: &[(&str, u32, &str)] = &[
    ("how_to", 35, "tier1"),
    ("bug_report", 20, "engineering"),
    ("billing_question", 10, "billing"),
    ("login_issue", 20, "tier1"),
    ("feature_request", 15, "product"),
];
/// The reason whose tickets come back: ~55% are followed by another within 5 days.
pub const REPEAT_REASON: &str = "login_issue";

pub const SOURCE_CRM: &str = "crm";
pub const SOURCE_ONBOARDING: &str = "onboarding-tracker";
pub const SOURCE_MARKETING: &str = "marketing";
pub const SOURCE_HELPDESK: &str = "helpdesk";
pub const SOURCE_SURVEYS: &str = "surveys";
pub const SOURCE_PRODUCT: &str = "product";

/// The step definitions as `defineOnboardingSteps` takes them.
pub fn step_definitions() -> Vec<StepDefinition> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, (key, name, days))| StepDefinition {
            key: (*key).to_owned(),
            name: (*name).to_owned(),
            position: i as i32 + 1,
            expected_days: *days,
        })
        .collect()
}

/// The team that handles `reason`.
pub fn team_of(reason: &str) -> &'static str {
    REASONS
        .iter()
        .find(|(r, _, _)| *r == reason)
        .map(|(_, _, team)| *team)
        .unwrap_or("integrations")
}
