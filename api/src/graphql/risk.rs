//! Risk control: keyword lists, moderation cases (and the `moderationCaseOpened`
//! subscription), outbound actions for connectors.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject, Subscription,
};
use futures::{Stream, StreamExt};
use qunyun_core::ids::now;
use qunyun_core::notify::NoticeKind;
use qunyun_core::risk::{keywords, moderation};
use qunyun_core::tenancy::Permission;
use qunyun_entity::{keyword_list_versions, keyword_lists, moderation_cases, outbound_actions};

use super::context::{access, read, services, tenant_loaders, write};
use super::error::{Code, GqlResult, UserError, error, payload};
use super::groups::Group;
use super::ids::{self, to_global};
use super::members::Member;
use super::pagination::{build, page_request};
use super::scalars::DateTime;
use crate::connection;

pub struct KeywordList(pub keyword_lists::Model);

#[Object]
impl KeywordList {
    pub async fn id(&self) -> ID {
        to_global("KeywordList", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn terms(&self) -> Vec<String> {
        keywords::terms_of(&self.0)
    }
    /// Bumped by every change; earlier terms are in `versions`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// Every version of the list, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KeywordListVersion>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(keywords::versions(&tx, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(KeywordListVersion)
            .collect())
    }
}

pub struct KeywordListVersion(keyword_list_versions::Model);

#[Object]
impl KeywordListVersion {
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn terms(&self) -> Vec<String> {
        self.0
            .terms
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ModerationStatus")]
pub enum ModerationStatus {
    Open,
    Actioned,
    Dismissed,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ModerationCase {
    #[graphql(skip)]
    pub row: moderation_cases::Model,
    pub reason: String,
    pub matched_terms: Vec<String>,
    pub excerpt: Option<String>,
    pub status: ModerationStatus,
    pub opened_at: DateTime,
    /// openedAt plus the review target (15 minutes by default).
    pub due_at: DateTime,
    pub resolved_at: Option<DateTime>,
    /// What the rule did when the case opened, e.g. `MUTE 10 min`.
    pub action_taken: Option<String>,
    pub note: Option<String>,
}

pub fn case(row: moderation_cases::Model) -> ModerationCase {
    ModerationCase {
        reason: row.reason.clone(),
        matched_terms: row
            .matched_terms
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        excerpt: row.excerpt.clone(),
        status: row.status.into(),
        opened_at: row.opened_at.into(),
        due_at: row.due_at.into(),
        resolved_at: row.resolved_at.map(Into::into),
        action_taken: row.action_taken.clone(),
        note: row.note.clone(),
        row,
    }
}

#[ComplexObject]
impl ModerationCase {
    pub async fn id(&self) -> ID {
        to_global("ModerationCase", self.row.id)
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Group> {
        let group = tenant_loaders(ctx)
            .await?
            .groups
            .load_one(self.row.group_id)
            .await?;
        group
            .map(Group)
            .ok_or_else(|| error(Code::NotFound, "group not found"))
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        let Some(id) = self.row.member_id else {
            return Ok(None);
        };
        Ok(tenant_loaders(ctx)
            .await?
            .members
            .load_one(id)
            .await?
            .map(Member))
    }
    /// Open past its due time.
    async fn overdue(&self) -> bool {
        moderation::is_overdue(&self.row, now())
    }
}

connection!(ModerationCaseConnection, ModerationCaseEdge, ModerationCase);

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::OutboundKind")]
pub enum OutboundKind {
    Warn,
    Mute,
    Remove,
    Admit,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::OutboundStatus")]
pub enum OutboundStatus {
    Pending,
    Done,
    Failed,
}

/// An action towards the chat platform for a connector to carry out and report.
pub struct OutboundAction(pub outbound_actions::Model);

#[Object]
impl OutboundAction {
    pub async fn id(&self) -> ID {
        to_global("OutboundAction", self.0.id)
    }
    async fn kind(&self) -> OutboundKind {
        self.0.kind.into()
    }
    async fn minutes(&self) -> Option<i32> {
        self.0.minutes
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn status(&self) -> OutboundStatus {
        self.0.status.into()
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Group> {
        let group = tenant_loaders(ctx)
            .await?
            .groups
            .load_one(self.0.group_id)
            .await?;
        group
            .map(Group)
            .ok_or_else(|| error(Code::NotFound, "group not found"))
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.0.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| error(Code::NotFound, "member not found"))
    }
}

connection!(OutboundActionConnection, OutboundActionEdge, OutboundAction);

#[derive(InputObject)]
pub struct UpsertKeywordListInput {
    /// Absent: create.
    pub id: Option<ID>,
    pub name: String,
    pub terms: Vec<String>,
}

#[derive(SimpleObject)]
pub struct UpsertKeywordListPayload {
    pub keyword_list: Option<KeywordList>,
    pub user_errors: Vec<UserError>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Resolution {
    Actioned,
    Dismissed,
}

#[derive(InputObject)]
pub struct ResolveModerationCaseInput {
    pub id: ID,
    pub resolution: Resolution,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ResolveModerationCasePayload {
    pub case: Option<ModerationCase>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CompleteOutboundActionInput {
    pub id: ID,
    pub succeeded: bool,
    pub error: Option<String>,
}

#[derive(SimpleObject)]
pub struct CompleteOutboundActionPayload {
    pub action: Option<OutboundAction>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct RiskQuery;

#[Object]
impl RiskQuery {
    async fn keyword_lists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KeywordList>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(keywords::list(&tx)
            .await
            .gql()?
            .into_iter()
            .map(KeywordList)
            .collect())
    }

    /// The review queue; `overdue: true` keeps open cases past their due time.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn moderation_cases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ModerationStatus>,
        #[graphql(default)] overdue: bool,
    ) -> async_graphql::Result<ModerationCaseConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = moderation::list(&tx, status.map(Into::into), overdue, request)
            .await
            .gql()?;
        Ok(build(page, |c| c.id, case).into())
    }

    /// Actions for connectors to carry out (warn, mute, remove, admit), with their status.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn outbound_actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<OutboundStatus>,
    ) -> async_graphql::Result<OutboundActionConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = moderation::outbound(&tx, status.map(Into::into), request)
            .await
            .gql()?;
        Ok(build(page, |a| a.id, OutboundAction).into())
    }
}

#[derive(Default)]
pub struct RiskMutation;

#[Object]
impl RiskMutation {
    async fn upsert_keyword_list(
        &self,
        ctx: &Context<'_>,
        input: UpsertKeywordListInput,
    ) -> async_graphql::Result<UpsertKeywordListPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = input
                .id
                .as_ref()
                .map(|id| ids::input(id, "KeywordList", "id"))
                .transpose()?;
            keywords::upsert(&tx, id, &input.name, &input.terms).await
        }
        .await;
        let (list, user_errors) = payload(tx.finish(result).await)?;
        Ok(UpsertKeywordListPayload {
            keyword_list: list.map(KeywordList),
            user_errors,
        })
    }

    async fn resolve_moderation_case(
        &self,
        ctx: &Context<'_>,
        input: ResolveModerationCaseInput,
    ) -> async_graphql::Result<ResolveModerationCasePayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "ModerationCase", "id")?;
            let status = match input.resolution {
                Resolution::Actioned => qunyun_entity::ModerationStatus::Actioned,
                Resolution::Dismissed => qunyun_entity::ModerationStatus::Dismissed,
            };
            moderation::resolve(&tx, id, status, access.user_id(), input.note).await
        }
        .await;
        let (resolved, user_errors) = payload(tx.finish(result).await)?;
        Ok(ResolveModerationCasePayload {
            case: resolved.map(case),
            user_errors,
        })
    }

    /// A connector reports whether it carried out an action.
    async fn complete_outbound_action(
        &self,
        ctx: &Context<'_>,
        input: CompleteOutboundActionInput,
    ) -> async_graphql::Result<CompleteOutboundActionPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "OutboundAction", "id")?;
            moderation::complete_outbound(&tx, id, input.succeeded, input.error).await
        }
        .await;
        let (action, user_errors) = payload(tx.finish(result).await)?;
        Ok(CompleteOutboundActionPayload {
            action: action.map(OutboundAction),
            user_errors,
        })
    }
}

#[derive(Default)]
pub struct RiskSubscription;

#[Subscription]
impl RiskSubscription {
    /// Cases as they open in the connection's tenant.
    async fn moderation_case_opened(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ModerationCase>> {
        let tenant_id = access(ctx, Permission::Read).await?.tenant_id();
        let services = services(ctx)?.clone();
        let notices = tokio_stream::wrappers::BroadcastStream::new(services.notifier.subscribe());
        Ok(notices.filter_map(move |notice| {
            let services = services.clone();
            async move {
                let notice = notice.ok()?;
                if notice.tenant_id != tenant_id || notice.kind != NoticeKind::ModerationCaseOpened
                {
                    return None;
                }
                let tx = services.db.tenant_read(tenant_id).await.ok()?;
                let row = tx.get::<moderation_cases::Entity>(notice.id).await.ok()??;
                Some(case(row))
            }
        }))
    }
}
