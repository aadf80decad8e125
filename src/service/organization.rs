//! Organizations (tenants).

use super::audit::{self, Act};
use crate::auth::Viewer;
use crate::domain::{AuditAction, SuppressedRecords};
use crate::error::{AppError, AppResult};
use crate::time::now_millis;
use entity::organization;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde_json::json;

/// The organization with `slug`, if any.
pub async fn find_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> AppResult<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Whether `slug` is a valid organization slug: 1-63 of `a-z 0-9 -`.
pub fn validate_slug(slug: &str) -> AppResult<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "slug",
            "use 1-63 characters of a-z, 0-9 and -",
        ))
    }
}

/// The currency of an organization created without one.
pub const DEFAULT_CURRENCY: &str = "USD";

/// `code` if it is an ISO 4217 currency code (`EUR`, `JPY`), else
/// BAD_USER_INPUT on `currency`.
pub fn validate_currency(code: &str) -> AppResult<()> {
    match iso_currency::Currency::from_code(code) {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input(
            "currency",
            format!("{code:?} is not an ISO 4217 currency code (such as USD, EUR, JPY)"),
        )),
    }
}

/// Creates an organization whose money is in US dollars.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    name: &str,
) -> AppResult<organization::Model> {
    create_in(db, slug, name, DEFAULT_CURRENCY).await
}

/// Creates an organization whose money is in `currency` (ISO 4217);
/// BAD_USER_INPUT when the slug is taken or invalid, or the code unknown.
#[tracing::instrument(skip(db))]
pub async fn create_in<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    name: &str,
    currency: &str,
) -> AppResult<organization::Model> {
    validate_slug(slug)?;
    validate_currency(currency)?;
    if find_by_slug(db, slug).await?.is_some() {
        return Err(AppError::bad_input(
            "slug",
            format!("organization {slug:?} exists"),
        ));
    }
    let model = organization::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(now_millis()),
        currency: Set(currency.to_owned()),
        ..Default::default()
    };
    Ok(model.insert(db).await?)
}

/// The organization with `slug`, created when missing.
pub async fn ensure<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    name: &str,
) -> AppResult<organization::Model> {
    match find_by_slug(db, slug).await? {
        Some(org) => Ok(org),
        None => create(db, slug, name).await,
    }
}

/// The currency of organization `id`.
pub async fn currency<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<String> {
    let found = organization::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("organization"))?;
    Ok(found.currency)
}

/// The viewer's organization (its settings): ADMIN people only.
pub async fn settings<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
) -> AppResult<organization::Model> {
    viewer.require_admin()?;
    organization::Entity::find_by_id(viewer.org_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("organization"))
}

/// `updateOrganizationSettings`: ADMIN people only. Each change is audited
/// with its old and new value; a call that changes nothing writes nothing.
pub async fn update_settings<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    viewer: &Viewer,
    suppressed_records: Option<SuppressedRecords>,
) -> AppResult<organization::Model> {
    let txn = db.begin().await?;
    let current = settings(&txn, viewer).await?;
    let mut changes = serde_json::Map::new();
    let mut next = current.clone().into_active_model();
    if let Some(mode) = suppressed_records
        && mode.as_str() != current.suppressed_records
    {
        changes.insert(
            "suppressedRecords".into(),
            json!({"from": current.suppressed_records, "to": mode.as_str()}),
        );
        next.suppressed_records = Set(mode.as_str().to_owned());
    }
    if changes.is_empty() {
        return Ok(current);
    }
    let updated = next.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        Act::on(
            AuditAction::OrganizationSettingsChanged,
            format!("organization:{}", viewer.org_id),
            serde_json::Value::Object(changes),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
