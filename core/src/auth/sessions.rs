//! Sign-up, sign-in, refresh-token rotation with reuse detection, and sign-out.
//!
//! A session is a refresh-token *family*: signing in starts one; every refresh spends the
//! presented token and issues its successor in the same family. Presenting a spent (or revoked)
//! token again means it was copied: the whole family is revoked, which signs out both the thief
//! and the victim.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use qunyun_entity::{refresh_tokens, users};

use super::passwords::Passwords;
use super::ratelimit::SignInLimiter;
use super::tokens::TokenKeys;
use super::{random_token, secret_hash};
use crate::db::Db;
use crate::defaults::platform::REFRESH_TOKEN_TTL;
use crate::error::{FieldError, on_unique};
use crate::ids::{new_id, now};
use crate::validate::{Email, Name, NewPassword, Problems};
use crate::{DomainError, DomainResult, UserErrorCode};

const REFRESH_PREFIX: &str = "qyr_";
const BAD_CREDENTIALS: &str = "invalid e-mail or password";
const BAD_REFRESH: &str = "the refresh token is invalid, expired or already used";

#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub user: users::Model,
}

/// Everything sign-in needs, built once per process.
#[derive(Clone)]
pub struct Auth {
    pub db: Db,
    pub passwords: Passwords,
    pub tokens: TokenKeys,
    pub limiter: SignInLimiter,
}

fn bad_credentials() -> DomainError {
    DomainError::Invalid(vec![FieldError::general(
        UserErrorCode::Invalid,
        BAD_CREDENTIALS,
    )])
}

fn bad_refresh() -> DomainError {
    DomainError::Invalid(vec![FieldError::input(
        "refreshToken",
        UserErrorCode::Invalid,
        BAD_REFRESH,
    )])
}

impl Auth {
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        display_name: &str,
        client: Option<IpAddr>,
    ) -> DomainResult<Session> {
        let mut problems = Problems::new();
        let email = problems.take(Email::parse("email", email));
        let password = problems.take(NewPassword::parse("password", password));
        let display_name = problems.take(Name::parse("displayName", display_name, 100));
        problems.finish()?;
        let (Some(email), Some(password), Some(display_name)) = (email, password, display_name)
        else {
            return Err(DomainError::internal(anyhow::anyhow!(
                "validated input missing"
            )));
        };
        self.limiter.check(email.as_str(), client)?;

        let password_hash = self.passwords.hash(password.expose()).await?;
        let tx = self.db.begin_write().await?;
        let user = users::ActiveModel {
            id: Set(new_id()),
            email: Set(email.as_str().to_owned()),
            password_hash: Set(password_hash),
            display_name: Set(display_name.into_inner()),
            created_at: Set(now()),
        }
        .insert(&tx)
        .await
        .map_err(on_unique(
            "email",
            "an account with this e-mail address exists",
        ))?;
        let session = self.start_session(&tx, user, new_id()).await?;
        tx.commit().await?;
        Ok(session)
    }

    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> DomainResult<Session> {
        // An unparsable address is just an unknown one: same answer, same cost.
        let email = email.trim().to_lowercase();
        self.limiter.check(&email, client)?;
        let user = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(self.db.global())
            .await?;
        let ok = self
            .passwords
            .verify(user.as_ref().map(|u| u.password_hash.as_str()), password)
            .await?;
        let Some(user) = user.filter(|_| ok) else {
            return Err(bad_credentials());
        };
        let tx = self.db.begin_write().await?;
        let session = self.start_session(&tx, user, new_id()).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Spends a refresh token and issues its successor.
    pub async fn refresh(&self, token: &str) -> DomainResult<Session> {
        let hash = secret_hash(token);
        let Some(current) = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(hash))
            .one(self.db.global())
            .await?
        else {
            return Err(bad_refresh());
        };
        let at = now();
        if current.used_at.is_some() || current.revoked_at.is_some() {
            self.revoke_family(current.family_id, at).await?;
            tracing::warn!(user_id = %current.user_id, family = %current.family_id, "refresh token reused: session revoked");
            return Err(bad_refresh());
        }
        if current.expires_at <= at {
            return Err(bad_refresh());
        }

        let tx = self.db.begin_write().await?;
        // Spend it only if nobody else spent it meanwhile.
        let spent = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::UsedAt, Expr::value(at))
            .filter(refresh_tokens::Column::Id.eq(current.id))
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&tx)
            .await?;
        if spent.rows_affected != 1 {
            tx.rollback().await?;
            self.revoke_family(current.family_id, at).await?;
            return Err(bad_refresh());
        }
        let user = users::Entity::find_by_id(current.user_id)
            .one(&tx)
            .await?
            .ok_or_else(bad_refresh)?;
        let session = self.start_session(&tx, user, current.family_id).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Revokes the session the refresh token belongs to. `Ok(false)` for an unknown token.
    pub async fn sign_out(&self, token: &str) -> DomainResult<bool> {
        let found = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(secret_hash(token)))
            .one(self.db.global())
            .await?;
        match found {
            Some(row) => {
                self.revoke_family(row.family_id, now()).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The user of a verified access token.
    pub async fn user(&self, id: Uuid) -> DomainResult<Option<users::Model>> {
        Ok(users::Entity::find_by_id(id).one(self.db.global()).await?)
    }

    async fn revoke_family(&self, family_id: Uuid, at: DateTime<Utc>) -> DomainResult<()> {
        refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(at))
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(self.db.global())
            .await?;
        Ok(())
    }

    async fn start_session(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        user: users::Model,
        family_id: Uuid,
    ) -> DomainResult<Session> {
        let at = now();
        let refresh_token = format!("{REFRESH_PREFIX}{}", random_token(32));
        let refresh_expires =
            at + chrono::Duration::from_std(REFRESH_TOKEN_TTL).map_err(DomainError::internal)?;
        refresh_tokens::ActiveModel {
            id: Set(new_id()),
            user_id: Set(user.id),
            family_id: Set(family_id),
            token_hash: Set(secret_hash(&refresh_token)),
            created_at: Set(at),
            expires_at: Set(refresh_expires),
            used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(tx)
        .await?;
        let (access_token, access_expires) = self.tokens.issue(user.id, family_id, at)?;
        Ok(Session {
            access_token,
            access_token_expires_at: access_expires,
            refresh_token,
            refresh_token_expires_at: refresh_expires,
            user,
        })
    }
}
