//! Group rules as data: `Group.rules`, `createGroupRule`, `updateGroupRule`, `deleteGroupRule`.
//! The kinds, parameters and actions are documented in `qunyun_core::rules`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::rules::{self, RuleChanges, RuleSpec};
use qunyun_core::tenancy::Permission;
use qunyun_entity::group_rules;

use super::context::write;
use super::error::{UserError, payload};
use super::ids::{self, to_global};
use super::scalars::DateTime;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::RuleLevel")]
pub enum RuleLevel {
    Convention,
    Behaviour,
    RewardSanction,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::RuleKind")]
pub enum RuleKind {
    NicknamePattern,
    Keywords,
    NoLinks,
    NoQrCodes,
    NoContactCards,
    NoPhoneNumbers,
    RateLimit,
    MessagePoints,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::RuleAction")]
pub enum RuleAction {
    Flag,
    Warn,
    Mute,
    Remove,
    Blacklist,
    Points,
}

pub struct GroupRule(pub group_rules::Model);

#[Object]
impl GroupRule {
    pub async fn id(&self) -> ID {
        to_global("GroupRule", self.0.id)
    }
    async fn level(&self) -> RuleLevel {
        self.0.level.into()
    }
    async fn kind(&self) -> RuleKind {
        self.0.kind.into()
    }
    async fn params(&self) -> &serde_json::Value {
        &self.0.params
    }
    async fn action(&self) -> RuleAction {
        self.0.action.into()
    }
    async fn action_params(&self) -> &serde_json::Value {
        &self.0.action_params
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

#[derive(InputObject)]
pub struct CreateGroupRuleInput {
    pub group_id: ID,
    pub level: RuleLevel,
    pub kind: RuleKind,
    #[graphql(default_with = "serde_json::json!({})")]
    pub params: serde_json::Value,
    pub action: RuleAction,
    #[graphql(default_with = "serde_json::json!({})")]
    pub action_params: serde_json::Value,
}

#[derive(InputObject)]
pub struct UpdateGroupRuleInput {
    pub id: ID,
    pub enabled: Option<bool>,
    pub params: Option<serde_json::Value>,
    pub action: Option<RuleAction>,
    pub action_params: Option<serde_json::Value>,
}

#[derive(InputObject)]
pub struct DeleteGroupRuleInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct GroupRulePayload {
    pub rule: Option<GroupRule>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct DeleteGroupRulePayload {
    pub deleted_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct RuleMutation;

#[Object]
impl RuleMutation {
    async fn create_group_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupRuleInput,
    ) -> async_graphql::Result<GroupRulePayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let group_id = ids::input(&input.group_id, "Group", "groupId")?;
            let spec = RuleSpec {
                level: input.level.into(),
                kind: input.kind.into(),
                params: input.params,
                action: input.action.into(),
                action_params: input.action_params,
            };
            rules::create(&tx, group_id, spec).await
        }
        .await;
        let (rule, user_errors) = payload(tx.finish(result).await)?;
        Ok(GroupRulePayload {
            rule: rule.map(GroupRule),
            user_errors,
        })
    }

    /// Switches a rule on or off, or changes its parameters and action.
    async fn update_group_rule(
        &self,
        ctx: &Context<'_>,
        input: UpdateGroupRuleInput,
    ) -> async_graphql::Result<GroupRulePayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "GroupRule", "id")?;
            let changes = RuleChanges {
                enabled: input.enabled,
                params: input.params,
                action: input.action.map(Into::into),
                action_params: input.action_params,
            };
            rules::update(&tx, id, changes).await
        }
        .await;
        let (rule, user_errors) = payload(tx.finish(result).await)?;
        Ok(GroupRulePayload {
            rule: rule.map(GroupRule),
            user_errors,
        })
    }

    async fn delete_group_rule(
        &self,
        ctx: &Context<'_>,
        input: DeleteGroupRuleInput,
    ) -> async_graphql::Result<DeleteGroupRulePayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "GroupRule", "id")?;
            rules::delete(&tx, id).await
        }
        .await;
        let (done, user_errors) = payload(tx.finish(result).await)?;
        Ok(DeleteGroupRulePayload {
            deleted_id: done.map(|()| input.id),
            user_errors,
        })
    }
}
