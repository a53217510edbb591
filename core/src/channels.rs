//! Delivery channels: where a group's posts go. Secrets (the webhook's HMAC key, a bot token)
//! are stored and never returned.

use sea_orm::{ActiveValue::Set, QueryOrder};

use qunyun_entity::{ChannelKind, channels};

use crate::ids::{new_id, now};
use crate::scope::TenantTx;
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub struct NewChannel<'a> {
    pub name: &'a str,
    pub kind: ChannelKind,
    pub url: &'a str,
    pub secret: Option<&'a str>,
    pub chat_id: Option<&'a str>,
}

pub async fn create(tx: &TenantTx, input: NewChannel<'_>) -> DomainResult<channels::Model> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", input.name, 100));
    let url = input.url.trim();
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {}
        _ => problems.push(FieldError::input(
            "url",
            UserErrorCode::Invalid,
            "url must be an http(s) URL",
        )),
    }
    let secret = input.secret.map(str::trim).filter(|s| !s.is_empty());
    let chat_id = input.chat_id.map(str::trim).filter(|s| !s.is_empty());
    match input.kind {
        ChannelKind::Webhook if secret.is_none_or(|s| s.len() < 16) => {
            problems.push(FieldError::input(
                "secret",
                UserErrorCode::Required,
                "a WEBHOOK channel signs its requests: give a secret of at least 16 characters",
            ))
        }
        ChannelKind::Telegram => {
            if secret.is_none() {
                problems.push(FieldError::input(
                    "secret",
                    UserErrorCode::Required,
                    "a TELEGRAM channel needs the bot token",
                ));
            }
            if chat_id.is_none() {
                problems.push(FieldError::input(
                    "chatId",
                    UserErrorCode::Required,
                    "a TELEGRAM channel needs the chat id",
                ));
            }
        }
        _ => {}
    }
    if secret.is_some_and(|s| s.len() > 512) || chat_id.is_some_and(|c| c.len() > 128) {
        problems.push(FieldError::general(
            UserErrorCode::Invalid,
            "secret or chatId too long",
        ));
    }
    problems.finish()?;
    let name =
        name.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?;
    Ok(tx
        .insert(channels::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            name: Set(name.into_inner()),
            kind: Set(input.kind),
            url: Set(url.trim_end_matches('/').to_owned()),
            secret: Set(secret.map(str::to_owned)),
            chat_id: Set(chat_id.map(str::to_owned)),
            created_at: Set(now()),
        })
        .await?)
}

pub async fn list(tx: &TenantTx) -> DomainResult<Vec<channels::Model>> {
    Ok(tx
        .select::<channels::Entity>()
        .order_by_asc(channels::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Per-channel send limits (platform rules): messages per window. WEBHOOK has none.
pub fn rate_limit(kind: ChannelKind) -> Option<(i64, chrono::Duration)> {
    match kind {
        ChannelKind::WecomRobot => Some((20, chrono::Duration::minutes(1))),
        ChannelKind::Telegram => Some((20, chrono::Duration::minutes(1))),
        ChannelKind::Slack => Some((1, chrono::Duration::seconds(1))),
        ChannelKind::Webhook => None,
    }
}
