//! The WeCom connector: a corp's callback settings, the callback's crypto ([`crypto`]), and the
//! mapping of `change_external_chat` events onto groups and member events.
//!
//! The callback URL names the connector by a route id that carries its tenant
//! (`base64url(tenant uuid ‖ connector uuid)`), so the unauthenticated callback finds the right
//! tenant without a global lookup table; the signature over the message is what authenticates it.

pub mod crypto;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::{Map, json};
use uuid::Uuid;

use qunyun_entity::{AdmissionPolicy, EventKind, GroupKind, Platform, wecom_connectors};

use crate::groups::{self, NewGroup};
use crate::ids::{new_id, now};
use crate::ingest::{self, Event, GroupRef, MemberRef, Outcome};
use crate::scope::TenantTx;
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};
use crypto::{ChatChange, WecomCrypto, WecomEvent};

pub fn route_id(tenant_id: Uuid, connector_id: Uuid) -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(tenant_id.as_bytes());
    bytes.extend_from_slice(connector_id.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn parse_route_id(route: &str) -> Option<(Uuid, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(route).ok()?;
    if bytes.len() != 32 {
        return None;
    }
    Some((
        Uuid::from_slice(&bytes[..16]).ok()?,
        Uuid::from_slice(&bytes[16..]).ok()?,
    ))
}

pub fn callback_path(connector: &wecom_connectors::Model) -> String {
    format!(
        "/connectors/wecom/{}/callback",
        route_id(connector.tenant_id, connector.id)
    )
}

pub fn crypto_of(connector: &wecom_connectors::Model) -> Result<WecomCrypto, crypto::WecomError> {
    WecomCrypto::new(
        &connector.token,
        &connector.encoding_aes_key,
        &connector.corp_id,
    )
}

pub async fn create_connector(
    tx: &TenantTx,
    name: &str,
    corp_id: &str,
    token: &str,
    encoding_aes_key: &str,
) -> DomainResult<wecom_connectors::Model> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", name, 100));
    let corp_id = corp_id.trim();
    if corp_id.is_empty()
        || corp_id.len() > 64
        || !corp_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        problems.push(FieldError::input(
            "corpId",
            UserErrorCode::Invalid,
            "corpId is the corp's id, e.g. ww1436e0e65a779aee",
        ));
    }
    let token = token.trim();
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        problems.push(FieldError::input(
            "token",
            UserErrorCode::Invalid,
            "token is 1 to 64 letters and digits",
        ));
    }
    let key = encoding_aes_key.trim();
    if WecomCrypto::new(token, key, corp_id).is_err() {
        problems.push(FieldError::input(
            "encodingAesKey",
            UserErrorCode::Invalid,
            "encodingAesKey is the 43-character key from the WeCom console",
        ));
    }
    problems.finish()?;
    let name =
        name.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?;
    Ok(tx
        .insert(wecom_connectors::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            name: Set(name.into_inner()),
            corp_id: Set(corp_id.to_owned()),
            token: Set(token.to_owned()),
            encoding_aes_key: Set(key.to_owned()),
            created_at: Set(now()),
        })
        .await?)
}

/// Applies one callback event. Redeliveries change nothing: member events carry ids derived
/// from the event's content, group creation looks for the ChatId first, archiving is idempotent.
pub async fn apply_event(
    ctx: &ingest::Context<'_>,
    tx: &TenantTx,
    event: &WecomEvent,
) -> DomainResult<Outcome> {
    let WecomEvent::ChangeExternalChat {
        chat_id,
        create_time,
        change,
        ..
    } = event
    else {
        return Ok(Outcome::default());
    };
    let existing = groups::find_by_external(tx, Platform::Wecom, chat_id).await?;
    if let ChatChange::Dismiss = change {
        if let Some(group) = existing {
            groups::archive(tx, &group).await?;
        }
        return Ok(Outcome::default());
    }
    if existing.is_none() {
        groups::create(
            tx,
            NewGroup {
                name: format!("WeCom {chat_id}"),
                platform: Platform::Wecom,
                external_id: Some(chat_id.clone()),
                kind: GroupKind::Knowledge,
                admission: AdmissionPolicy::Open,
                positioning: None,
                member_cap: None,
            },
        )
        .await?;
    }
    let (kind, members, scene) = match change {
        ChatChange::AddMember {
            join_scene,
            members,
        } => (
            EventKind::MemberJoined,
            members,
            join_scene.map(|s| ("joinScene", s)),
        ),
        ChatChange::DelMember {
            quit_scene,
            members,
        } => (
            EventKind::MemberLeft,
            members,
            quit_scene.map(|s| ("quitScene", s)),
        ),
        _ => return Ok(Outcome::default()),
    };
    let key = crypto::event_key(event);
    let occurred_at: DateTime<Utc> = DateTime::from_timestamp(*create_time, 0).unwrap_or_else(now);
    let removed = matches!(
        change,
        ChatChange::DelMember {
            quit_scene: Some(1),
            ..
        }
    );
    let events: Vec<Event> = members
        .iter()
        .enumerate()
        .map(|(index, member)| {
            let mut data = Map::new();
            if let Some((name, value)) = scene {
                data.insert(name.into(), json!(value));
            }
            if kind == EventKind::MemberLeft {
                data.insert("removed".into(), json!(removed));
            }
            Event {
                index,
                source_id: format!("wecom:{key}:{member}"),
                kind,
                group: GroupRef::External {
                    platform: Platform::Wecom,
                    external_id: chat_id.clone(),
                },
                member: Some(MemberRef {
                    platform_user_id: member.clone(),
                    display_name: None,
                    device: None,
                }),
                occurred_at,
                text: None,
                inviter: None,
                removed,
                qr_code: false,
                contact_card: false,
                data,
            }
        })
        .collect();
    ingest::ingest(ctx, tx, events, Vec::new()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_ids_round_trip() {
        let (t, c) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(parse_route_id(&route_id(t, c)), Some((t, c)));
        assert_eq!(parse_route_id("short"), None);
    }
}
