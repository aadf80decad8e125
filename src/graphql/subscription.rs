//! The subscription root: friction signals as they are raised, for the
//! viewer's organization only.

use crate::auth::Viewer;
use crate::error::IntoGraphql;
use crate::graphql::types::alert::FrictionAlert;
use crate::graphql::types::enums::FrictionKind;
use crate::service::alerts::Alerts;
use async_graphql::{Context, Result, Subscription};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Friction signals of `kinds` (all when absent) the moment they are
    /// raised: at ingest (REPEAT_CONTACT, CHANNEL_SWITCH, LOW_SATISFACTION)
    /// or by the sweep (HANDOFF_DELAY, ONBOARDING_STALL, GOING_DARK,
    /// SLOW_RESOLUTION). People, and tokens with `analytics:read`.
    async fn friction_detected(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kinds to receive; all when absent.")] kinds: Option<
            Vec<FrictionKind>,
        >,
    ) -> Result<impl Stream<Item = FrictionAlert> + use<>> {
        let viewer = ctx.data::<Viewer>()?;
        viewer.require_alerts().gql()?;
        let alerts = ctx.data::<Alerts>()?;
        let org = viewer.org_id;
        let kinds: Option<Vec<crate::domain::FrictionKind>> =
            kinds.map(|list| list.into_iter().map(Into::into).collect());
        let stream = BroadcastStream::new(alerts.bus.subscribe()).filter_map(move |item| {
            let wanted = match item {
                Ok(signal) if signal.org_id == org => {
                    let kind = signal.friction_kind();
                    match &kinds {
                        None => Some(signal),
                        Some(list) => kind.filter(|k| list.contains(k)).map(|_| signal),
                    }
                }
                Ok(_) => None,
                Err(lagged) => {
                    tracing::warn!(error = %lagged, "a slow subscriber missed signals");
                    None
                }
            };
            std::future::ready(wanted.map(FrictionAlert))
        });
        Ok(stream)
    }
}
