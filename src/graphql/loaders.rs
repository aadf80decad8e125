//! DataLoaders, built per request for the viewer's organization, so nested
//! lists cost a fixed number of queries.

use crate::error::AppError;
use crate::service::journey::{self, JourneyArgs, JourneyItem};
use crate::service::page::Page;
use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;

/// Journey pages by (customer id, arguments).
pub struct JourneyLoader {
    pub db: DatabaseConnection,
    pub org_id: i64,
}

impl Loader<(i64, JourneyArgs)> for JourneyLoader {
    type Value = Arc<Page<JourneyItem>>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(i64, JourneyArgs)],
    ) -> Result<HashMap<(i64, JourneyArgs), Self::Value>, Self::Error> {
        // Customers asked with the same arguments load in one statement.
        let mut groups: HashMap<&JourneyArgs, Vec<i64>> = HashMap::new();
        for (customer, args) in keys {
            groups.entry(args).or_default().push(*customer);
        }
        let mut out = HashMap::new();
        for (args, customers) in groups {
            let pages = journey::load_pages(&self.db, self.org_id, &customers, args)
                .await
                .map_err(Arc::new)?;
            for (customer, page) in pages {
                out.insert((customer, args.clone()), page);
            }
        }
        Ok(out)
    }
}

/// A customer's identities by customer id.
pub struct IdentityLoader {
    pub db: DatabaseConnection,
    pub org_id: i64,
}

impl Loader<i64> for IdentityLoader {
    type Value = Vec<entity::customer_identity::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::customer::identities(&self.db, self.org_id, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Customers by id (of the viewer's organization).
pub struct CustomerLoader {
    pub db: DatabaseConnection,
    pub org_id: i64,
}

impl Loader<i64> for CustomerLoader {
    type Value = entity::customer::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::customer::by_ids(&self.db, self.org_id, keys)
            .await
            .map_err(Arc::new)
    }
}

/// `Customer.summary` by customer id, judged when the request runs.
pub struct SummaryLoader {
    pub db: DatabaseConnection,
    pub org_id: i64,
}

impl Loader<i64> for SummaryLoader {
    type Value = crate::service::summary::Summary;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::summary::summaries(&self.db, self.org_id, keys, crate::time::now_millis())
            .await
            .map_err(Arc::new)
    }
}

/// Insights attached to each (friction kind, subject key).
pub struct InsightLoader {
    pub db: DatabaseConnection,
    pub org_id: i64,
}

impl Loader<(crate::domain::FrictionKind, String)> for InsightLoader {
    type Value = Vec<entity::insight::Model>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(crate::domain::FrictionKind, String)],
    ) -> Result<HashMap<(crate::domain::FrictionKind, String), Self::Value>, Self::Error> {
        crate::service::insight::for_points(&self.db, self.org_id, keys)
            .await
            .map_err(Arc::new)
    }
}

/// A request with every loader of the viewer's organization attached.
pub fn attach(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    org_id: i64,
) -> async_graphql::Request {
    macro_rules! loader {
        ($loader:ident) => {
            DataLoader::new(
                $loader {
                    db: db.clone(),
                    org_id,
                },
                tokio::spawn,
            )
        };
    }
    request
        .data(loader!(JourneyLoader))
        .data(loader!(IdentityLoader))
        .data(loader!(CustomerLoader))
        .data(loader!(SummaryLoader))
        .data(loader!(InsightLoader))
}
