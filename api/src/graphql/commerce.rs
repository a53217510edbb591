//! Commerce and ROI: offers (`createOffer`, `offers`, `updateOffer`, `endOffer`), costs
//! (`recordCost`, `costEntries`), `roi` and `nurtureGuard`. The rules live in
//! `qunyun_core::commerce`; the tracked link `GET /r/{code}` is in `crate::http::offers`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::commerce::{self, roi};
use qunyun_core::defaults;
use qunyun_core::ids::now;
use qunyun_core::tenancy::{self, Permission};
use qunyun_entity::{cost_entries, offers};

use super::campaigns::Campaign;
use super::context::{read, tenant_loaders, write};
use super::error::{GqlResult, UserError, payload};
use super::groups::Group;
use super::ids::{self, to_global};
use super::pagination::{build, page_request};
use super::scalars::{BigInt, Date, DateTime};
use crate::connection;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::OfferKind")]
pub enum OfferKind {
    Distribution,
    PaidKnowledge,
    ValueAdded,
    Ad,
    FlashSale,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::OfferStatus")]
pub enum OfferStatus {
    Active,
    Ended,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::RoiScope")]
pub enum RoiScope {
    Offer,
    Campaign,
    Group,
    Tenant,
}

impl RoiScope {
    fn kind(self) -> &'static str {
        match self {
            RoiScope::Offer => "Offer",
            RoiScope::Campaign => "Campaign",
            RoiScope::Group => "Group",
            RoiScope::Tenant => "Tenant",
        }
    }
}

pub struct Offer(pub offers::Model);

connection!(OfferConnection, OfferEdge, Offer);

#[Object]
impl Offer {
    pub async fn id(&self) -> ID {
        to_global("Offer", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn kind(&self) -> OfferKind {
        self.0.kind.into()
    }
    async fn price_minor(&self) -> BigInt {
        BigInt(self.0.price_minor)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The code of the tracked link /r/{code} and of order_paid events.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The tracked link's path; append `?m=<platformUserId>` to know the clicker.
    async fn link_path(&self) -> String {
        format!("/r/{}", self.0.code)
    }
    async fn target_url(&self) -> &str {
        &self.0.target_url
    }
    /// Counted on the day the offer was created.
    async fn cost_minor(&self) -> BigInt {
        BigInt(self.0.cost_minor)
    }
    async fn status(&self) -> OfferStatus {
        self.0.status.into()
    }
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else {
            return Ok(None);
        };
        Ok(tenant_loaders(ctx)
            .await?
            .campaigns
            .load_one(id)
            .await?
            .map(Campaign))
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        let Some(id) = self.0.group_id else {
            return Ok(None);
        };
        Ok(tenant_loaders(ctx)
            .await?
            .groups
            .load_one(id)
            .await?
            .map(Group))
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn ended_at(&self) -> Option<DateTime> {
        self.0.ended_at.map(Into::into)
    }
}

/// Integer sums of one scope over a range of local days, in one currency.
pub struct RoiReport(roi::Report);

#[Object]
impl RoiReport {
    async fn scope(&self) -> RoiScope {
        self.0.scope.into()
    }
    /// Attributed revenue, net of refunds.
    async fn revenue_minor(&self) -> BigInt {
        BigInt(self.0.revenue_minor)
    }
    /// What refunds took off the revenue.
    async fn refunded_minor(&self) -> BigInt {
        BigInt(self.0.refunded_minor)
    }
    async fn cost_minor(&self) -> BigInt {
        BigInt(self.0.cost_minor)
    }
    async fn orders(&self) -> i32 {
        i32::try_from(self.0.orders).unwrap_or(i32::MAX)
    }
    async fn refunds(&self) -> i32 {
        i32::try_from(self.0.refunds).unwrap_or(i32::MAX)
    }
    async fn clicks(&self) -> i32 {
        i32::try_from(self.0.clicks).unwrap_or(i32::MAX)
    }
    /// revenue / cost; null when cost is 0.
    async fn roi(&self) -> Option<f64> {
        self.0.roi()
    }
    /// orders / clicks; null without clicks.
    async fn conversion_rate(&self) -> Option<f64> {
        self.0.conversion_rate()
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn from(&self) -> Date {
        Date(self.0.from)
    }
    async fn to(&self) -> Date {
        Date(self.0.to)
    }
    /// When the ROI aggregation last ran (hourly, and `run-once roi`); null before its first.
    async fn as_of(&self) -> Option<DateTime> {
        self.0.as_of.map(Into::into)
    }
}

/// A group's age and its ROI before and after its nurture period (DOMAIN.md: trust first).
#[derive(SimpleObject)]
pub struct NurtureGuard {
    pub group: Group,
    pub created_on: Date,
    pub age_days: i32,
    pub nurture_days: i32,
    /// The first day after the nurture period.
    pub nurtured_on: Date,
    pub nurtured: bool,
    /// From the group's first day to the end of its nurture period (or today).
    pub before: RoiReport,
    /// From `nurturedOn` to today; null while the group is still being nurtured.
    pub after: Option<RoiReport>,
}

pub struct CostEntry(cost_entries::Model);

connection!(CostEntryConnection, CostEntryEdge, CostEntry);

#[Object]
impl CostEntry {
    async fn id(&self) -> ID {
        to_global("CostEntry", self.0.id)
    }
    async fn scope(&self) -> RoiScope {
        self.0.scope.into()
    }
    /// The offer, campaign or group the cost is for; null for the tenant.
    async fn target_id(&self) -> Option<ID> {
        let e = &self.0;
        e.offer_id
            .map(|id| to_global("Offer", id))
            .or(e.campaign_id.map(|id| to_global("Campaign", id)))
            .or(e.group_id.map(|id| to_global("Group", id)))
    }
    async fn amount_minor(&self) -> BigInt {
        BigInt(self.0.amount_minor)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn incurred_on(&self) -> Date {
        Date(self.0.incurred_on)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[derive(InputObject)]
pub struct CreateOfferInput {
    pub title: String,
    pub kind: OfferKind,
    pub price_minor: BigInt,
    pub currency: String,
    /// An absolute http(s) URL: the tracked link redirects here.
    pub target_url: String,
    pub campaign_id: Option<ID>,
    pub group_id: Option<ID>,
    pub cost_minor: Option<BigInt>,
}

#[derive(SimpleObject)]
pub struct CreateOfferPayload {
    pub offer: Option<Offer>,
    pub user_errors: Vec<UserError>,
}

/// The fields given change; the currency, campaign and group stay (attributed orders keep them).
#[derive(InputObject)]
pub struct UpdateOfferInput {
    pub id: ID,
    pub title: Option<String>,
    pub price_minor: Option<BigInt>,
    pub target_url: Option<String>,
    pub cost_minor: Option<BigInt>,
}

#[derive(InputObject)]
pub struct EndOfferInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct OfferPayload {
    pub offer: Option<Offer>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RecordCostInput {
    pub scope: RoiScope,
    /// The offer, campaign or group; omit for the tenant.
    pub id: Option<ID>,
    pub amount_minor: BigInt,
    pub currency: String,
    /// The local day the cost counts for (default today).
    pub incurred_on: Option<Date>,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct RecordCostPayload {
    pub cost: Option<CostEntry>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct CommerceQuery;

#[Object]
impl CommerceQuery {
    /// The tenant's offers, oldest first.
    async fn offers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<OfferStatus>,
        campaign_id: Option<ID>,
        group_id: Option<ID>,
    ) -> async_graphql::Result<OfferConnection> {
        let request = page_request(first, after)?;
        let campaign_id = campaign_id.map(|c| ids::arg(&c, "Campaign")).transpose()?;
        let group_id = group_id.map(|g| ids::arg(&g, "Group")).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page =
            commerce::list_offers(&tx, status.map(Into::into), campaign_id, group_id, request)
                .await
                .gql()?;
        Ok(build(page, |o| o.id, Offer).into())
    }

    /// Revenue, cost, orders and clicks of an offer, a campaign, a group or the tenant (`id`
    /// omitted) over local days `from`..=`to`, as of the last aggregation. One currency a
    /// report: pass `currency` when the scope has amounts in several (never converted).
    async fn roi(
        &self,
        ctx: &Context<'_>,
        scope: RoiScope,
        id: Option<ID>,
        from: Date,
        to: Date,
        currency: Option<String>,
    ) -> async_graphql::Result<RoiReport> {
        let id = id.map(|i| ids::arg(&i, scope.kind())).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let settings = defaults::for_tenant(&tx).await.gql()?;
        let report = roi::report(
            &tx,
            scope.into(),
            id,
            from.0,
            to.0,
            currency.as_deref(),
            &settings.commerce.currency,
        )
        .await
        .gql()?;
        Ok(RoiReport(report))
    }

    /// A group's age and its ROI before and after its nurture period.
    async fn nurture_guard(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        currency: Option<String>,
    ) -> async_graphql::Result<NurtureGuard> {
        let group_id = ids::arg(&group_id, "Group")?;
        let (access, tx) = read(ctx, Permission::Read).await?;
        let tz = tenancy::timezone_of(&access.tenant);
        let settings = defaults::for_tenant(&tx).await.gql()?;
        let guard = roi::nurture_guard(
            &tx,
            tz,
            group_id,
            settings.commerce.nurture_days,
            currency.as_deref(),
            &settings.commerce.currency,
            now(),
        )
        .await
        .gql()?;
        Ok(NurtureGuard {
            group: Group(guard.group),
            created_on: Date(guard.created_on),
            age_days: i32::try_from(guard.age_days).unwrap_or(i32::MAX),
            nurture_days: i32::try_from(guard.nurture_days).unwrap_or(i32::MAX),
            nurtured_on: Date(guard.nurtured_on),
            nurtured: guard.nurtured,
            before: RoiReport(guard.before),
            after: guard.after.map(RoiReport),
        })
    }

    /// Costs recorded with `recordCost`, oldest first.
    async fn cost_entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CostEntryConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = commerce::cost_entries(&tx, request).await.gql()?;
        Ok(build(page, |c| c.id, CostEntry).into())
    }
}

#[derive(Default)]
pub struct CommerceMutation;

#[Object]
impl CommerceMutation {
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        input: CreateOfferInput,
    ) -> async_graphql::Result<CreateOfferPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let campaign_id = input
                .campaign_id
                .as_ref()
                .map(|c| ids::input(c, "Campaign", "campaignId"))
                .transpose()?;
            let group_id = input
                .group_id
                .as_ref()
                .map(|g| ids::input(g, "Group", "groupId"))
                .transpose()?;
            commerce::create_offer(
                &tx,
                commerce::NewOffer {
                    title: input.title,
                    kind: input.kind.into(),
                    price_minor: input.price_minor.0,
                    currency: input.currency,
                    target_url: input.target_url,
                    campaign_id,
                    group_id,
                    cost_minor: input.cost_minor.map(|c| c.0),
                },
                now(),
            )
            .await
        }
        .await;
        let (offer, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateOfferPayload {
            offer: offer.map(Offer),
            user_errors,
        })
    }

    async fn update_offer(
        &self,
        ctx: &Context<'_>,
        input: UpdateOfferInput,
    ) -> async_graphql::Result<OfferPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Offer", "id")?;
            commerce::update_offer(
                &tx,
                id,
                commerce::OfferPatch {
                    title: input.title,
                    price_minor: input.price_minor.map(|p| p.0),
                    target_url: input.target_url,
                    cost_minor: input.cost_minor.map(|c| c.0),
                },
                now(),
            )
            .await
        }
        .await;
        let (offer, user_errors) = payload(tx.finish(result).await)?;
        Ok(OfferPayload {
            offer: offer.map(Offer),
            user_errors,
        })
    }

    /// Ends an offer: its link keeps redirecting and late orders still count.
    async fn end_offer(
        &self,
        ctx: &Context<'_>,
        input: EndOfferInput,
    ) -> async_graphql::Result<OfferPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Offer", "id")?;
            commerce::end_offer(&tx, id, now()).await
        }
        .await;
        let (offer, user_errors) = payload(tx.finish(result).await)?;
        Ok(OfferPayload {
            offer: offer.map(Offer),
            user_errors,
        })
    }

    /// Adds a cost to an offer, a campaign, a group or the tenant (integer minor units).
    async fn record_cost(
        &self,
        ctx: &Context<'_>,
        input: RecordCostInput,
    ) -> async_graphql::Result<RecordCostPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let tz = tenancy::timezone_of(&access.tenant);
        let result = async {
            let id = input
                .id
                .as_ref()
                .map(|i| ids::input(i, input.scope.kind(), "id"))
                .transpose()?;
            commerce::record_cost(
                &tx,
                tz,
                access.user_id(),
                commerce::NewCost {
                    scope: input.scope.into(),
                    id,
                    amount_minor: input.amount_minor.0,
                    currency: input.currency,
                    incurred_on: input.incurred_on.map(|d| d.0),
                    note: input.note,
                },
                now(),
            )
            .await
        }
        .await;
        let (cost, user_errors) = payload(tx.finish(result).await)?;
        Ok(RecordCostPayload {
            cost: cost.map(CostEntry),
            user_errors,
        })
    }
}
