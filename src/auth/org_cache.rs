//! Organization ids by slug, remembered for a short while. Every request
//! with a person's JWT names its organization by slug; looking it up each
//! time was one statement of the handful a journey read sends. Only found
//! organizations are remembered (an unknown slug is looked up every time),
//! and only JWTs that verified get this far. This service never deletes or
//! renames an organization; `ttl` bounds how long a change made outside it
//! goes unseen.

use crate::error::AppResult;
use crate::service::organization;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// More organizations than this and the cache starts over.
const MAX_ENTRIES: usize = 10_000;

pub struct OrgCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (i64, Instant)>>,
}

impl OrgCache {
    pub fn new(ttl: Duration) -> OrgCache {
        OrgCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The id of the organization `slug`, if it exists.
    pub async fn id_of(&self, db: &DatabaseConnection, slug: &str) -> AppResult<Option<i64>> {
        if let Ok(entries) = self.entries.lock()
            && let Some((id, at)) = entries.get(slug)
            && at.elapsed() < self.ttl
        {
            return Ok(Some(*id));
        }
        let Some(org) = organization::find_by_slug(db, slug).await? else {
            return Ok(None);
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(org.slug, (org.id, Instant::now()));
        }
        Ok(Some(org.id))
    }
}
