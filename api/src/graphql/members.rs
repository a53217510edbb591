//! Members: `members`, `tagMember`, `setMemberBlacklisted`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use qunyun_core::members;
use qunyun_core::tenancy::Permission;
use qunyun_entity::members as entity;

use super::context::{read, tenant_loaders, write};
use super::error::{GqlResult, UserError, payload};
use super::groups::Platform;
use super::ids::{self, to_global};
use super::pagination::{build, page_request};
use super::scalars::DateTime;
use crate::connection;

pub struct Member(pub entity::Model);

connection!(MemberConnection, MemberEdge, Member);

#[Object]
impl Member {
    pub async fn id(&self) -> ID {
        to_global("Member", self.0.id)
    }
    async fn platform(&self) -> Platform {
        self.0.platform.into()
    }
    async fn platform_user_id(&self) -> &str {
        &self.0.platform_user_id
    }
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }
    /// Parsed from a `城市-姓名-行业` nickname.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    async fn device(&self) -> Option<&str> {
        self.0.device.as_deref()
    }
    /// Manual tags, then automatic ones (`slot:20-22`, `prefers:tutorial`, `local`, …).
    async fn tags(&self) -> Vec<String> {
        members::all_tags(&self.0)
    }
    async fn manual_tags(&self) -> Vec<String> {
        members::manual_tags(&self.0)
    }
    async fn auto_tags(&self) -> Vec<String> {
        members::auto_tags(&self.0)
    }
    /// The churn risk of the member's riskiest current membership (scored daily by the worker);
    /// null until scored.
    async fn churn_risk(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::monitoring::ChurnRisk>> {
        super::monitoring::member_churn_risk(ctx, self.0.id).await
    }
    /// The sum of the member's points ledger.
    async fn points_balance(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let balance = tenant_loaders(ctx)
            .await?
            .balances
            .load_one(self.0.id)
            .await?
            .unwrap_or(0);
        Ok(i32::try_from(balance).unwrap_or(if balance < 0 { i32::MIN } else { i32::MAX }))
    }
    async fn blacklisted(&self) -> bool {
        self.0.blacklisted
    }
    async fn blacklisted_at(&self) -> Option<DateTime> {
        self.0.blacklisted_at.map(Into::into)
    }
    async fn first_seen_at(&self) -> DateTime {
        self.0.first_seen_at.into()
    }
    async fn last_active_at(&self) -> Option<DateTime> {
        self.0.last_active_at.map(Into::into)
    }
    /// Honour badges, in the order they were awarded.
    async fn badges(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::campaigns::MemberBadge>> {
        super::campaigns::member_badges(ctx, self.0.id).await
    }
    /// The points ledger, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn points_ledger(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<super::campaigns::PointsEntryConnection> {
        super::campaigns::member_ledger(ctx, self.0.id, first, after).await
    }
}

#[derive(InputObject)]
pub struct TagMemberInput {
    pub member_id: ID,
    #[graphql(default)]
    pub add: Vec<String>,
    #[graphql(default)]
    pub remove: Vec<String>,
}

#[derive(InputObject)]
pub struct SetMemberBlacklistedInput {
    pub member_id: ID,
    pub blacklisted: bool,
}

#[derive(SimpleObject)]
pub struct MemberPayload {
    pub member: Option<Member>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// The tenant's members, by first sighting; `search` matches display names and platform ids.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
        blacklisted: Option<bool>,
    ) -> async_graphql::Result<MemberConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = members::list(&tx, search.as_deref(), blacklisted, request)
            .await
            .gql()?;
        Ok(build(page, |m| m.id, Member).into())
    }
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    async fn tag_member(
        &self,
        ctx: &Context<'_>,
        input: TagMemberInput,
    ) -> async_graphql::Result<MemberPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = match ids::input(&input.member_id, "Member", "memberId") {
            Ok(id) => members::tag(&tx, id, &input.add, &input.remove).await,
            Err(e) => Err(e),
        };
        let (member, user_errors) = payload(tx.finish(result).await)?;
        Ok(MemberPayload {
            member: member.map(Member),
            user_errors,
        })
    }

    /// Blacklists a member in every group of the tenant (each group gets a removal action), or
    /// lifts it.
    async fn set_member_blacklisted(
        &self,
        ctx: &Context<'_>,
        input: SetMemberBlacklistedInput,
    ) -> async_graphql::Result<MemberPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = match ids::input(&input.member_id, "Member", "memberId") {
            Ok(id) => members::set_blacklisted(&tx, id, input.blacklisted).await,
            Err(e) => Err(e),
        };
        let (member, user_errors) = payload(tx.finish(result).await)?;
        Ok(MemberPayload {
            member: member.map(Member),
            user_errors,
        })
    }
}
