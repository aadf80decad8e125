//! The enumerations of the domain as the database stores them (their
//! upper-case names). The GraphQL layer mirrors them with `remote` enums.

use std::fmt;
use std::str::FromStr;

macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and GraphQL) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { kind: stringify!($name), value: text.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored string that names no value of the enum it should hold.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

stored_enum!(
    /// The department a touchpoint belongs to.
    Department {
        Sales => "SALES",
        Onboarding => "ONBOARDING",
        Marketing => "MARKETING",
        Support => "SUPPORT",
        Success => "SUCCESS",
        Product => "PRODUCT",
    }
);

stored_enum!(
    /// The role of a person, carried in the JWT `role` claim.
    Role { Admin => "ADMIN", Leader => "LEADER", Agent => "AGENT" }
);

stored_enum!(
    /// Outcome of a deal.
    DealOutcome { Open => "OPEN", Won => "WON", Lost => "LOST" }
);

stored_enum!(
    /// Priority of a support ticket.
    TicketPriority { Low => "LOW", Normal => "NORMAL", High => "HIGH", Urgent => "URGENT" }
);

stored_enum!(
    /// Survey metric of a feedback response.
    FeedbackMetric { Csat => "CSAT", Nps => "NPS", Ces => "CES" }
);

stored_enum!(
    /// What a feedback response is about.
    FeedbackSubject {
        Ticket => "TICKET",
        OnboardingStep => "ONBOARDING_STEP",
        Campaign => "CAMPAIGN",
        Deal => "DEAL",
        None => "NONE",
    }
);

stored_enum!(
    /// The typed table a touchpoint came from.
    RecordKind {
        Deal => "DEAL",
        Onboarding => "ONBOARDING",
        Campaign => "CAMPAIGN",
        Ticket => "TICKET",
        Feedback => "FEEDBACK",
        Outreach => "OUTREACH",
    }
);

impl Role {
    /// Parses the JWT claim, which may be written in any case.
    pub fn from_claim(claim: &str) -> Option<Role> {
        claim.to_ascii_uppercase().parse().ok()
    }
}

impl FeedbackSubject {
    /// The department feedback about this subject belongs to.
    pub fn department(self) -> Department {
        match self {
            FeedbackSubject::Ticket => Department::Support,
            FeedbackSubject::OnboardingStep => Department::Onboarding,
            FeedbackSubject::Campaign => Department::Marketing,
            FeedbackSubject::Deal => Department::Sales,
            FeedbackSubject::None => Department::Success,
        }
    }
}

stored_enum!(
    /// What a partner API token may do.
    Scope {
        IngestWrite => "ingest:write",
        JourneysRead => "journeys:read",
        AnalyticsRead => "analytics:read",
        OutreachWrite => "outreach:write",
        CustomersErase => "customers:erase",
    }
);

stored_enum!(
    /// What ingest does with a record that names an erased person.
    SuppressedRecords {
        Refuse => "REFUSE",
        Drop => "DROP",
    }
);

stored_enum!(
    /// The administrative acts the audit trail records.
    AuditAction {
        ApiTokenCreated => "api_token.created",
        ApiTokenRevoked => "api_token.revoked",
        WebhookCreated => "webhook.created",
        WebhookDeleted => "webhook.deleted",
        CustomersMerged => "customers.merged",
        CustomerErased => "customer.erased",
        SuppressionLifted => "suppression.lifted",
        OrganizationSettingsChanged => "organization.settings_changed",
    }
);

stored_enum!(
    /// The friction kinds (docs/analytics.md).
    FrictionKind {
        HandoffDelay => "HANDOFF_DELAY",
        OnboardingStall => "ONBOARDING_STALL",
        CampaignTriggeredContact => "CAMPAIGN_TRIGGERED_CONTACT",
        OnboardingTriggeredContact => "ONBOARDING_TRIGGERED_CONTACT",
        PostSaleContact => "POST_SALE_CONTACT",
        RepeatContact => "REPEAT_CONTACT",
        SlowResolution => "SLOW_RESOLUTION",
        LowSatisfaction => "LOW_SATISFACTION",
        GoingDark => "GOING_DARK",
        ChannelSwitch => "CHANNEL_SWITCH",
    }
);
