//! `liftSuppression` and `updateOrganizationSettings`: ADMIN only.

use crate::auth::Viewer;
use crate::error::{AppError, IntoGraphql};
use crate::graphql::types::audit::{OrganizationSettings, Suppression};
use crate::graphql::types::enums::SuppressedRecords;
use crate::service::ingest::validate::MAX_KEY;
use crate::service::organization;
use crate::service::suppression::{self, Lift};
use async_graphql::{Context, InputObject, Object, Result};
use sea_orm::DatabaseConnection;

#[derive(Default)]
pub struct PrivacyMutation;

/// A partner identity: the system and its id for the customer.
#[derive(InputObject)]
pub struct IdentityKey {
    /// The partner system (`helpdesk`).
    pub source: String,
    /// Its id for the customer.
    pub external_id: String,
}

#[Object]
impl PrivacyMutation {
    /// Lifts the suppression of one erased identity or email (give exactly
    /// one), so that records naming it are accepted again: for a person who
    /// came back and agreed. Audited. ADMIN only; NOT_FOUND when the list
    /// has no such entry.
    async fn lift_suppression(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The erased partner identity.")] identity: Option<IdentityKey>,
        #[graphql(desc = "The erased email (compared trimmed, in lower case).")] email: Option<
            String,
        >,
    ) -> Result<Suppression> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let what = match (identity, email) {
            (Some(key), None) => {
                if key.source.len() > MAX_KEY || key.external_id.len() > MAX_KEY {
                    return Err(AppError::bad_input(
                        "identity",
                        format!("source and externalId have at most {MAX_KEY} bytes"),
                    ))
                    .gql();
                }
                Lift::Identity {
                    source: key.source,
                    external_id: key.external_id,
                }
            }
            (None, Some(email)) if email.len() <= MAX_KEY => Lift::Email(email),
            (None, Some(_)) => {
                return Err(AppError::bad_input(
                    "email",
                    format!("at most {MAX_KEY} bytes"),
                ))
                .gql();
            }
            _ => {
                return Err(AppError::bad_input(
                    "identity",
                    "give either identity or email, not both or neither",
                ))
                .gql();
            }
        };
        Ok(Suppression(
            suppression::lift(db, viewer, &what).await.gql()?,
        ))
    }

    /// Changes the organization's settings; each change is audited with its
    /// old and new value. ADMIN only.
    async fn update_organization_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What ingest does with records naming an erased person.")]
        suppressed_records: Option<SuppressedRecords>,
    ) -> Result<OrganizationSettings> {
        let viewer = ctx.data::<Viewer>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let org = organization::update_settings(db, viewer, suppressed_records.map(Into::into))
            .await
            .gql()?;
        OrganizationSettings::of(org)
    }
}
