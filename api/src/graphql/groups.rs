//! Groups and their members: `groups`, `createGroup`, `updateGroup`, `Group.members`,
//! `Group.layers`, `Group.rules`.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::defaults;
use qunyun_core::groups::{self, GroupChanges, NewGroup};
use qunyun_core::tenancy::Permission;
use qunyun_entity::{group_members, groups as entity};

use super::context::{read, tenant_loaders, write};
use super::error::{GqlResult, UserError, payload};
use super::ids::{self, to_global};
use super::loaders::MembersPageKey;
use super::members::Member;
use super::pagination::{build, page_request};
use super::rules::GroupRule;
use super::scalars::DateTime;
use crate::connection;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::Platform")]
pub enum Platform {
    Wecom,
    Wechat,
    Telegram,
    Discord,
    Slack,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::GroupKind")]
pub enum GroupKind {
    Knowledge,
    ProductService,
    Interest,
    Resource,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::AdmissionPolicy")]
pub enum AdmissionPolicy {
    Open,
    ApplicationReview,
    Paid,
    AfterPurchase,
    InviteQuestionnaire,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::GroupStatus")]
pub enum GroupStatus {
    Active,
    Archived,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::MemberLayer")]
pub enum MemberLayer {
    Core,
    Active,
    Lurker,
}

#[derive(SimpleObject)]
pub struct LayerShare {
    pub layer: MemberLayer,
    pub members: i32,
    pub share: f64,
    pub target_share: f64,
}

pub struct Group(pub entity::Model);

connection!(GroupConnection, GroupEdge, Group);
connection!(GroupMemberConnection, GroupMemberEdge, GroupMember);

#[Object]
impl Group {
    pub async fn id(&self) -> ID {
        to_global("Group", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn platform(&self) -> Platform {
        self.0.platform.into()
    }
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    async fn kind(&self) -> GroupKind {
        self.0.kind.into()
    }
    async fn admission(&self) -> AdmissionPolicy {
        self.0.admission.into()
    }
    async fn positioning(&self) -> Option<&str> {
        self.0.positioning.as_deref()
    }
    async fn member_cap(&self) -> i32 {
        self.0.member_cap
    }
    async fn status(&self) -> GroupStatus {
        self.0.status.into()
    }
    /// Ad heuristics open cases on their own (set by the ad-share alert).
    async fn strict_filter(&self) -> bool {
        self.0.strict_filter
    }
    /// Current members (those who have not left).
    async fn member_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let counts = tenant_loaders(ctx)
            .await?
            .layer_counts
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(i32::try_from(counts.values().sum::<i64>()).unwrap_or(i32::MAX))
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn archived_at(&self) -> Option<DateTime> {
        self.0.archived_at.map(Into::into)
    }
    /// Members, current and former, in the order they were first seen; with `layer`, current
    /// members of that layer.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        layer: Option<MemberLayer>,
    ) -> async_graphql::Result<GroupMemberConnection> {
        let request = page_request(first, after)?;
        let key = MembersPageKey {
            group_id: self.0.id,
            first: request.first,
            after: request.after,
            layer: layer.map(Into::into),
        };
        let page = tenant_loaders(ctx)
            .await?
            .members_pages
            .load_one(key)
            .await?
            .unwrap_or(qunyun_core::page::Page {
                items: Vec::new(),
                has_next: false,
                has_previous: false,
                total: 0,
            });
        Ok(build(page, |m| m.member_id, group_member).into())
    }
    /// The actual pyramid beside the target of a mature group (15% / 30% / 55% by default).
    async fn layers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LayerShare>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        let target = defaults::for_tenant(&tx)
            .await
            .gql()?
            .members
            .mature_pyramid;
        let counts = tenant_loaders(ctx)
            .await?
            .layer_counts
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(groups::pyramid(&counts, &target)
            .into_iter()
            .map(|s| LayerShare {
                layer: s.layer.into(),
                members: i32::try_from(s.members).unwrap_or(i32::MAX),
                share: s.share,
                target_share: s.target_share,
            })
            .collect())
    }
    /// The group's rules, enabled or not.
    async fn rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GroupRule>> {
        let rules = tenant_loaders(ctx)
            .await?
            .rules
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rules.into_iter().map(GroupRule).collect())
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct GroupMember {
    #[graphql(skip)]
    pub row: group_members::Model,
    pub joined_at: DateTime,
    pub left_at: Option<DateTime>,
    pub layer: MemberLayer,
    pub muted_until: Option<DateTime>,
    /// True when the member was removed rather than left.
    pub removed: bool,
    /// The join came when the group was at its member cap.
    pub over_capacity: bool,
}

pub fn group_member(row: group_members::Model) -> GroupMember {
    GroupMember {
        joined_at: row.joined_at.into(),
        left_at: row.left_at.map(Into::into),
        layer: row.layer.into(),
        muted_until: row.muted_until.map(Into::into),
        removed: row.removed,
        over_capacity: row.over_capacity,
        row,
    }
}

#[ComplexObject]
impl GroupMember {
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Group> {
        let group = tenant_loaders(ctx)
            .await?
            .groups
            .load_one(self.row.group_id)
            .await?;
        group
            .map(Group)
            .ok_or_else(|| super::error::error(super::error::Code::NotFound, "group not found"))
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.row.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| super::error::error(super::error::Code::NotFound, "member not found"))
    }
    /// Who brought this member in (from `inviterPlatformUserId`).
    async fn invited_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        let Some(id) = self.row.invited_by else {
            return Ok(None);
        };
        Ok(tenant_loaders(ctx)
            .await?
            .members
            .load_one(id)
            .await?
            .map(Member))
    }
}

#[derive(InputObject)]
pub struct CreateGroupInput {
    pub name: String,
    pub platform: Platform,
    pub external_id: Option<String>,
    pub kind: GroupKind,
    pub admission: AdmissionPolicy,
    pub positioning: Option<String>,
    /// Default 500.
    pub member_cap: Option<i32>,
}

#[derive(SimpleObject)]
pub struct CreateGroupPayload {
    pub group: Option<Group>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UpdateGroupInput {
    pub id: ID,
    pub name: Option<String>,
    pub kind: Option<GroupKind>,
    pub admission: Option<AdmissionPolicy>,
    pub positioning: Option<String>,
    pub member_cap: Option<i32>,
    pub status: Option<GroupStatus>,
}

#[derive(SimpleObject)]
pub struct UpdateGroupPayload {
    pub group: Option<Group>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<GroupStatus>,
    ) -> async_graphql::Result<GroupConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = groups::list(&tx, status.map(Into::into), request)
            .await
            .gql()?;
        Ok(build(page, |g| g.id, Group).into())
    }
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupInput,
    ) -> async_graphql::Result<CreateGroupPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = groups::create(
            &tx,
            NewGroup {
                name: input.name,
                platform: input.platform.into(),
                external_id: input.external_id,
                kind: input.kind.into(),
                admission: input.admission.into(),
                positioning: input.positioning,
                member_cap: input.member_cap,
            },
        )
        .await;
        let (group, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateGroupPayload {
            group: group.map(Group),
            user_errors,
        })
    }

    /// Changes a group; `status: ARCHIVED` archives it and keeps all its history.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateGroupInput,
    ) -> async_graphql::Result<UpdateGroupPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = match ids::input(&input.id, "Group", "id") {
            Err(e) => Err(e),
            Ok(id) => {
                groups::update(
                    &tx,
                    id,
                    GroupChanges {
                        name: input.name,
                        kind: input.kind.map(Into::into),
                        admission: input.admission.map(Into::into),
                        positioning: input.positioning,
                        member_cap: input.member_cap,
                        status: input.status.map(Into::into),
                    },
                )
                .await
            }
        };
        let (group, user_errors) = payload(tx.finish(result).await)?;
        Ok(UpdateGroupPayload {
            group: group.map(Group),
            user_errors,
        })
    }
}
