//! API keys: `qy_` + 32 random bytes (base64url), bound to one tenant, with scopes. Only a
//! SHA-256 of the key is stored; the key itself is shown once, at creation. Revocation takes
//! effect on the next request, since every request looks the key up.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use qunyun_entity::{ApiKeyScope, api_keys};

use super::{random_token, secret_hash};
use crate::db::Db;
use crate::defaults::platform::API_KEY_TOUCH_INTERVAL_SECS;
use crate::ids::{new_id, now};
use crate::scope::{TenantTx, expect_one};
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub const KEY_PREFIX: &str = "qy_";
/// How much of the key is kept in clear to tell keys apart (`qy_` + 8 characters).
const SHOWN_CHARS: usize = 11;

/// A key that authenticated a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyPrincipal {
    pub key_id: Uuid,
    pub tenant_id: Uuid,
    pub scopes: Vec<ApiKeyScope>,
}

/// A newly created key with its secret, which is not stored.
pub struct CreatedKey {
    pub key: api_keys::Model,
    pub secret: String,
}

pub async fn create(
    tx: &TenantTx,
    created_by: Option<Uuid>,
    name: &str,
    scopes: &[ApiKeyScope],
) -> DomainResult<CreatedKey> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", name, 100));
    if scopes.is_empty() {
        problems.push(FieldError::input(
            "scopes",
            UserErrorCode::Required,
            "give at least one scope",
        ));
    }
    problems.finish()?;
    let name =
        name.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?;
    let mut scopes = scopes.to_vec();
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();

    let secret = format!("{KEY_PREFIX}{}", random_token(32));
    let key = tx
        .insert(api_keys::ActiveModel {
            id: Set(new_id()),
            tenant_id: Set(tx.tenant_id()),
            name: Set(name.into_inner()),
            prefix: Set(secret.chars().take(SHOWN_CHARS).collect()),
            key_hash: Set(secret_hash(&secret)),
            scopes: Set(scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            created_by: Set(created_by),
            created_at: Set(now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .await?;
    Ok(CreatedKey { key, secret })
}

pub async fn list(tx: &TenantTx) -> DomainResult<Vec<api_keys::Model>> {
    Ok(tx
        .select::<api_keys::Entity>()
        .order_by_asc(api_keys::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Revokes a key of this tenant (idempotent: revoking a revoked key keeps its first time).
pub async fn revoke(tx: &TenantTx, id: Uuid) -> DomainResult<api_keys::Model> {
    let key = tx.fetch::<api_keys::Entity>(id, "API key").await?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let done = tx
        .update_many::<api_keys::Entity>()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(now()))
        .filter(api_keys::Column::Id.eq(id))
        .exec(tx.conn())
        .await?;
    expect_one(done.rows_affected, "API key")?;
    tx.fetch::<api_keys::Entity>(id, "API key").await
}

/// Looks a presented key up. `None` for an unknown or revoked key. Keeps `last_used_at`, written
/// at most once a minute per key.
pub async fn authenticate(db: &Db, presented: &str) -> DomainResult<Option<ApiKeyPrincipal>> {
    if !presented.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    let Some(key) = api_keys::Entity::find()
        .filter(api_keys::Column::KeyHash.eq(secret_hash(presented)))
        .one(db.global())
        .await?
    else {
        return Ok(None);
    };
    if key.revoked_at.is_some() {
        return Ok(None);
    }
    let at = now();
    let stale = key
        .last_used_at
        .is_none_or(|t| at - t >= Duration::seconds(API_KEY_TOUCH_INTERVAL_SECS));
    if stale {
        let threshold = at - Duration::seconds(API_KEY_TOUCH_INTERVAL_SECS);
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(at))
            .filter(api_keys::Column::Id.eq(key.id))
            .filter(
                Condition::any()
                    .add(api_keys::Column::LastUsedAt.is_null())
                    .add(api_keys::Column::LastUsedAt.lt(threshold)),
            )
            .exec(db.global())
            .await?;
    }
    Ok(Some(ApiKeyPrincipal {
        key_id: key.id,
        tenant_id: key.tenant_id,
        scopes: key.scope_list(),
    }))
}
