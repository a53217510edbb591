//! Event ingestion: validation at the edge, idempotency per `(tenant, id)`, and one
//! transaction per batch whose statements are set-based (never one per event).
//!
//! For a batch: parse and validate every event (a bad one is rejected alone, with its index);
//! resolve the groups in one query; drop ids already stored (and repeats within the batch);
//! upsert the members it mentions; evaluate the groups' rules (keyword lists through one
//! aho-corasick automaton, ad heuristics, nickname pattern, message rate); insert the events
//! (`ON CONFLICT DO NOTHING`, so a concurrent duplicate is still counted once); then apply what
//! the inserted events mean: memberships (join time, leave time, invited-by, capacity), last
//! activity, moderation cases, outbound actions, blacklist, points.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QuerySelect, Value as DbValue,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use qunyun_entity::{
    EventKind, GroupStatus, MemberLayer, ModerationStatus, OutboundKind, OutboundStatus, Platform,
    events, group_members, groups, members, moderation_cases, outbound_actions, points_ledger,
};

use crate::commerce;
use crate::defaults::TenantDefaults;
use crate::ids::{global, new_id, now};
use crate::risk::MatcherCache;
use crate::risk::text::{AdSignal, ad_signals, normalize};
use crate::rules::{self, Act, Check, Rule};
use crate::scope::TenantTx;
use crate::{DomainError, DomainResult};

pub const MAX_BATCH: usize = 1000;
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
const MAX_ID_CHARS: usize = 200;
const MAX_FUTURE: Duration = Duration::days(1);
const EXCERPT_CHARS: usize = 200;
/// Rows per multi-row INSERT (well under both backends' parameter limits).
const CHUNK: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub index: usize,
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    fn new(index: usize, code: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            index,
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: Vec<Rejection>,
    /// Moderation cases the batch opened (to publish after commit).
    #[serde(skip)]
    pub opened_cases: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupRef {
    External {
        platform: Platform,
        external_id: String,
    },
    Id(Uuid),
}

#[derive(Debug, Clone)]
pub struct MemberRef {
    pub platform_user_id: String,
    pub display_name: Option<String>,
    pub device: Option<String>,
}

/// A validated event.
#[derive(Debug, Clone)]
pub struct Event {
    pub index: usize,
    pub source_id: String,
    pub kind: EventKind,
    pub group: GroupRef,
    pub member: Option<MemberRef>,
    pub occurred_at: DateTime<Utc>,
    pub text: Option<String>,
    pub inviter: Option<String>,
    pub removed: bool,
    pub qr_code: bool,
    pub contact_card: bool,
    /// Type-specific fields kept with the event.
    pub data: Map<String, Value>,
}

fn str_field<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    index: usize,
) -> Result<Option<&'a str>, Rejection> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Rejection::new(
            index,
            "INVALID_FIELD",
            format!("`{key}` must be a string"),
        )),
    }
}

fn required<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    index: usize,
) -> Result<&'a str, Rejection> {
    str_field(object, key, index)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Rejection::new(index, "MISSING_FIELD", format!("`{key}` is required")))
}

fn short_id(value: &str, key: &str, index: usize) -> Result<String, Rejection> {
    let value = value.trim();
    if value.chars().count() > MAX_ID_CHARS || value.chars().any(char::is_control) {
        return Err(Rejection::new(
            index,
            "INVALID_FIELD",
            format!("`{key}` is at most {MAX_ID_CHARS} printable characters"),
        ));
    }
    Ok(value.to_owned())
}

fn bool_field(object: &Map<String, Value>, key: &str, index: usize) -> Result<bool, Rejection> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Rejection::new(
            index,
            "INVALID_FIELD",
            format!("`{key}` must be true or false"),
        )),
    }
}

/// A group reference: `<platform>:<externalId>` or a `Group.id`.
pub fn parse_group_ref(value: &str) -> Option<GroupRef> {
    if let Some(id) = global::of_kind(value, "Group") {
        return Some(GroupRef::Id(id));
    }
    let (platform, external_id) = value.split_once(':')?;
    let platform = Platform::from_prefix(platform)?;
    let external_id = external_id.trim();
    (!external_id.is_empty() && external_id.len() <= 256).then(|| GroupRef::External {
        platform,
        external_id: external_id.to_owned(),
    })
}

/// Validates one event of a batch at the edge.
pub fn parse(index: usize, value: &Value, received_at: DateTime<Utc>) -> Result<Event, Rejection> {
    let Some(object) = value.as_object() else {
        return Err(Rejection::new(
            index,
            "INVALID_EVENT",
            "an event is a JSON object",
        ));
    };
    let source_id = short_id(required(object, "id", index)?, "id", index)?;
    let kind_name = required(object, "type", index)?;
    let kind = match EventKind::parse(kind_name) {
        Some(kind) => kind,
        None => {
            return Err(Rejection::new(
                index,
                "UNKNOWN_TYPE",
                format!("unknown event type {kind_name:?}"),
            ));
        }
    };
    let group_text = required(object, "group", index)?;
    let group = parse_group_ref(group_text).ok_or_else(|| {
        Rejection::new(
            index,
            "UNKNOWN_GROUP",
            "`group` is `<platform>:<externalId>` or a Group.id",
        )
    })?;
    let occurred_text = required(object, "occurredAt", index)?;
    let occurred_at = DateTime::parse_from_rfc3339(occurred_text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Rejection::new(
                index,
                "INVALID_TIME",
                "`occurredAt` must be RFC 3339 with an offset",
            )
        })?;
    if occurred_at > received_at + MAX_FUTURE {
        return Err(Rejection::new(
            index,
            "FUTURE_TIME",
            "`occurredAt` is more than a day in the future",
        ));
    }

    let member = match object.get("member") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            let platform_user_id = short_id(
                required(m, "platformUserId", index)?,
                "member.platformUserId",
                index,
            )?;
            let display_name = str_field(m, "displayName", index)?
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(200).collect::<String>());
            let device = str_field(m, "device", index)?
                .map(|s| s.trim().chars().take(40).collect::<String>())
                .filter(|s| !s.is_empty());
            Some(MemberRef {
                platform_user_id,
                display_name,
                device,
            })
        }
        Some(_) => {
            return Err(Rejection::new(
                index,
                "INVALID_FIELD",
                "`member` must be an object",
            ));
        }
    };
    let needs_member = !matches!(
        kind,
        EventKind::OrderPaid | EventKind::OrderRefunded | EventKind::LinkClicked
    );
    if needs_member && member.is_none() {
        return Err(Rejection::new(
            index,
            "MISSING_FIELD",
            format!("a {} event needs `member`", kind.as_str()),
        ));
    }

    let mut data = Map::new();
    let mut text = None;
    let mut inviter = None;
    let mut removed = false;
    match kind {
        EventKind::Message => {
            let body = str_field(object, "text", index)?
                .ok_or_else(|| Rejection::new(index, "MISSING_FIELD", "a message needs `text`"))?;
            if body.len() > MAX_TEXT_BYTES {
                return Err(Rejection::new(
                    index,
                    "TEXT_TOO_LONG",
                    format!("`text` is at most {MAX_TEXT_BYTES} bytes"),
                ));
            }
            text = Some(body.to_owned());
        }
        EventKind::MemberJoined => {
            inviter = str_field(object, "inviterPlatformUserId", index)?
                .map(|s| short_id(s, "inviterPlatformUserId", index))
                .transpose()?
                .filter(|s| !s.is_empty());
            if let Some(inviter) = &inviter {
                data.insert("inviterPlatformUserId".into(), json!(inviter));
            }
        }
        EventKind::MemberLeft => {
            removed = bool_field(object, "removed", index)?;
            data.insert("removed".into(), json!(removed));
        }
        EventKind::MessageRead | EventKind::ContentSaved => {
            data.insert(
                "postId".into(),
                json!(short_id(
                    required(object, "postId", index)?,
                    "postId",
                    index
                )?),
            );
        }
        EventKind::Complaint => {
            if let Some(body) = str_field(object, "text", index)? {
                if body.len() > MAX_TEXT_BYTES {
                    return Err(Rejection::new(
                        index,
                        "TEXT_TOO_LONG",
                        format!("`text` is at most {MAX_TEXT_BYTES} bytes"),
                    ));
                }
                text = Some(body.to_owned());
            }
        }
        EventKind::LinkClicked => {
            if let Some(post) = str_field(object, "postId", index)? {
                data.insert("postId".into(), json!(short_id(post, "postId", index)?));
            }
            if let Some(code) = str_field(object, "offerCode", index)? {
                data.insert(
                    "offerCode".into(),
                    json!(short_id(code, "offerCode", index)?),
                );
            }
        }
        EventKind::OrderPaid | EventKind::OrderRefunded => {
            data.insert(
                "orderId".into(),
                json!(short_id(
                    required(object, "orderId", index)?,
                    "orderId",
                    index
                )?),
            );
            if let Some(code) = str_field(object, "offerCode", index)? {
                data.insert(
                    "offerCode".into(),
                    json!(short_id(code, "offerCode", index)?),
                );
            }
            let amount = match object.get("amountMinor") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .filter(|a| *a >= 0)
            .ok_or_else(|| {
                Rejection::new(
                    index,
                    "INVALID_AMOUNT",
                    "`amountMinor` is a non-negative integer (minor units)",
                )
            })?;
            data.insert("amountMinor".into(), json!(amount));
            let currency = crate::validate::currency_code(required(object, "currency", index)?)
                .ok_or_else(|| {
                    Rejection::new(
                        index,
                        "INVALID_CURRENCY",
                        "`currency` is a three-letter ISO 4217 code",
                    )
                })?;
            data.insert("currency".into(), json!(currency));
        }
    }
    let qr_code = bool_field(object, "qrCode", index)?;
    let contact_card = bool_field(object, "contactCard", index)?;
    if qr_code {
        data.insert("qrCode".into(), json!(true));
    }
    if contact_card {
        data.insert("contactCard".into(), json!(true));
    }
    Ok(Event {
        index,
        source_id,
        kind,
        group,
        member,
        occurred_at,
        text,
        inviter,
        removed,
        qr_code,
        contact_card,
        data,
    })
}

impl Event {
    /// The post a read or save names: a `ScheduledPost.id` or a bare uuid.
    pub fn post_ref(&self) -> Option<Uuid> {
        let raw = self.data.get("postId")?.as_str()?;
        global::of_kind(raw, "ScheduledPost").or_else(|| Uuid::parse_str(raw).ok())
    }
}

/// Validates a whole batch; events that fail are rejected alone.
pub fn parse_batch(values: &[Value], received_at: DateTime<Utc>) -> (Vec<Event>, Vec<Rejection>) {
    let mut events = Vec::with_capacity(values.len());
    let mut rejected = Vec::new();
    for (index, value) in values.iter().enumerate() {
        match parse(index, value, received_at) {
            Ok(event) => events.push(event),
            Err(rejection) => rejected.push(rejection),
        }
    }
    (events, rejected)
}

impl Outcome {
    /// The subscription notices of the cases this batch opened (publish after commit).
    pub fn notices(&self, tenant_id: Uuid) -> Vec<crate::notify::Notice> {
        self.opened_cases
            .iter()
            .map(|id| crate::notify::Notice {
                tenant_id,
                kind: crate::notify::NoticeKind::ModerationCaseOpened,
                id: *id,
            })
            .collect()
    }
}

/// Opens the write transaction of an ingestion in a tenant, with the tenant's settings and
/// time zone.
pub async fn begin(
    db: &crate::db::Db,
    tenant: &qunyun_entity::tenants::Model,
) -> DomainResult<(TenantTx, TenantDefaults, Tz)> {
    let tx = db.tenant_write(tenant.id).await?;
    let settings = crate::defaults::for_tenant(&tx).await?;
    Ok((tx, settings, crate::tenancy::timezone_of(tenant)))
}

/// What ingestion needs besides the transaction.
pub struct Context<'a> {
    pub matchers: &'a MatcherCache,
    pub settings: &'a TenantDefaults,
    pub timezone: Tz,
}

/// A finding about one event: what matched and what to do.
struct Hit {
    rule: Uuid,
    reason: String,
    terms: Vec<String>,
    act: Act,
    /// For daily rewards: the local day, which keys the ledger entry (once per member and day).
    day: Option<chrono::NaiveDate>,
}

impl Hit {
    /// Everything but points opens a moderation case (and flags the event).
    fn opens_case(&self) -> bool {
        !matches!(self.act, Act::Points { .. })
    }
}

/// Membership state while a batch is applied.
struct Membership {
    model: group_members::Model,
    new: bool,
    dirty: bool,
}

/// Ingests validated events in the transaction's tenant.
pub async fn ingest(
    ctx: &Context<'_>,
    tx: &TenantTx,
    events: Vec<Event>,
    mut rejected: Vec<Rejection>,
) -> DomainResult<Outcome> {
    let received_at = now();
    let mut outcome = Outcome::default();

    // Groups, in one or two queries.
    let group_of = resolve_groups(tx, &events).await?;
    let mut valid = Vec::with_capacity(events.len());
    for event in events {
        match group_of.get(&event.group) {
            None => rejected.push(Rejection::new(
                event.index,
                "UNKNOWN_GROUP",
                "no such group in this tenant",
            )),
            Some(group)
                if group.status == GroupStatus::Archived
                    && group.archived_at.is_some_and(|a| event.occurred_at > a) =>
            {
                rejected.push(Rejection::new(
                    event.index,
                    "GROUP_ARCHIVED",
                    "the group was archived before this event",
                ))
            }
            Some(group) => valid.push((event, group.clone())),
        }
    }

    // Idempotency: ids already stored, and repeats within the batch.
    let known = existing_sources(tx, valid.iter().map(|(e, _)| e.source_id.as_str())).await?;
    let mut seen = HashSet::new();
    let mut fresh = Vec::with_capacity(valid.len());
    for (event, group) in valid {
        if known.contains(&event.source_id) || !seen.insert(event.source_id.clone()) {
            outcome.duplicates += 1;
        } else {
            fresh.push((event, group));
        }
    }
    fresh.sort_by_key(|(e, _)| (e.occurred_at, e.index));

    // A refund of a known order must be in the order's currency.
    let refund_refs: Vec<&str> = fresh
        .iter()
        .filter(|(e, _)| e.kind == EventKind::OrderRefunded)
        .filter_map(|(e, _)| e.data.get("orderId").and_then(Value::as_str))
        .collect();
    if !refund_refs.is_empty() {
        let currencies = commerce::order_currencies(tx, &refund_refs).await?;
        fresh.retain(|(e, _)| {
            if e.kind != EventKind::OrderRefunded {
                return true;
            }
            let order = e.data.get("orderId").and_then(Value::as_str);
            let currency = e.data.get("currency").and_then(Value::as_str);
            match order.and_then(|o| currencies.get(o)) {
                Some(known) if Some(known.as_str()) != currency => {
                    rejected.push(Rejection::new(
                        e.index,
                        "CURRENCY_MISMATCH",
                        format!("the order was paid in {known}; a refund is in the same currency"),
                    ));
                    false
                }
                _ => true,
            }
        });
    }

    // Members: one identity per (platform, platformUserId), created on first sight.
    let member_of = upsert_members(tx, &fresh).await?;

    // Rules, the keyword automaton, and the state the rules need.
    let group_ids: Vec<Uuid> = fresh
        .iter()
        .map(|(_, g)| g.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rules_by_group = group_rules(tx, &group_ids).await?;
    let any_keywords = rules_by_group
        .values()
        .flatten()
        .any(|r| matches!(r.check, Check::Keywords { .. }));
    let matcher = if any_keywords {
        Some(ctx.matchers.get(tx).await?)
    } else {
        None
    };
    let mut rate_history = rate_history(tx, &fresh, &member_of, &rules_by_group).await?;

    // Evaluate, and build the rows.
    let mut rows = Vec::with_capacity(fresh.len());
    let mut hits_of: HashMap<Uuid, Vec<Hit>> = HashMap::new();
    for (event, group) in &fresh {
        let member_id = event
            .member
            .as_ref()
            .and_then(|m| member_of.get(&(group.platform, m.platform_user_id.clone())))
            .map(|m| m.id);
        let id = new_id();
        let mut data = event.data.clone();
        let mut hits = Vec::new();
        if let Some(text) = &event.text
            && event.kind == EventKind::Message
        {
            let normalized = normalize(text);
            let signals = ad_signals(text);
            let found = matcher
                .as_ref()
                .map(|m| m.find(&normalized))
                .unwrap_or_default();
            if !found.is_empty() {
                data.insert(
                    "terms".into(),
                    json!(found.iter().map(|(t, _)| t).collect::<Vec<_>>()),
                );
            }
            if !signals.is_empty() {
                data.insert(
                    "signals".into(),
                    json!(signals.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                );
            }
            let mut all_signals: Vec<AdSignal> = signals.clone();
            if event.qr_code {
                all_signals.push(AdSignal::QrCode);
            }
            if event.contact_card {
                all_signals.push(AdSignal::ContactCard);
            }
            for rule in rules_by_group.get(&group.id).into_iter().flatten() {
                if let Some(hit) = message_hit(
                    rule,
                    &found,
                    &all_signals,
                    event,
                    member_id,
                    &mut rate_history,
                    ctx.timezone,
                ) {
                    hits.push(hit);
                }
            }
            // Strict filtering: ad heuristics open cases even without a rule for them.
            if group.strict_filter
                && !all_signals.is_empty()
                && !hits.iter().any(|h| h.opens_case())
            {
                hits.push(Hit {
                    rule: Uuid::nil(),
                    reason: "strict filtering: ad signals".into(),
                    terms: all_signals.iter().map(|s| s.as_str().to_owned()).collect(),
                    act: Act::Flag,
                    day: None,
                });
            }
        }
        if event.kind == EventKind::MemberJoined {
            let name = event
                .member
                .as_ref()
                .and_then(|m| m.display_name.as_deref())
                .unwrap_or("");
            for rule in rules_by_group.get(&group.id).into_iter().flatten() {
                if let Check::Nickname { parts } = rule.check
                    && !rules::nickname_matches(name, parts)
                {
                    hits.push(Hit {
                        rule: rule.id,
                        reason: format!("nickname {name:?} does not follow the group's pattern"),
                        terms: vec!["nickname".into()],
                        act: rule.act,
                        day: None,
                    });
                }
            }
        }
        let flagged = hits.iter().any(Hit::opens_case);
        if !hits.is_empty() {
            hits_of.insert(id, hits);
        }
        rows.push(events::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(id),
            source_id: Set(event.source_id.clone()),
            kind: Set(event.kind),
            group_id: Set(group.id),
            member_id: Set(member_id),
            occurred_at: Set(event.occurred_at),
            received_at: Set(received_at),
            text: Set(event.text.clone()),
            post_id: Set(event.post_ref()),
            local_day: Set(Some(
                event.occurred_at.with_timezone(&ctx.timezone).date_naive(),
            )),
            local_hour: Set(Some(chrono::Timelike::hour(
                &event.occurred_at.with_timezone(&ctx.timezone),
            ) as i32)),
            data: Set(Value::Object(data)),
            flagged: Set(flagged),
        });
    }

    // Insert; a row a concurrent batch stored first is a duplicate.
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.id.clone().take()).collect();
    let mut inserted: HashSet<Uuid> = HashSet::with_capacity(rows.len());
    let mut chunk = Vec::with_capacity(CHUNK);
    for row in rows {
        chunk.push(row);
        if chunk.len() == CHUNK {
            inserted.extend(insert_events(tx, std::mem::take(&mut chunk)).await?);
        }
    }
    if !chunk.is_empty() {
        inserted.extend(insert_events(tx, chunk).await?);
    }
    outcome.duplicates += ids.len() - inserted.len();
    outcome.accepted = inserted.len();

    // What the stored events mean.
    let applied: Vec<(Uuid, &Event, &groups::Model)> = ids
        .iter()
        .zip(fresh.iter())
        .filter(|(id, _)| inserted.contains(id))
        .map(|(id, (event, group))| (*id, event, group))
        .collect();
    apply(ctx, tx, &applied, &member_of, &mut hits_of, &mut outcome).await?;

    // Clicks with an offer code, orders and refunds.
    let commerce_events: Vec<commerce::CommerceEvent<'_>> = applied
        .iter()
        .filter(|(_, e, _)| {
            matches!(
                e.kind,
                EventKind::LinkClicked | EventKind::OrderPaid | EventKind::OrderRefunded
            )
        })
        .map(|(id, event, group)| commerce::CommerceEvent {
            event_id: *id,
            kind: event.kind,
            group_id: group.id,
            member_id: event
                .member
                .as_ref()
                .and_then(|m| member_of.get(&(group.platform, m.platform_user_id.clone())))
                .map(|m| m.id),
            platform_user_id: event.member.as_ref().map(|m| m.platform_user_id.as_str()),
            occurred_at: event.occurred_at,
            data: &event.data,
        })
        .collect();
    commerce::record_events(
        tx,
        ctx.timezone,
        ctx.settings.commerce.attribution_window_days,
        &commerce_events,
        received_at,
    )
    .await?;
    rejected.sort_by_key(|r| r.index);
    outcome.rejected = rejected;
    Ok(outcome)
}

async fn resolve_groups(
    tx: &TenantTx,
    events: &[Event],
) -> DomainResult<HashMap<GroupRef, groups::Model>> {
    let refs: HashSet<&GroupRef> = events.iter().map(|e| &e.group).collect();
    let mut out = HashMap::new();
    let ids: Vec<Uuid> = refs
        .iter()
        .filter_map(|r| {
            if let GroupRef::Id(id) = r {
                Some(*id)
            } else {
                None
            }
        })
        .collect();
    if !ids.is_empty() {
        for group in crate::groups::by_ids(tx, &ids).await? {
            out.insert(GroupRef::Id(group.id), group);
        }
    }
    let externals: Vec<String> = refs
        .iter()
        .filter_map(|r| {
            if let GroupRef::External { external_id, .. } = r {
                Some(external_id.clone())
            } else {
                None
            }
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !externals.is_empty() {
        let found = tx
            .select::<groups::Entity>()
            .filter(groups::Column::ExternalId.is_in(externals))
            .all(tx.conn())
            .await?;
        for group in found {
            if let Some(external_id) = group.external_id.clone() {
                out.insert(
                    GroupRef::External {
                        platform: group.platform,
                        external_id,
                    },
                    group,
                );
            }
        }
    }
    Ok(out)
}

async fn existing_sources<'a>(
    tx: &TenantTx,
    ids: impl Iterator<Item = &'a str>,
) -> DomainResult<HashSet<String>> {
    let ids: Vec<String> = ids.map(str::to_owned).collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut found = HashSet::new();
    for part in ids.chunks(CHUNK) {
        let rows: Vec<String> = tx
            .select::<events::Entity>()
            .select_only()
            .column(events::Column::SourceId)
            .filter(events::Column::SourceId.is_in(part.iter().cloned()))
            .into_tuple()
            .all(tx.conn())
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

type MemberKey = (Platform, String);
/// The latest display name and device seen for an identity, and its first sighting.
type Sighting = (Option<String>, Option<String>, DateTime<Utc>);

/// Finds or creates every member the events name (and the inviters), and keeps their latest
/// display name and device.
async fn upsert_members(
    tx: &TenantTx,
    events: &[(Event, groups::Model)],
) -> DomainResult<HashMap<MemberKey, members::Model>> {
    // The latest profile seen per identity, and its first sighting.
    let mut seen: BTreeMap<MemberKey, Sighting> = BTreeMap::new();
    for (event, group) in events {
        let mut note = |puid: &str, name: Option<&String>, device: Option<&String>| {
            let entry = seen.entry((group.platform, puid.to_owned())).or_insert((
                None,
                None,
                event.occurred_at,
            ));
            if name.is_some() {
                entry.0 = name.cloned();
            }
            if device.is_some() {
                entry.1 = device.cloned();
            }
            entry.2 = entry.2.min(event.occurred_at);
        };
        if let Some(member) = &event.member {
            note(
                &member.platform_user_id,
                member.display_name.as_ref(),
                member.device.as_ref(),
            );
        }
        if let Some(inviter) = &event.inviter {
            note(inviter, None, None);
        }
    }
    if seen.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found = load_members(tx, seen.keys()).await?;
    let missing: Vec<members::ActiveModel> = seen
        .iter()
        .filter(|(key, _)| !found.contains_key(*key))
        .map(
            |((platform, puid), (name, device, first))| members::ActiveModel {
                tenant_id: Set(tx.tenant_id()),
                id: Set(new_id()),
                platform: Set(*platform),
                platform_user_id: Set(puid.clone()),
                display_name: Set(name.clone()),
                city: Set(name.as_deref().and_then(rules::city_of)),
                device: Set(device.clone()),
                tags: Set(json!([])),
                auto_tags: Set(json!([])),
                blacklisted: Set(false),
                blacklisted_at: Set(None),
                first_seen_at: Set(*first),
                last_active_at: Set(None),
            },
        )
        .collect();
    if !missing.is_empty() {
        let keys: Vec<MemberKey> = missing
            .iter()
            .filter_map(|m| {
                Some((
                    m.platform.clone().take()?,
                    m.platform_user_id.clone().take()?,
                ))
            })
            .collect();
        for part in missing.chunks(CHUNK) {
            tx.insert_many(part.to_vec())
                .on_conflict_do_nothing_on([
                    members::Column::TenantId,
                    members::Column::Platform,
                    members::Column::PlatformUserId,
                ])
                .exec_without_returning(tx.conn())
                .await?;
        }
        found.extend(load_members(tx, keys.iter()).await?);
    }
    // Profile changes (rare): one statement per changed member.
    for (key, (name, device, _)) in &seen {
        let Some(current) = found.get(key) else {
            continue;
        };
        let name_changed = name.is_some() && name != &current.display_name;
        let device_changed = device.is_some() && device != &current.device;
        if !name_changed && !device_changed {
            continue;
        }
        let mut model = current.clone().into_active_model();
        if name_changed {
            model.display_name = Set(name.clone());
            model.city = Set(name.as_deref().and_then(rules::city_of));
        }
        if device_changed {
            model.device = Set(device.clone());
        }
        let updated = tx.update(model).await?;
        found.insert(key.clone(), updated);
    }
    Ok(found)
}

async fn load_members<'a>(
    tx: &TenantTx,
    keys: impl Iterator<Item = &'a MemberKey>,
) -> DomainResult<HashMap<MemberKey, members::Model>> {
    let keys: Vec<&MemberKey> = keys.collect();
    let mut out = HashMap::with_capacity(keys.len());
    for part in keys.chunks(CHUNK) {
        let puids: Vec<String> = part.iter().map(|(_, puid)| puid.clone()).collect();
        let rows = tx
            .select::<members::Entity>()
            .filter(members::Column::PlatformUserId.is_in(puids))
            .all(tx.conn())
            .await?;
        for row in rows {
            out.insert((row.platform, row.platform_user_id.clone()), row);
        }
    }
    Ok(out)
}

async fn group_rules(tx: &TenantTx, group_ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Vec<Rule>>> {
    let mut out: HashMap<Uuid, Vec<Rule>> = HashMap::new();
    if group_ids.is_empty() {
        return Ok(out);
    }
    for rule in rules::active_rules(tx, group_ids).await? {
        out.entry(rule.group_id).or_default().push(rule);
    }
    Ok(out)
}

/// Recent message times per (group, member), for rate-limit rules: the stored ones within the
/// longest window before the batch, to which the batch's own messages are added as evaluated.
async fn rate_history(
    tx: &TenantTx,
    events: &[(Event, groups::Model)],
    member_of: &HashMap<MemberKey, members::Model>,
    rules_by_group: &HashMap<Uuid, Vec<Rule>>,
) -> DomainResult<HashMap<(Uuid, Uuid), Vec<DateTime<Utc>>>> {
    let window = rules_by_group
        .values()
        .flatten()
        .filter_map(|r| {
            if let Check::RateLimit { per_seconds, .. } = r.check {
                Some(per_seconds)
            } else {
                None
            }
        })
        .max();
    let mut out: HashMap<(Uuid, Uuid), Vec<DateTime<Utc>>> = HashMap::new();
    let Some(window) = window else {
        return Ok(out);
    };
    let messages: Vec<(&Event, &groups::Model)> = events
        .iter()
        .filter(|(e, _)| e.kind == EventKind::Message)
        .map(|(e, g)| (e, g))
        .collect();
    let Some(earliest) = messages.iter().map(|(e, _)| e.occurred_at).min() else {
        return Ok(out);
    };
    let member_ids: Vec<Uuid> = messages
        .iter()
        .filter_map(|(e, g)| {
            e.member
                .as_ref()
                .and_then(|m| member_of.get(&(g.platform, m.platform_user_id.clone())))
                .map(|m| m.id)
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let group_ids: Vec<Uuid> = messages
        .iter()
        .map(|(_, g)| g.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows: Vec<(Uuid, Option<Uuid>, DateTime<Utc>)> = tx
        .select::<events::Entity>()
        .select_only()
        .column(events::Column::GroupId)
        .column(events::Column::MemberId)
        .column(events::Column::OccurredAt)
        .filter(events::Column::Kind.eq(EventKind::Message))
        .filter(events::Column::GroupId.is_in(group_ids))
        .filter(events::Column::MemberId.is_in(member_ids))
        .filter(events::Column::OccurredAt.gte(earliest - Duration::seconds(window)))
        .into_tuple()
        .all(tx.conn())
        .await?;
    for (group_id, member_id, at) in rows {
        if let Some(member_id) = member_id {
            out.entry((group_id, member_id)).or_default().push(at);
        }
    }
    Ok(out)
}

fn message_hit(
    rule: &Rule,
    found: &[(String, Vec<Uuid>)],
    signals: &[AdSignal],
    event: &Event,
    member_id: Option<Uuid>,
    history: &mut HashMap<(Uuid, Uuid), Vec<DateTime<Utc>>>,
    timezone: Tz,
) -> Option<Hit> {
    let hit = |reason: String, terms: Vec<String>| {
        Some(Hit {
            rule: rule.id,
            reason,
            terms,
            act: rule.act,
            day: None,
        })
    };
    let signal = |wanted: AdSignal, what: &str| {
        signals.contains(&wanted).then(|| Hit {
            rule: rule.id,
            reason: format!("{what} in a message"),
            terms: vec![wanted.as_str().into()],
            act: rule.act,
            day: None,
        })
    };
    match &rule.check {
        Check::Keywords { lists } => {
            let terms: Vec<String> = found
                .iter()
                .filter(|(_, on)| {
                    lists
                        .as_ref()
                        .is_none_or(|wanted| on.iter().any(|l| wanted.contains(l)))
                })
                .map(|(t, _)| t.clone())
                .collect();
            if terms.is_empty() {
                None
            } else {
                hit(format!("keyword: {}", terms.join(", ")), terms)
            }
        }
        Check::NoLinks => signal(AdSignal::Link, "a link"),
        Check::NoPhoneNumbers => signal(AdSignal::PhoneNumber, "a phone number"),
        Check::NoQrCodes => signal(AdSignal::QrCode, "a QR code"),
        Check::NoContactCards => signal(AdSignal::ContactCard, "a contact card"),
        Check::RateLimit {
            max_messages,
            per_seconds,
        } => {
            let member_id = member_id?;
            let times = history.entry((rule.group_id, member_id)).or_default();
            // Each rate rule sees the message once; record it before counting.
            if !times.contains(&event.occurred_at) {
                times.push(event.occurred_at);
            }
            let since = event.occurred_at - Duration::seconds(*per_seconds);
            let recent = times
                .iter()
                .filter(|t| **t > since && **t <= event.occurred_at)
                .count();
            (recent > *max_messages as usize).then(|| Hit {
                rule: rule.id,
                reason: format!("{recent} messages in {per_seconds} s (limit {max_messages})"),
                terms: vec!["rate".into()],
                act: rule.act,
                day: None,
            })
        }
        Check::MessagePoints => {
            let day = event.occurred_at.with_timezone(&timezone).date_naive();
            Some(Hit {
                rule: rule.id,
                reason: format!("active on {day}"),
                terms: Vec::new(),
                act: rule.act,
                day: Some(day),
            })
        }
        Check::Nickname { .. } => None,
    }
}

async fn insert_events(tx: &TenantTx, rows: Vec<events::ActiveModel>) -> DomainResult<Vec<Uuid>> {
    let result = tx
        .insert_many(rows)
        .on_conflict_do_nothing_on([events::Column::TenantId, events::Column::SourceId])
        .exec_with_returning_keys(tx.conn())
        .await?;
    Ok(match result {
        sea_orm::TryInsertResult::Inserted(keys) => keys.into_iter().map(|(_, id)| id).collect(),
        _ => Vec::new(),
    })
}

/// Applies memberships, activity and rule actions of the stored events.
async fn apply(
    ctx: &Context<'_>,
    tx: &TenantTx,
    applied: &[(Uuid, &Event, &groups::Model)],
    member_of: &HashMap<MemberKey, members::Model>,
    hits_of: &mut HashMap<Uuid, Vec<Hit>>,
    outcome: &mut Outcome,
) -> DomainResult<()> {
    if applied.is_empty() {
        return Ok(());
    }
    let member = |event: &Event, group: &groups::Model| {
        event
            .member
            .as_ref()
            .and_then(|m| member_of.get(&(group.platform, m.platform_user_id.clone())))
    };
    let pairs: HashSet<(Uuid, Uuid)> = applied
        .iter()
        .filter_map(|(_, e, g)| member(e, g).map(|m| (g.id, m.id)))
        .collect();
    let mut memberships = load_memberships(tx, &pairs).await?;
    let joins_present = applied
        .iter()
        .any(|(_, e, _)| e.kind == EventKind::MemberJoined);
    let mut active_count = if joins_present {
        active_counts(tx, applied).await?
    } else {
        HashMap::new()
    };
    let mut last_active: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    let mut blacklisted: HashSet<Uuid> = member_of
        .values()
        .filter(|m| m.blacklisted)
        .map(|m| m.id)
        .collect();
    let mut newly_blacklisted: Vec<Uuid> = Vec::new();
    let mut cases = Vec::new();
    let mut outbound = Vec::new();
    let mut ledger = Vec::new();
    let at = now();
    let due = at + Duration::minutes(ctx.settings.moderation.review_minutes);

    for (event_id, event, group) in applied {
        let Some(member) = member(event, group) else {
            continue;
        };
        let key = (group.id, member.id);
        match event.kind {
            EventKind::MemberJoined => {
                let inviter = event
                    .inviter
                    .as_ref()
                    .and_then(|p| member_of.get(&(group.platform, p.clone())))
                    .map(|m| m.id);
                let count = active_count.entry(group.id).or_insert(0);
                let over = *count >= i64::from(group.member_cap);
                let entry = memberships.entry(key).or_insert_with(|| Membership {
                    model: new_membership(tx, group.id, member.id, event.occurred_at),
                    new: true,
                    dirty: true,
                });
                let rejoin = entry
                    .model
                    .left_at
                    .is_some_and(|left| event.occurred_at >= left);
                if entry.new || rejoin {
                    *count += 1;
                    entry.model.joined_at = event.occurred_at;
                    entry.model.left_at = None;
                    entry.model.removed = false;
                    entry.model.over_capacity = over;
                    entry.model.invited_by = inviter
                        .filter(|i| *i != member.id)
                        .or(entry.model.invited_by);
                    entry.dirty = true;
                } else if event.occurred_at < entry.model.joined_at {
                    entry.model.joined_at = event.occurred_at;
                    entry.dirty = true;
                }
                if blacklisted.contains(&member.id) {
                    hits_of.entry(*event_id).or_default().push(Hit {
                        rule: Uuid::nil(),
                        reason: "a blacklisted member joined".into(),
                        terms: vec!["blacklist".into()],
                        act: Act::Remove,
                        day: None,
                    });
                }
            }
            EventKind::MemberLeft => {
                let entry = memberships.entry(key).or_insert_with(|| Membership {
                    model: new_membership(tx, group.id, member.id, event.occurred_at),
                    new: true,
                    dirty: true,
                });
                if entry.model.left_at.is_none() && event.occurred_at >= entry.model.joined_at {
                    entry.model.left_at = Some(event.occurred_at);
                    entry.model.removed = event.removed;
                    entry.dirty = true;
                    if let Some(count) = active_count.get_mut(&group.id) {
                        *count -= 1;
                    }
                }
            }
            EventKind::Message => {
                let latest = last_active.entry(member.id).or_insert(event.occurred_at);
                *latest = (*latest).max(event.occurred_at);
                // Whoever speaks in a group is in it.
                memberships.entry(key).or_insert_with(|| Membership {
                    model: new_membership(tx, group.id, member.id, event.occurred_at),
                    new: true,
                    dirty: true,
                });
            }
            _ => {}
        }

        // Rule actions.
        let Some(hits) = hits_of.remove(event_id) else {
            continue;
        };
        let mut case_reasons = Vec::new();
        let mut case_terms: Vec<String> = Vec::new();
        let mut actions = Vec::new();
        let case_id = new_id();
        let mut kinds_done: HashSet<OutboundKind> = HashSet::new();
        for hit in &hits {
            match hit.act {
                Act::Points { points } => {
                    let source_id = match hit.day {
                        Some(day) => format!("rule:{}:member:{}:{day}", hit.rule, member.id),
                        None => format!("rule:{}:event:{}", hit.rule, event_id),
                    };
                    ledger.push(points_ledger::ActiveModel {
                        tenant_id: Set(tx.tenant_id()),
                        id: Set(new_id()),
                        member_id: Set(member.id),
                        group_id: Set(Some(group.id)),
                        campaign_id: Set(None),
                        delta: Set(points),
                        reason: Set(hit.reason.clone()),
                        source: Set("rule".into()),
                        source_id: Set(Some(source_id)),
                        created_at: Set(at),
                    });
                    // Points are the ledger's business, not a case's.
                    continue;
                }
                Act::Flag => {}
                Act::Warn | Act::Remove | Act::Mute { .. } | Act::Blacklist => {
                    let (kind, minutes) = match hit.act {
                        Act::Warn => (OutboundKind::Warn, None),
                        Act::Mute { minutes } => (OutboundKind::Mute, Some(minutes)),
                        _ => (OutboundKind::Remove, None),
                    };
                    if kinds_done.insert(kind) {
                        outbound.push(outbound_action(
                            tx,
                            group.id,
                            member.id,
                            kind,
                            minutes,
                            &hit.reason,
                            case_id,
                            at,
                        ));
                    }
                    if let Act::Mute { minutes } = hit.act
                        && let Some(entry) = memberships.get_mut(&key)
                    {
                        entry.model.muted_until = Some(at + Duration::minutes(i64::from(minutes)));
                        entry.dirty = true;
                    }
                    if hit.act == Act::Blacklist && blacklisted.insert(member.id) {
                        newly_blacklisted.push(member.id);
                    }
                }
            }
            case_reasons.push(hit.reason.clone());
            case_terms.extend(hit.terms.iter().cloned());
            actions.push(hit.act.describe());
        }
        if case_reasons.is_empty() {
            continue;
        }
        case_terms.dedup();
        cases.push(moderation_cases::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(case_id),
            group_id: Set(group.id),
            member_id: Set(Some(member.id)),
            event_id: Set(Some(*event_id)),
            reason: Set(case_reasons.join("; ")),
            matched_terms: Set(json!(case_terms)),
            excerpt: Set(event
                .text
                .as_ref()
                .map(|t| t.chars().take(EXCERPT_CHARS).collect())),
            status: Set(ModerationStatus::Open),
            action_taken: Set(Some(actions.join(", "))),
            opened_at: Set(at),
            due_at: Set(due),
            resolved_at: Set(None),
            resolved_by: Set(None),
            note: Set(None),
        });
    }

    write_memberships(tx, memberships).await?;
    // Check-ins, quiz answers and relay entries.
    let messages: Vec<crate::campaigns::CampaignMessage<'_>> = applied
        .iter()
        .filter(|(_, e, _)| e.kind == EventKind::Message)
        .filter_map(|(_, event, group)| {
            Some(crate::campaigns::CampaignMessage {
                group_id: group.id,
                member_id: member(event, group)?.id,
                occurred_at: event.occurred_at,
                text: event.text.as_deref()?,
            })
        })
        .collect();
    crate::campaigns::on_messages(tx, ctx.timezone, &messages).await?;
    touch_last_active(tx, &last_active).await?;
    if !newly_blacklisted.is_empty() {
        tx.update_many::<members::Entity>()
            .col_expr(members::Column::Blacklisted, Expr::value(true))
            .col_expr(members::Column::BlacklistedAt, Expr::value(at))
            .filter(members::Column::Id.is_in(newly_blacklisted.clone()))
            .exec(tx.conn())
            .await?;
        // Out of every other group too.
        let elsewhere = tx
            .select::<group_members::Entity>()
            .filter(group_members::Column::MemberId.is_in(newly_blacklisted))
            .filter(group_members::Column::LeftAt.is_null())
            .all(tx.conn())
            .await?;
        for membership in elsewhere {
            let already = outbound.iter().any(|o: &outbound_actions::ActiveModel| {
                o.group_id.clone().take() == Some(membership.group_id)
                    && o.member_id.clone().take() == Some(membership.member_id)
            });
            if !already {
                outbound.push(outbound_action(
                    tx,
                    membership.group_id,
                    membership.member_id,
                    OutboundKind::Remove,
                    None,
                    "blacklisted in another group",
                    Uuid::nil(),
                    at,
                ));
            }
        }
    }
    outcome.opened_cases = cases.iter().filter_map(|c| c.id.clone().take()).collect();
    for part in cases.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .exec_without_returning(tx.conn())
            .await?;
    }
    for part in outbound.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .exec_without_returning(tx.conn())
            .await?;
    }
    for part in ledger.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .on_conflict_do_nothing_on([
                points_ledger::Column::TenantId,
                points_ledger::Column::Source,
                points_ledger::Column::SourceId,
            ])
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn outbound_action(
    tx: &TenantTx,
    group_id: Uuid,
    member_id: Uuid,
    kind: OutboundKind,
    minutes: Option<i32>,
    reason: &str,
    case_id: Uuid,
    at: DateTime<Utc>,
) -> outbound_actions::ActiveModel {
    outbound_actions::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        group_id: Set(group_id),
        member_id: Set(member_id),
        kind: Set(kind),
        minutes: Set(minutes),
        reason: Set(reason.to_owned()),
        case_id: Set((!case_id.is_nil()).then_some(case_id)),
        status: Set(OutboundStatus::Pending),
        error: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
}

fn new_membership(
    tx: &TenantTx,
    group_id: Uuid,
    member_id: Uuid,
    at: DateTime<Utc>,
) -> group_members::Model {
    group_members::Model {
        tenant_id: tx.tenant_id(),
        group_id,
        member_id,
        joined_at: at,
        left_at: None,
        removed: false,
        invited_by: None,
        layer: MemberLayer::Lurker,
        muted_until: None,
        over_capacity: false,
    }
}

async fn load_memberships(
    tx: &TenantTx,
    pairs: &HashSet<(Uuid, Uuid)>,
) -> DomainResult<HashMap<(Uuid, Uuid), Membership>> {
    let mut out = HashMap::with_capacity(pairs.len());
    if pairs.is_empty() {
        return Ok(out);
    }
    let member_ids: Vec<Uuid> = pairs
        .iter()
        .map(|(_, m)| *m)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for part in member_ids.chunks(CHUNK) {
        let rows = tx
            .select::<group_members::Entity>()
            .filter(group_members::Column::MemberId.is_in(part.iter().copied()))
            .all(tx.conn())
            .await?;
        for row in rows {
            let key = (row.group_id, row.member_id);
            if pairs.contains(&key) {
                out.insert(
                    key,
                    Membership {
                        model: row,
                        new: false,
                        dirty: false,
                    },
                );
            }
        }
    }
    Ok(out)
}

async fn active_counts(
    tx: &TenantTx,
    applied: &[(Uuid, &Event, &groups::Model)],
) -> DomainResult<HashMap<Uuid, i64>> {
    let group_ids: Vec<Uuid> = applied
        .iter()
        .map(|(_, _, g)| g.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let counts = crate::groups::layer_counts(tx, &group_ids).await?;
    Ok(group_ids
        .into_iter()
        .map(|g| {
            (
                g,
                counts
                    .get(&g)
                    .map(|layers| layers.values().sum())
                    .unwrap_or(0),
            )
        })
        .collect())
}

async fn write_memberships(
    tx: &TenantTx,
    memberships: HashMap<(Uuid, Uuid), Membership>,
) -> DomainResult<()> {
    let mut inserts = Vec::new();
    for (_, state) in memberships {
        if !state.dirty {
            continue;
        }
        if state.new {
            inserts.push(state.model.into_active_model());
        } else {
            let mut model = state.model.clone().into_active_model();
            model.joined_at = Set(state.model.joined_at);
            model.left_at = Set(state.model.left_at);
            model.removed = Set(state.model.removed);
            model.invited_by = Set(state.model.invited_by);
            model.muted_until = Set(state.model.muted_until);
            model.over_capacity = Set(state.model.over_capacity);
            tx.update(model).await?;
        }
    }
    for part in inserts.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .on_conflict(
                OnConflict::columns([
                    group_members::Column::TenantId,
                    group_members::Column::GroupId,
                    group_members::Column::MemberId,
                ])
                .update_columns([
                    group_members::Column::JoinedAt,
                    group_members::Column::LeftAt,
                    group_members::Column::Removed,
                    group_members::Column::InvitedBy,
                    group_members::Column::OverCapacity,
                    group_members::Column::MutedUntil,
                ])
                .to_owned(),
            )
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(())
}

/// `last_active_at = max(last_active_at, t)` for many members in one statement per chunk.
async fn touch_last_active(
    tx: &TenantTx,
    latest: &HashMap<Uuid, DateTime<Utc>>,
) -> DomainResult<()> {
    let rows = latest
        .iter()
        .map(|(id, at)| (*id, DbValue::from(*at)))
        .collect();
    crate::sql::update_by_id(
        tx,
        "members",
        "last_active_at",
        "timestamptz",
        rows,
        Some("members.last_active_at IS NULL OR members.last_active_at < v.value"),
    )
    .await?;
    Ok(())
}

impl From<Rejection> for DomainError {
    fn from(r: Rejection) -> Self {
        DomainError::invalid(
            "events",
            crate::UserErrorCode::Invalid,
            format!("event {}: {}", r.index, r.message),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn event(v: Value) -> Result<Event, Rejection> {
        parse(0, &v, at())
    }

    #[test]
    fn the_contract_example_parses() {
        let e = event(json!({"id": "src-123", "type": "message", "group": "wecom:wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA",
            "member": {"platformUserId": "wmAbc", "displayName": "上海-李雷-教育"},
            "occurredAt": "2026-11-30T12:00:00+08:00", "text": "大家好"}))
        .unwrap();
        assert_eq!(e.kind, EventKind::Message);
        assert_eq!(
            e.group,
            GroupRef::External {
                platform: Platform::Wecom,
                external_id: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA".into()
            }
        );
        assert_eq!(e.text.as_deref(), Some("大家好"));
    }

    #[test]
    fn bad_events_say_why() {
        let base = json!({"id": "x", "type": "message", "group": "wecom:g", "member": {"platformUserId": "u"},
            "occurredAt": "2026-11-30T12:00:00+08:00", "text": "hi"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            event(b).unwrap_err().code
        };
        assert_eq!(with("type", json!("dance")), "UNKNOWN_TYPE");
        assert_eq!(with("group", json!("nogroup")), "UNKNOWN_GROUP");
        assert_eq!(with("group", json!("myspace:g")), "UNKNOWN_GROUP");
        assert_eq!(with("occurredAt", json!("yesterday")), "INVALID_TIME");
        assert_eq!(
            with("occurredAt", json!("2026-11-30T12:00:00")),
            "INVALID_TIME"
        );
        assert_eq!(
            with("occurredAt", json!("2026-12-02T12:00:01+08:00")),
            "FUTURE_TIME"
        );
        assert_eq!(
            with("text", json!("x".repeat(MAX_TEXT_BYTES + 1))),
            "TEXT_TOO_LONG"
        );
        assert_eq!(with("text", json!(5)), "INVALID_FIELD");
        assert_eq!(with("member", json!(null)), "MISSING_FIELD");
        assert_eq!(with("id", json!("")), "MISSING_FIELD");
        assert_eq!(event(json!([1])).unwrap_err().code, "INVALID_EVENT");
        // Exactly 16 KiB is fine; a day ahead is fine.
        assert!(
            event({
                let mut b = base.clone();
                b["text"] = json!("x".repeat(MAX_TEXT_BYTES));
                b
            })
            .is_ok()
        );
        assert!(
            event({
                let mut b = base.clone();
                b["occurredAt"] = json!("2026-12-01T12:00:00+08:00");
                b
            })
            .is_ok()
        );
    }

    #[test]
    fn money_is_a_non_negative_integer() {
        let order = |amount: Value| {
            event(
                json!({"id": "o", "type": "order_paid", "group": "wecom:g", "occurredAt": "2026-11-30T12:00:00+08:00",
                "orderId": "A1", "offerCode": "c", "amountMinor": amount, "currency": "CNY"}),
            )
        };
        assert_eq!(order(json!(1999)).unwrap().data["amountMinor"], json!(1999));
        assert_eq!(
            order(json!("1999")).unwrap().data["amountMinor"],
            json!(1999)
        );
        for bad in [json!(-1), json!(19.99), json!("abc"), json!(null)] {
            assert_eq!(
                order(bad.clone()).unwrap_err().code,
                "INVALID_AMOUNT",
                "{bad}"
            );
        }
    }
}
