//! The Relay `Node` interface and `node(id:)`. An id of another tenant's object answers null,
//! exactly like an id that does not exist.

use async_graphql::{Context, ID, Interface, Object};
use qunyun_core::tenancy::{self, Permission};
use qunyun_entity::{self as entity, api_keys as api_key_entity};

use super::account::User;
use super::api_keys::ApiKey;
use super::applications::Application;
use super::context::{caller, loaders, read, services, tenant_loaders};
use super::error::GqlResult;
use super::groups::Group;
use super::ids::from_global;
use super::members::Member;
use super::risk::{KeywordList, ModerationCase, OutboundAction};
use super::rules::GroupRule;
use super::tenancy::Tenant;
use super::wecom::WecomConnector;
use crate::auth::Credentials;

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Tenant(Tenant),
    ApiKey(ApiKey),
    Group(Group),
    Member(Member),
    KeywordList(KeywordList),
    ModerationCase(ModerationCase),
    OutboundAction(OutboundAction),
    GroupRule(GroupRule),
    Application(Application),
    WecomConnector(WecomConnector),
    Channel(super::content::Channel),
    Content(super::content::Content),
    ScheduledPost(super::content::ScheduledPost),
    FollowUp(super::content::FollowUp),
    Campaign(super::campaigns::Campaign),
    AlertRule(super::monitoring::AlertRule),
    Alert(super::monitoring::Alert),
    Offer(super::commerce::Offer),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((kind, uuid)) = from_global(&id) else {
            return Ok(None);
        };
        match kind.as_str() {
            "User" => {
                // A user sees only themself.
                if caller(ctx)?.user_id() != Some(uuid) {
                    return Ok(None);
                }
                Ok(loaders(ctx)?
                    .users
                    .load_one(uuid)
                    .await?
                    .map(|u| Node::User(User(u))))
            }
            "Tenant" => {
                let Some(tenant) = loaders(ctx)?.tenants.load_one(uuid).await? else {
                    return Ok(None);
                };
                let visible = match &caller(ctx)?.credentials {
                    Credentials::User(user) => {
                        tenancy::effective_role(&services(ctx)?.db, user.user_id, &tenant)
                            .await
                            .gql()?
                            .is_some()
                    }
                    Credentials::ApiKey(key) => key.tenant_id == tenant.id,
                    _ => false,
                };
                Ok(visible.then_some(Node::Tenant(Tenant(tenant))))
            }
            "ApiKey" => {
                let (_, tx) = read(ctx, Permission::Administer).await?;
                Ok(tx
                    .get::<api_key_entity::Entity>(uuid)
                    .await
                    .gql()?
                    .map(|k| Node::ApiKey(ApiKey(k))))
            }
            "WecomConnector" => {
                let (_, tx) = read(ctx, Permission::Administer).await?;
                Ok(tx
                    .get::<entity::wecom_connectors::Entity>(uuid)
                    .await
                    .gql()?
                    .map(|c| Node::WecomConnector(WecomConnector(c))))
            }
            "Group" => Ok(tenant_loaders(ctx)
                .await?
                .groups
                .load_one(uuid)
                .await?
                .map(|g| Node::Group(Group(g)))),
            "Channel" => Ok(tenant_loaders(ctx)
                .await?
                .channels
                .load_one(uuid)
                .await?
                .map(|c| Node::Channel(super::content::Channel(c)))),
            "Content" => Ok(tenant_loaders(ctx)
                .await?
                .contents
                .load_one(uuid)
                .await?
                .map(|c| Node::Content(super::content::Content(c)))),
            "ScheduledPost" => Ok(tenant_loaders(ctx)
                .await?
                .posts
                .load_one(uuid)
                .await?
                .map(|p| Node::ScheduledPost(super::content::post(p)))),
            "Campaign" => {
                let (_, tx) = read(ctx, Permission::Read).await?;
                Ok(tx
                    .get::<entity::campaigns::Entity>(uuid)
                    .await
                    .gql()?
                    .map(|c| Node::Campaign(super::campaigns::Campaign(c))))
            }
            "FollowUp" => {
                let (_, tx) = read(ctx, Permission::Read).await?;
                Ok(tx
                    .get::<entity::follow_ups::Entity>(uuid)
                    .await
                    .gql()?
                    .map(|f| Node::FollowUp(super::content::follow_up(f))))
            }
            "Member" => Ok(tenant_loaders(ctx)
                .await?
                .members
                .load_one(uuid)
                .await?
                .map(|m| Node::Member(Member(m)))),
            "Offer" => {
                let (_, tx) = read(ctx, Permission::Read).await?;
                Ok(tx
                    .get::<entity::offers::Entity>(uuid)
                    .await
                    .gql()?
                    .map(|o| Node::Offer(super::commerce::Offer(o))))
            }
            "AlertRule" | "Alert" => {
                let (_, tx) = read(ctx, Permission::Read).await?;
                Ok(if kind == "AlertRule" {
                    tx.get::<entity::alert_rules::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::AlertRule(super::monitoring::AlertRule(r)))
                } else {
                    tx.get::<entity::alerts::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::Alert(super::monitoring::Alert(r)))
                })
            }
            "KeywordList" | "ModerationCase" | "OutboundAction" | "GroupRule" | "Application" => {
                let (_, tx) = read(ctx, Permission::Read).await?;
                Ok(match kind.as_str() {
                    "KeywordList" => tx
                        .get::<entity::keyword_lists::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::KeywordList(KeywordList(r))),
                    "ModerationCase" => tx
                        .get::<entity::moderation_cases::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::ModerationCase(super::risk::case(r))),
                    "OutboundAction" => tx
                        .get::<entity::outbound_actions::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::OutboundAction(OutboundAction(r))),
                    "GroupRule" => tx
                        .get::<entity::group_rules::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::GroupRule(GroupRule(r))),
                    _ => tx
                        .get::<entity::applications::Entity>(uuid)
                        .await
                        .gql()?
                        .map(|r| Node::Application(super::applications::application(r))),
                })
            }
            _ => Ok(None),
        }
    }
}
