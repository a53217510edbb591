//! Commerce: offers with unguessable tracked-link codes, clicks, orders and refunds with their
//! attribution, and costs. The ROI aggregation and reports live in [`roi`].
//!
//! Attribution of an `order_paid` event: its `offerCode` names the offer (code of this tenant);
//! without one (or with an unknown one), the order goes to the member's last click within the
//! attribution window (7 days by default) before it was paid, if any. An attributed order
//! carries the offer's campaign, and the offer's group (else the event's group). One order per
//! `(tenant, orderId)` however often it is delivered; `order_refunded` records one refund per
//! order (the largest amount reported, capped at the order's amount), so a redelivery never
//! subtracts twice, and a refund that arrives before its order waits for it.

pub mod roi;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rand::Rng;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value};
use uuid::Uuid;

use qunyun_entity::{
    Attribution, ClickSource, EventKind, OfferKind, OfferStatus, RoiScope, campaigns, cost_entries,
    groups, members, offer_clicks, offer_codes, offers, order_refunds, orders,
};

use crate::db::Db;
use crate::ids::new_id;
use crate::page::{Page, PageRequest, keyset};
use crate::scope::TenantTx;
use crate::validate::{Name, Problems, check_amount, check_currency};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

/// Characters of an offer code (no 0/O, 1/l/I): 16 of 57 symbols, about 93 random bits.
const CODE_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const CODE_LEN: usize = 16;
/// Target URLs longer than this are refused.
pub const MAX_URL_LEN: usize = 2048;
/// Clicks inserted per statement during ingestion.
const CLICKS_PER_STATEMENT: usize = 500;
/// A platform user id in a tracked link longer than this is dropped.
const MAX_PLATFORM_USER_ID: usize = 128;

/// A fresh unguessable code from the thread's CSPRNG (seeded by the OS).
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Whether `code` could be an offer code at all (checked before any lookup).
pub fn plausible_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// An `http` or `https` URL with a host and no credentials; anything else (`javascript:`,
/// `data:`, relative paths …) would make the tracked link an open redirect to it.
pub fn check_target_url(problems: &mut Problems, field: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    let bad = |problems: &mut Problems, why: &str| {
        problems.push(FieldError::input(field, UserErrorCode::Invalid, why));
        None
    };
    if raw.len() > MAX_URL_LEN {
        return bad(problems, "the target URL is at most 2048 characters");
    }
    let Ok(url) = url::Url::parse(raw) else {
        return bad(
            problems,
            "the target URL must be an absolute http(s) URL, e.g. https://shop.example.com/item/1",
        );
    };
    if !matches!(url.scheme(), "http" | "https") {
        return bad(problems, "the target URL must use http or https");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return bad(problems, "the target URL needs a host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad(problems, "the target URL must not carry credentials");
    }
    Some(url.to_string())
}

pub struct NewOffer {
    pub title: String,
    pub kind: OfferKind,
    pub price_minor: i64,
    pub currency: String,
    pub target_url: String,
    pub campaign_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub cost_minor: Option<i64>,
}

/// The campaign and group an offer may name must be this tenant's (else `NOT_FOUND` on the
/// field, exactly as for an id that does not exist).
async fn check_links(
    tx: &TenantTx,
    problems: &mut Problems,
    campaign_id: Option<Uuid>,
    group_id: Option<Uuid>,
) -> DomainResult<()> {
    if let Some(id) = campaign_id
        && tx.get::<campaigns::Entity>(id).await?.is_none()
    {
        problems.push(FieldError::input(
            "campaignId",
            UserErrorCode::NotFound,
            "no such campaign",
        ));
    }
    if let Some(id) = group_id
        && tx.get::<groups::Entity>(id).await?.is_none()
    {
        problems.push(FieldError::input(
            "groupId",
            UserErrorCode::NotFound,
            "no such group",
        ));
    }
    Ok(())
}

pub async fn create_offer(
    tx: &TenantTx,
    input: NewOffer,
    at: DateTime<Utc>,
) -> DomainResult<offers::Model> {
    let mut problems = Problems::new();
    let title = problems.take(Name::parse("title", &input.title, 200));
    let price = check_amount(&mut problems, "priceMinor", input.price_minor);
    let cost = check_amount(&mut problems, "costMinor", input.cost_minor.unwrap_or(0));
    let currency = check_currency(&mut problems, "currency", &input.currency);
    let target = check_target_url(&mut problems, "targetUrl", &input.target_url);
    check_links(tx, &mut problems, input.campaign_id, input.group_id).await?;
    problems.finish()?;
    let (Some(title), Some(target)) = (title, target) else {
        return Err(DomainError::internal(anyhow::anyhow!(
            "validated offer fields missing"
        )));
    };
    let id = new_id();
    // A collision of 93 random bits is not expected; the primary key makes it an error, and
    // one retry covers the astronomically unlikely case.
    let mut code = new_code();
    if offer_codes::Entity::find_by_id(code.clone())
        .one(tx.conn())
        .await?
        .is_some()
    {
        code = new_code();
    }
    tx.insert(offer_codes::ActiveModel {
        code: Set(code.clone()),
        tenant_id: Set(tx.tenant_id()),
        offer_id: Set(id),
        created_at: Set(at),
    })
    .await?;
    Ok(tx
        .insert(offers::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(id),
            title: Set(title.into_inner()),
            kind: Set(input.kind),
            price_minor: Set(price),
            currency: Set(currency),
            code: Set(code),
            target_url: Set(target),
            campaign_id: Set(input.campaign_id),
            group_id: Set(input.group_id),
            cost_minor: Set(cost),
            status: Set(OfferStatus::Active),
            created_at: Set(at),
            updated_at: Set(at),
            ended_at: Set(None),
        })
        .await?)
}

#[derive(Debug, Default)]
pub struct OfferPatch {
    pub title: Option<String>,
    pub price_minor: Option<i64>,
    pub target_url: Option<String>,
    pub cost_minor: Option<i64>,
}

/// Edits an offer. Its currency, campaign and group stay: orders and clicks already attributed
/// keep the ones they were attributed to.
pub async fn update_offer(
    tx: &TenantTx,
    id: Uuid,
    patch: OfferPatch,
    at: DateTime<Utc>,
) -> DomainResult<offers::Model> {
    let offer = tx.fetch::<offers::Entity>(id, "offer").await?;
    let mut problems = Problems::new();
    let title = patch
        .title
        .as_deref()
        .and_then(|t| problems.take(Name::parse("title", t, 200)));
    let price = patch
        .price_minor
        .map(|p| check_amount(&mut problems, "priceMinor", p));
    let cost = patch
        .cost_minor
        .map(|c| check_amount(&mut problems, "costMinor", c));
    let target = patch
        .target_url
        .as_deref()
        .and_then(|u| check_target_url(&mut problems, "targetUrl", u));
    problems.finish()?;
    let mut model: offers::ActiveModel = offer.into();
    if let Some(title) = title {
        model.title = Set(title.into_inner());
    }
    if let Some(price) = price {
        model.price_minor = Set(price);
    }
    if let Some(cost) = cost {
        model.cost_minor = Set(cost);
    }
    if let Some(target) = target {
        model.target_url = Set(target);
    }
    model.updated_at = Set(at);
    Ok(tx.update(model).await?)
}

/// Ends an offer: it leaves the active list; its link keeps working (messages in the groups
/// still carry it) and late orders are still attributed.
pub async fn end_offer(tx: &TenantTx, id: Uuid, at: DateTime<Utc>) -> DomainResult<offers::Model> {
    let done = tx
        .update_many::<offers::Entity>()
        .col_expr(offers::Column::Status, Expr::value(OfferStatus::Ended))
        .col_expr(offers::Column::EndedAt, Expr::value(at))
        .col_expr(offers::Column::UpdatedAt, Expr::value(at))
        .filter(offers::Column::Id.eq(id))
        .filter(offers::Column::Status.eq(OfferStatus::Active))
        .exec(tx.conn())
        .await?;
    let offer = tx.fetch::<offers::Entity>(id, "offer").await?;
    if done.rows_affected == 0 && offer.status != OfferStatus::Ended {
        return Err(DomainError::NotFound("offer"));
    }
    Ok(offer)
}

pub async fn list_offers(
    tx: &TenantTx,
    status: Option<OfferStatus>,
    campaign_id: Option<Uuid>,
    group_id: Option<Uuid>,
    page: PageRequest,
) -> DomainResult<Page<offers::Model>> {
    let mut select = tx.select::<offers::Entity>();
    if let Some(status) = status {
        select = select.filter(offers::Column::Status.eq(status));
    }
    if let Some(c) = campaign_id {
        select = select.filter(offers::Column::CampaignId.eq(c));
    }
    if let Some(g) = group_id {
        select = select.filter(offers::Column::GroupId.eq(g));
    }
    Ok(keyset(tx.conn(), select, offers::Column::Id, page).await?)
}

/// The tenant and offer of a tracked-link code, from the global index (no tenant is known yet).
pub async fn resolve_code(db: &Db, code: &str) -> DomainResult<Option<(Uuid, Uuid)>> {
    if !plausible_code(code) {
        return Ok(None);
    }
    Ok(offer_codes::Entity::find_by_id(code.to_owned())
        .one(db.global())
        .await?
        .map(|c| (c.tenant_id, c.offer_id)))
}

/// The member a platform user id names: on the offer's group's platform when it has one.
async fn member_by_platform_id(
    tx: &TenantTx,
    platform_user_id: &str,
    group: Option<&groups::Model>,
) -> DomainResult<Option<Uuid>> {
    let mut select = tx
        .select::<members::Entity>()
        .filter(members::Column::PlatformUserId.eq(platform_user_id));
    if let Some(group) = group {
        select = select.filter(members::Column::Platform.eq(group.platform));
    }
    Ok(select
        .order_by_asc(members::Column::Id)
        .one(tx.conn())
        .await?
        .map(|m| m.id))
}

/// Records a click on an offer's tracked link; returns the offer (for its target URL).
/// `platform_user_id` is the link's `m` parameter, kept even when no member has it yet.
pub async fn record_click(
    tx: &TenantTx,
    tz: Tz,
    offer_id: Uuid,
    platform_user_id: Option<&str>,
    at: DateTime<Utc>,
) -> DomainResult<offers::Model> {
    let offer = tx.fetch::<offers::Entity>(offer_id, "offer").await?;
    let platform_user_id = platform_user_id
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.len() <= MAX_PLATFORM_USER_ID);
    let group = match offer.group_id {
        Some(g) => tx.get::<groups::Entity>(g).await?,
        None => None,
    };
    let member_id = match platform_user_id {
        Some(p) => member_by_platform_id(tx, p, group.as_ref()).await?,
        None => None,
    };
    let mut click = click_row(tx, tz, &offer, ClickSource::Link, at, at);
    click.member_id = Set(member_id);
    click.platform_user_id = Set(platform_user_id.map(str::to_owned));
    tx.insert(click).await?;
    Ok(offer)
}

/// A click on `offer` at `clicked_at`, in the offer's campaign and group, member unknown.
fn click_row(
    tx: &TenantTx,
    tz: Tz,
    offer: &offers::Model,
    source: ClickSource,
    clicked_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
) -> offer_clicks::ActiveModel {
    offer_clicks::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        offer_id: Set(offer.id),
        campaign_id: Set(offer.campaign_id),
        group_id: Set(offer.group_id),
        member_id: Set(None),
        platform_user_id: Set(None),
        source: Set(source),
        clicked_at: Set(clicked_at),
        local_day: Set(clicked_at.with_timezone(&tz).date_naive()),
        received_at: Set(received_at),
    }
}

/// A stored event that means commerce: a click with an offer code, an order, a refund.
pub struct CommerceEvent<'a> {
    pub event_id: Uuid,
    pub kind: EventKind,
    pub group_id: Uuid,
    pub member_id: Option<Uuid>,
    pub platform_user_id: Option<&'a str>,
    pub occurred_at: DateTime<Utc>,
    pub data: &'a Map<String, Value>,
}

impl CommerceEvent<'_> {
    fn str(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }
    fn amount(&self) -> i64 {
        self.data
            .get("amountMinor")
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
}

/// What an ingest batch's commerce events did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub clicks: usize,
    pub orders: usize,
    pub duplicate_orders: usize,
    pub refunds: usize,
}

/// Applies the commerce events of an ingest batch, inside its transaction: clicks with a known
/// offer code, orders (attributed), refunds. Returns what it recorded.
pub async fn record_events(
    tx: &TenantTx,
    tz: Tz,
    attribution_days: i64,
    events: &[CommerceEvent<'_>],
    received_at: DateTime<Utc>,
) -> DomainResult<Recorded> {
    let mut recorded = Recorded::default();
    if events.is_empty() {
        return Ok(recorded);
    }
    // Offers named by code, in one query.
    let codes: Vec<&str> = events
        .iter()
        .filter_map(|e| e.str("offerCode"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let offers_by_code: std::collections::HashMap<String, offers::Model> = if codes.is_empty() {
        Default::default()
    } else {
        tx.select::<offers::Entity>()
            .filter(offers::Column::Code.is_in(codes))
            .all(tx.conn())
            .await?
            .into_iter()
            .map(|o| (o.code.clone(), o))
            .collect()
    };
    // Clicks first, in multi-row inserts, so an order later in the batch sees them.
    let clicks: Vec<offer_clicks::ActiveModel> = events
        .iter()
        .filter(|e| e.kind == EventKind::LinkClicked)
        .filter_map(|e| {
            let offer = e.str("offerCode").and_then(|c| offers_by_code.get(c))?;
            let mut click = click_row(
                tx,
                tz,
                offer,
                ClickSource::Event,
                e.occurred_at,
                received_at,
            );
            // The event names the group it happened in when the offer has none.
            click.group_id = Set(Some(offer.group_id.unwrap_or(e.group_id)));
            click.member_id = Set(e.member_id);
            click.platform_user_id = Set(e.platform_user_id.map(str::to_owned));
            Some(click)
        })
        .collect();
    recorded.clicks = clicks.len();
    let mut clicks = clicks.into_iter().peekable();
    while clicks.peek().is_some() {
        let part: Vec<_> = clicks.by_ref().take(CLICKS_PER_STATEMENT).collect();
        tx.insert_many(part)
            .exec_without_returning(tx.conn())
            .await?;
    }
    for event in events {
        let offer = event.str("offerCode").and_then(|c| offers_by_code.get(c));
        match event.kind {
            EventKind::OrderPaid => {
                let Some(order_ref) = event.str("orderId") else {
                    continue;
                };
                let (offer, attribution) = match offer {
                    Some(o) => (Some(o.clone()), Attribution::Code),
                    None => match last_click_offer(tx, event, attribution_days).await? {
                        Some(o) => (Some(o), Attribution::LastClick),
                        None => (None, Attribution::None),
                    },
                };
                let row = orders::ActiveModel {
                    tenant_id: Set(tx.tenant_id()),
                    id: Set(new_id()),
                    order_ref: Set(order_ref.to_owned()),
                    offer_id: Set(offer.as_ref().map(|o| o.id)),
                    campaign_id: Set(offer.as_ref().and_then(|o| o.campaign_id)),
                    group_id: Set(offer
                        .as_ref()
                        .and_then(|o| o.group_id)
                        .unwrap_or(event.group_id)),
                    member_id: Set(event.member_id),
                    amount_minor: Set(event.amount()),
                    currency: Set(event.str("currency").unwrap_or("CNY").to_owned()),
                    paid_at: Set(event.occurred_at),
                    local_day: Set(event.occurred_at.with_timezone(&tz).date_naive()),
                    attribution: Set(attribution),
                    event_id: Set(event.event_id),
                    received_at: Set(received_at),
                };
                let inserted = tx
                    .insert_many(vec![row])
                    .on_conflict(
                        OnConflict::columns([orders::Column::TenantId, orders::Column::OrderRef])
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(tx.conn())
                    .await?;
                if inserted == 1 {
                    recorded.orders += 1;
                } else {
                    recorded.duplicate_orders += 1;
                }
            }
            EventKind::OrderRefunded => {
                let Some(order_ref) = event.str("orderId") else {
                    continue;
                };
                let row = order_refunds::ActiveModel {
                    tenant_id: Set(tx.tenant_id()),
                    order_ref: Set(order_ref.to_owned()),
                    amount_minor: Set(event.amount()),
                    currency: Set(event.str("currency").unwrap_or("CNY").to_owned()),
                    refunded_at: Set(event.occurred_at),
                    event_id: Set(event.event_id),
                    received_at: Set(received_at),
                };
                // The largest amount reported wins: a redelivery changes nothing, a later
                // full refund after a partial one raises it.
                let existing = tx
                    .select::<order_refunds::Entity>()
                    .filter(order_refunds::Column::OrderRef.eq(order_ref))
                    .one(tx.conn())
                    .await?;
                match existing {
                    None => {
                        tx.insert(row).await?;
                        recorded.refunds += 1;
                    }
                    Some(old) if old.amount_minor < event.amount() => {
                        tx.update_many::<order_refunds::Entity>()
                            .col_expr(
                                order_refunds::Column::AmountMinor,
                                Expr::value(event.amount()),
                            )
                            .col_expr(order_refunds::Column::ReceivedAt, Expr::value(received_at))
                            .filter(order_refunds::Column::OrderRef.eq(order_ref))
                            .exec(tx.conn())
                            .await?;
                        recorded.refunds += 1;
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    Ok(recorded)
}

/// The offer of the member's last click within the window before the order was paid.
async fn last_click_offer(
    tx: &TenantTx,
    event: &CommerceEvent<'_>,
    attribution_days: i64,
) -> DomainResult<Option<offers::Model>> {
    let Some(member) = event.member_id else {
        return Ok(None);
    };
    let since = event.occurred_at - Duration::days(attribution_days.max(0));
    let click: Option<Uuid> = tx
        .select::<offer_clicks::Entity>()
        .select_only()
        .column(offer_clicks::Column::OfferId)
        .filter(offer_clicks::Column::MemberId.eq(member))
        .filter(offer_clicks::Column::ClickedAt.gte(since))
        .filter(offer_clicks::Column::ClickedAt.lte(event.occurred_at))
        .order_by_desc(offer_clicks::Column::ClickedAt)
        .into_tuple()
        .one(tx.conn())
        .await?;
    match click {
        Some(offer) => Ok(tx.get::<offers::Entity>(offer).await?),
        None => Ok(None),
    }
}

/// The currencies of the known orders among `order_refs`.
pub async fn order_currencies(
    tx: &TenantTx,
    order_refs: &[&str],
) -> DomainResult<std::collections::HashMap<String, String>> {
    Ok(tx
        .select::<orders::Entity>()
        .select_only()
        .column(orders::Column::OrderRef)
        .column(orders::Column::Currency)
        .filter(orders::Column::OrderRef.is_in(order_refs.iter().copied()))
        .into_tuple::<(String, String)>()
        .all(tx.conn())
        .await?
        .into_iter()
        .collect())
}

pub struct NewCost {
    pub scope: RoiScope,
    /// The offer, campaign or group; `None` (or the tenant's own id) for the tenant scope.
    pub id: Option<Uuid>,
    pub amount_minor: i64,
    pub currency: String,
    pub incurred_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Records a cost against an offer, a campaign, a group or the tenant.
pub async fn record_cost(
    tx: &TenantTx,
    tz: Tz,
    user: Option<Uuid>,
    input: NewCost,
    at: DateTime<Utc>,
) -> DomainResult<cost_entries::Model> {
    let mut problems = Problems::new();
    if input.amount_minor <= 0 {
        problems.push(FieldError::input(
            "amountMinor",
            UserErrorCode::Invalid,
            "amountMinor is a positive amount in minor units",
        ));
    }
    let currency = check_currency(&mut problems, "currency", &input.currency);
    let note = input
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        problems.push(FieldError::input(
            "note",
            UserErrorCode::Invalid,
            "the note is at most 500 characters",
        ));
    }
    let (mut offer_id, mut campaign_id, mut group_id) = (None, None, None);
    let missing = |problems: &mut Problems, what: &str| {
        problems.push(FieldError::input(
            "id",
            UserErrorCode::NotFound,
            format!("no such {what}"),
        ))
    };
    match (input.scope, input.id) {
        (RoiScope::Tenant, None) => {}
        (RoiScope::Tenant, Some(id)) if id == tx.tenant_id() => {}
        (RoiScope::Tenant, Some(_)) => missing(&mut problems, "tenant"),
        (_, None) => problems.push(FieldError::input(
            "id",
            UserErrorCode::Required,
            "the offer, campaign or group the cost is for",
        )),
        (RoiScope::Offer, Some(id)) => match tx.get::<offers::Entity>(id).await? {
            Some(o) => offer_id = Some(o.id),
            None => missing(&mut problems, "offer"),
        },
        (RoiScope::Campaign, Some(id)) => match tx.get::<campaigns::Entity>(id).await? {
            Some(c) => campaign_id = Some(c.id),
            None => missing(&mut problems, "campaign"),
        },
        (RoiScope::Group, Some(id)) => match tx.get::<groups::Entity>(id).await? {
            Some(g) => group_id = Some(g.id),
            None => missing(&mut problems, "group"),
        },
    }
    problems.finish()?;
    Ok(tx
        .insert(cost_entries::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            scope: Set(input.scope),
            offer_id: Set(offer_id),
            campaign_id: Set(campaign_id),
            group_id: Set(group_id),
            amount_minor: Set(input.amount_minor),
            currency: Set(currency),
            incurred_on: Set(input
                .incurred_on
                .unwrap_or_else(|| at.with_timezone(&tz).date_naive())),
            note: Set(note),
            created_by: Set(user),
            created_at: Set(at),
        })
        .await?)
}

/// Deleting is not offered: costs are corrected by a later entry, never rewritten.
pub async fn cost_entries(
    tx: &TenantTx,
    page: PageRequest,
) -> DomainResult<Page<cost_entries::Model>> {
    Ok(keyset(
        tx.conn(),
        tx.select::<cost_entries::Entity>(),
        cost_entries::Column::Id,
        page,
    )
    .await?)
}

/// Checks an offer exists in this tenant.
pub async fn fetch_offer(tx: &TenantTx, id: Uuid) -> DomainResult<offers::Model> {
    tx.fetch::<offers::Entity>(id, "offer").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_random_and_plausible() {
        let a = new_code();
        let b = new_code();
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, b);
        assert!(plausible_code(&a));
        assert!(!plausible_code("short"));
        assert!(!plausible_code("../../etc/passwd"));
        assert!(
            !plausible_code(&"0".repeat(CODE_LEN)),
            "0 is not in the alphabet"
        );
    }

    #[test]
    fn only_http_and_https_targets_pass() {
        let check = |u: &str| {
            let mut p = Problems::new();
            let out = check_target_url(&mut p, "targetUrl", u);
            (out, p.finish().is_ok())
        };
        assert_eq!(
            check("https://shop.example.com/a?b=1"),
            (Some("https://shop.example.com/a?b=1".into()), true)
        );
        assert!(check("http://x.cn").1);
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://x.example.com/f",
            "/relative/path",
            "//evil.example.com",
            "https://user:pw@x.example.com/",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(check(bad), (None, false), "{bad}");
        }
        assert!(!check(&format!("https://x.cn/{}", "a".repeat(MAX_URL_LEN))).1);
    }
}
