//! Customer lookup and listing, always inside the viewer's organization.

use super::page::{Page, count_if};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use entity::{customer, customer_identity};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Filters of `customers(filter: ...)`.
#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    /// Case-insensitive substring of the display name or email.
    pub search: Option<String>,
    /// Exact segment.
    pub segment: Option<String>,
}

/// The customer `id` of the viewer's organization. A merged customer resolves
/// to its survivor. Another organization's id is NOT_FOUND, like an unknown one.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> AppResult<customer::Model> {
    let found = find_in_org(db, viewer.org_id, id).await?;
    match found.merged_into {
        Some(survivor) => find_in_org(db, viewer.org_id, survivor).await,
        None => Ok(found),
    }
}

async fn find_in_org(db: &DatabaseConnection, org_id: i64, id: i64) -> AppResult<customer::Model> {
    customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org_id))
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("customer"))
}

/// The customer a source system knows as `external_id`.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn get_by_identity(
    db: &DatabaseConnection,
    viewer: &Viewer,
    source: &str,
    external_id: &str,
) -> AppResult<customer::Model> {
    let identity = customer_identity::Entity::find()
        .filter(customer_identity::Column::OrgId.eq(viewer.org_id))
        .filter(customer_identity::Column::Source.eq(source))
        .filter(customer_identity::Column::ExternalId.eq(external_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("customer"))?;
    get(db, viewer, identity.customer_id).await
}

/// Customers (merged ones excluded) in id order, after the `after` id.
#[tracing::instrument(skip(db, viewer), fields(org = viewer.org_id))]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &CustomerFilter,
    first: u64,
    after: Option<i64>,
    count: bool,
) -> AppResult<Page<customer::Model>> {
    let mut query = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(viewer.org_id))
        .filter(customer::Column::MergedInto.is_null());
    if let Some(segment) = &filter.segment {
        query = query.filter(customer::Column::Segment.eq(segment.as_str()));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let chars = search.chars().count();
        if chars > MAX_SEARCH_CHARS {
            return Err(AppError::bad_input(
                "filter.search",
                format!("is {chars} characters long; the limit is {MAX_SEARCH_CHARS}"),
            ));
        }
        let pattern = like_pattern(search);
        let name = Expr::expr(Func::lower(Expr::col(customer::Column::DisplayName)))
            .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'));
        let email = Expr::col(customer::Column::EmailNormalized)
            .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'));
        query = query.filter(name.or(email));
    }
    let total = count_if(count, &query, db).await?;
    if let Some(after) = after {
        query = query.filter(customer::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(customer::Column::Id)
        .limit(first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, first, after.is_some()).with_total(total))
}

/// The longest `filter.search` text (a name or an email is shorter; SQLite
/// refuses LIKE patterns over 50,000 bytes as too complex).
pub const MAX_SEARCH_CHARS: usize = 200;

/// `%text%` lower-cased, with LIKE wildcards in the text escaped.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// The identities of each customer in `customer_ids` (of `org_id`), oldest first.
pub async fn identities(
    db: &DatabaseConnection,
    org_id: i64,
    customer_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<customer_identity::Model>>> {
    let rows = customer_identity::Entity::find()
        .filter(customer_identity::Column::OrgId.eq(org_id))
        .filter(customer_identity::Column::CustomerId.is_in(customer_ids.iter().copied()))
        .order_by_asc(customer_identity::Column::Id)
        .all(db)
        .await?;
    let mut by_customer: std::collections::HashMap<i64, Vec<customer_identity::Model>> =
        customer_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        by_customer.entry(row.customer_id).or_default().push(row);
    }
    Ok(by_customer)
}

/// The customers `ids` of `org_id`, by id (unknown ids are absent).
pub async fn by_ids(
    db: &DatabaseConnection,
    org_id: i64,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, customer::Model>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(super::ingest::store::MAX_IN_LIST) {
        let rows = customer::Entity::find()
            .filter(customer::Column::OrgId.eq(org_id))
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|c| (c.id, c)));
    }
    Ok(out)
}
