//! Content, channels and scheduled posts: the library, the "721" mix, slot suggestions,
//! scheduling (with recurrence), cancelling, delivery history, follow-ups.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::channels::{self, NewChannel};
use qunyun_core::content::{self, ContentChanges, SlotSource};
use qunyun_core::ids::now;
use qunyun_core::posts::{self, NewPost};
use qunyun_core::queue::DeliverPost;
use qunyun_core::tenancy::{self, Permission};
use qunyun_core::{DomainError, defaults};
use qunyun_entity::{
    channels as channel_entity, contents, delivery_attempts, follow_ups, scheduled_posts,
};

use super::context::{access, read, services, tenant_loaders, write};
use super::error::{Code, GqlResult, UserError, error, payload};
use super::groups::Group;
use super::ids::{self, to_global};
use super::pagination::{build, page_request};
use super::scalars::DateTime;
use crate::connection;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ContentKind")]
pub enum ContentKind {
    Tutorial,
    Offer,
    Topic,
    Announcement,
    Survey,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ContentMix")]
pub enum ContentMixCategory {
    Value,
    Interaction,
    Promotion,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::PostStatus")]
pub enum PostStatus {
    Scheduled,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ChannelKind")]
pub enum ChannelKind {
    Webhook,
    WecomRobot,
    Telegram,
    Slack,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::AttemptOutcome")]
pub enum AttemptOutcome {
    Sent,
    Retry,
    Failed,
    Started,
}

/// A delivery channel. Its URL and secret are stored, never returned (a robot webhook URL
/// carries its key).
pub struct Channel(pub channel_entity::Model);

#[Object]
impl Channel {
    pub async fn id(&self) -> ID {
        to_global("Channel", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> ChannelKind {
        self.0.kind.into()
    }
    /// The Telegram chat id.
    async fn chat_id(&self) -> Option<&str> {
        self.0.chat_id.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

pub struct Content(pub contents::Model);

connection!(ContentConnection, ContentEdge, Content);

#[Object]
impl Content {
    pub async fn id(&self) -> ID {
        to_global("Content", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn kind(&self) -> ContentKind {
        self.0.kind.into()
    }
    async fn mix(&self) -> ContentMixCategory {
        self.0.mix.into()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    async fn archived_at(&self) -> Option<DateTime> {
        self.0.archived_at.map(Into::into)
    }
}

#[derive(SimpleObject)]
pub struct DeliveryAttempt {
    pub attempt: i32,
    pub outcome: AttemptOutcome,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub started_at: DateTime,
    pub finished_at: Option<DateTime>,
}

impl From<delivery_attempts::Model> for DeliveryAttempt {
    fn from(a: delivery_attempts::Model) -> Self {
        DeliveryAttempt {
            attempt: a.attempt,
            outcome: a.outcome.into(),
            status_code: a.status_code,
            error: a.error,
            started_at: a.started_at.into(),
            finished_at: a.finished_at.map(Into::into),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ScheduledPost {
    #[graphql(skip)]
    pub row: scheduled_posts::Model,
    pub scheduled_at: DateTime,
    pub status: PostStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime>,
    /// When the next attempt may start (retries and rate limits move it).
    pub next_attempt_at: DateTime,
    /// The `Idempotency-Key` of every request of this delivery.
    pub delivery_id: String,
}

pub fn post(row: scheduled_posts::Model) -> ScheduledPost {
    ScheduledPost {
        scheduled_at: row.scheduled_at.into(),
        status: row.status.into(),
        attempts: row.attempts,
        last_error: row.last_error.clone(),
        sent_at: row.sent_at.map(Into::into),
        next_attempt_at: row.next_attempt_at.into(),
        delivery_id: row.delivery_id.to_string(),
        row,
    }
}

#[ComplexObject]
impl ScheduledPost {
    pub async fn id(&self) -> ID {
        to_global("ScheduledPost", self.row.id)
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
    async fn content(&self, ctx: &Context<'_>) -> async_graphql::Result<Content> {
        let content = tenant_loaders(ctx)
            .await?
            .contents
            .load_one(self.row.content_id)
            .await?;
        content
            .map(Content)
            .ok_or_else(|| error(Code::NotFound, "content not found"))
    }
    async fn channel(&self, ctx: &Context<'_>) -> async_graphql::Result<Channel> {
        let channel = tenant_loaders(ctx)
            .await?
            .channels
            .load_one(self.row.channel_id)
            .await?;
        channel
            .map(Channel)
            .ok_or_else(|| error(Code::NotFound, "channel not found"))
    }
    /// Every attempt, oldest first: what was sent and what came back.
    async fn delivery_attempts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<DeliveryAttempt>> {
        let attempts = tenant_loaders(ctx)
            .await?
            .attempts
            .load_one(self.row.id)
            .await?
            .unwrap_or_default();
        Ok(attempts.into_iter().map(Into::into).collect())
    }
    /// True when the post is one occurrence of a recurring series.
    async fn recurring(&self) -> bool {
        self.row.series_id.is_some()
    }
}

connection!(ScheduledPostConnection, ScheduledPostEdge, ScheduledPost);

#[derive(SimpleObject)]
pub struct MixShare {
    pub mix: ContentMixCategory,
    pub posts: i32,
    pub share: f64,
    pub target_share: f64,
    /// share − targetShare.
    pub drift: f64,
    /// The share is off its target by more than the tolerance.
    pub drifting: bool,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SlotSourceKind {
    /// The default slots of the content kind (DOMAIN.md, tenant settings).
    Default,
    /// The group's own busiest hours.
    GroupActivity,
}

#[derive(SimpleObject)]
pub struct SlotSuggestion {
    pub at: DateTime,
    pub source: SlotSourceKind,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FollowUp {
    #[graphql(skip)]
    pub row: follow_ups::Model,
    pub title: String,
    pub due_at: DateTime,
    pub done_at: Option<DateTime>,
}

pub fn follow_up(row: follow_ups::Model) -> FollowUp {
    FollowUp {
        title: row.title.clone(),
        due_at: row.due_at.into(),
        done_at: row.done_at.map(Into::into),
        row,
    }
}

#[ComplexObject]
impl FollowUp {
    pub async fn id(&self) -> ID {
        to_global("FollowUp", self.row.id)
    }
    async fn overdue(&self) -> bool {
        self.row.done_at.is_none() && self.row.due_at < now()
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
    async fn post(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ScheduledPost>> {
        let Some(id) = self.row.post_id else {
            return Ok(None);
        };
        Ok(tenant_loaders(ctx)
            .await?
            .posts
            .load_one(id)
            .await?
            .map(post))
    }
    async fn member(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::members::Member>> {
        let Some(id) = self.row.member_id else {
            return Ok(None);
        };
        Ok(tenant_loaders(ctx)
            .await?
            .members
            .load_one(id)
            .await?
            .map(super::members::Member))
    }
}

connection!(FollowUpConnection, FollowUpEdge, FollowUp);

#[derive(InputObject)]
pub struct CreateChannelInput {
    pub name: String,
    pub kind: ChannelKind,
    /// Where posts go: the webhook URL, the robot webhook URL, or the bot API base URL.
    pub url: String,
    /// HMAC secret (WEBHOOK) or bot token (TELEGRAM).
    pub secret: Option<String>,
    /// TELEGRAM chat id.
    pub chat_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateChannelPayload {
    pub channel: Option<Channel>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreateContentInput {
    pub title: String,
    pub body: String,
    pub kind: ContentKind,
    pub mix: ContentMixCategory,
}

#[derive(SimpleObject)]
pub struct CreateContentPayload {
    pub content: Option<Content>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UpdateContentInput {
    pub id: ID,
    pub title: Option<String>,
    pub body: Option<String>,
    pub kind: Option<ContentKind>,
    pub mix: Option<ContentMixCategory>,
    /// true archives (posts already scheduled still go), false restores.
    pub archived: Option<bool>,
}

#[derive(InputObject)]
pub struct SchedulePostInput {
    pub group_id: ID,
    pub content_id: ID,
    pub channel_id: ID,
    pub scheduled_at: DateTime,
    /// RFC 5545 RRULE for a recurring post, from scheduledAt in the tenant's time zone, e.g.
    /// `FREQ=WEEKLY;BYDAY=FR`.
    pub recurrence: Option<String>,
    /// Post a PROMOTION beyond the group's promotion limit, and skip the nurture warning.
    #[graphql(default)]
    pub force: bool,
}

#[derive(InputObject)]
pub struct CancelPostInput {
    pub id: ID,
    /// For an occurrence of a recurring post: stop the whole series.
    #[graphql(default)]
    pub whole_series: bool,
}

#[derive(SimpleObject)]
pub struct SchedulePostPayload {
    pub post: Option<ScheduledPost>,
    pub user_errors: Vec<UserError>,
    /// Advice that did not stop the post (e.g. promotion during the nurture period).
    pub warnings: Vec<String>,
}

#[derive(InputObject)]
pub struct CompleteFollowUpInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CompleteFollowUpPayload {
    pub follow_up: Option<FollowUp>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn contents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kind: Option<ContentKind>,
        #[graphql(default)] include_archived: bool,
    ) -> async_graphql::Result<ContentConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = content::list(&tx, kind.map(Into::into), include_archived, request)
            .await
            .gql()?;
        Ok(build(page, |c| c.id, Content).into())
    }

    async fn channels(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Channel>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(channels::list(&tx)
            .await
            .gql()?
            .into_iter()
            .map(Channel)
            .collect())
    }

    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn scheduled_posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<PostStatus>,
        group_id: Option<ID>,
    ) -> async_graphql::Result<ScheduledPostConnection> {
        let request = page_request(first, after)?;
        let group_id = group_id.map(|id| ids::arg(&id, "Group")).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = posts::list(&tx, status.map(Into::into), group_id, request)
            .await
            .gql()?;
        Ok(build(page, |p| p.id, post).into())
    }

    /// The group's VALUE / INTERACTION / PROMOTION shares of its posts (sent in the last `days`
    /// days, and all still scheduled) beside the 70 / 20 / 10 target.
    async fn content_mix(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        days: Option<i32>,
    ) -> async_graphql::Result<Vec<MixShare>> {
        let group_id = ids::arg(&group_id, "Group")?;
        if days.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(error(Code::BadUserInput, "days is 1 to 365"));
        }
        let (_, tx) = read(ctx, Permission::Read).await?;
        tx.fetch::<qunyun_entity::groups::Entity>(group_id, "group")
            .await
            .gql()?;
        let settings = defaults::for_tenant(&tx).await.gql()?;
        let days = days.map_or(settings.content.mix_window_days, i64::from);
        let counts = content::mix_counts(&tx, group_id, days, now())
            .await
            .gql()?;
        let tolerance = settings.content.promotion_tolerance;
        let total: i64 = counts.values().sum();
        Ok(content::shares(&counts, &settings.content)
            .into_iter()
            .map(|s| MixShare {
                mix: s.mix.into(),
                posts: i32::try_from(s.posts).unwrap_or(i32::MAX),
                share: s.share,
                target_share: s.target_share,
                drift: s.share - s.target_share,
                drifting: total > 0 && (s.share - s.target_share).abs() > tolerance,
            })
            .collect())
    }

    /// The next recommended times for a kind of content in a group.
    async fn suggested_slots(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        kind: ContentKind,
        #[graphql(default = 5)] count: i32,
    ) -> async_graphql::Result<Vec<SlotSuggestion>> {
        let group_id = ids::arg(&group_id, "Group")?;
        if !(1..=50).contains(&count) {
            return Err(error(Code::BadUserInput, "count is 1 to 50"));
        }
        let (access, tx) = read(ctx, Permission::Read).await?;
        tx.fetch::<qunyun_entity::groups::Entity>(group_id, "group")
            .await
            .gql()?;
        let settings = defaults::for_tenant(&tx).await.gql()?;
        let tz = tenancy::timezone_of(&access.tenant);
        let slots = content::suggest_slots(
            &tx,
            &settings,
            tz,
            group_id,
            kind.into(),
            count as usize,
            now(),
        )
        .await
        .gql()?;
        Ok(slots
            .into_iter()
            .map(|s| SlotSuggestion {
                at: s.at.into(),
                source: match s.source {
                    SlotSource::Default => SlotSourceKind::Default,
                    SlotSource::GroupActivity => SlotSourceKind::GroupActivity,
                },
            })
            .collect())
    }

    /// Operator tasks: follow-ups of sent posts (and of retention playbooks).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn follow_ups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        done: Option<bool>,
    ) -> async_graphql::Result<FollowUpConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = posts::follow_ups(&tx, done, request).await.gql()?;
        Ok(build(page, |f| f.id, follow_up).into())
    }
}

#[derive(Default)]
pub struct ContentMutation;

#[Object]
impl ContentMutation {
    async fn create_channel(
        &self,
        ctx: &Context<'_>,
        input: CreateChannelInput,
    ) -> async_graphql::Result<CreateChannelPayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = channels::create(
            &tx,
            NewChannel {
                name: &input.name,
                kind: input.kind.into(),
                url: &input.url,
                secret: input.secret.as_deref(),
                chat_id: input.chat_id.as_deref(),
            },
        )
        .await;
        let (channel, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateChannelPayload {
            channel: channel.map(Channel),
            user_errors,
        })
    }

    async fn create_content(
        &self,
        ctx: &Context<'_>,
        input: CreateContentInput,
    ) -> async_graphql::Result<CreateContentPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = content::create(
            &tx,
            &input.title,
            &input.body,
            input.kind.into(),
            input.mix.into(),
        )
        .await;
        let (created, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateContentPayload {
            content: created.map(Content),
            user_errors,
        })
    }

    async fn update_content(
        &self,
        ctx: &Context<'_>,
        input: UpdateContentInput,
    ) -> async_graphql::Result<CreateContentPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Content", "id")?;
            let changes = ContentChanges {
                title: input.title,
                body: input.body,
                kind: input.kind.map(Into::into),
                mix: input.mix.map(Into::into),
                archived: input.archived,
            };
            content::update(&tx, id, changes).await
        }
        .await;
        let (updated, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateContentPayload {
            content: updated.map(Content),
            user_errors,
        })
    }

    async fn schedule_post(
        &self,
        ctx: &Context<'_>,
        input: SchedulePostInput,
    ) -> async_graphql::Result<SchedulePostPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let tz = tenancy::timezone_of(&access.tenant);
        let result = async {
            let new = NewPost {
                group_id: ids::input(&input.group_id, "Group", "groupId")?,
                content_id: ids::input(&input.content_id, "Content", "contentId")?,
                channel_id: ids::input(&input.channel_id, "Channel", "channelId")?,
                scheduled_at: input.scheduled_at.0,
                recurrence: input.recurrence.filter(|r| !r.trim().is_empty()),
                force: input.force,
            };
            let settings = defaults::for_tenant(&tx).await?;
            posts::schedule(&tx, &settings, tz, new, now()).await
        }
        .await;
        let (scheduled, user_errors) = payload(tx.finish(result).await)?;
        let Some(scheduled) = scheduled else {
            return Ok(SchedulePostPayload {
                post: None,
                user_errors,
                warnings: Vec::new(),
            });
        };
        queue_delivery(ctx, &scheduled.post).await?;
        Ok(SchedulePostPayload {
            post: Some(post(scheduled.post)),
            user_errors,
            warnings: scheduled.warnings,
        })
    }

    /// Cancels a post before it is sent: it will never be sent.
    async fn cancel_post(
        &self,
        ctx: &Context<'_>,
        input: CancelPostInput,
    ) -> async_graphql::Result<SchedulePostPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let tz = tenancy::timezone_of(&access.tenant);
        let result = async {
            let id = ids::input(&input.id, "ScheduledPost", "id")?;
            posts::cancel(&tx, tz, id, input.whole_series, now()).await
        }
        .await;
        let (cancelled, user_errors) = payload(tx.finish(result).await)?;
        let Some((cancelled, next)) = cancelled else {
            return Ok(SchedulePostPayload {
                post: None,
                user_errors,
                warnings: Vec::new(),
            });
        };
        if let Some(next) = next {
            queue_delivery(ctx, &next).await?;
        }
        Ok(SchedulePostPayload {
            post: Some(post(cancelled)),
            user_errors,
            warnings: Vec::new(),
        })
    }

    async fn complete_follow_up(
        &self,
        ctx: &Context<'_>,
        input: CompleteFollowUpInput,
    ) -> async_graphql::Result<CompleteFollowUpPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "FollowUp", "id")?;
            posts::complete_follow_up(&tx, id, access.user_id()).await
        }
        .await;
        let (done, user_errors) = payload(tx.finish(result).await)?;
        Ok(CompleteFollowUpPayload {
            follow_up: done.map(follow_up),
            user_errors,
        })
    }
}

/// Queues a post's delivery at its time. A failure here is logged, not fatal: the `reconcile`
/// sweep queues any due post without a job.
async fn queue_delivery(
    ctx: &Context<'_>,
    row: &scheduled_posts::Model,
) -> async_graphql::Result<()> {
    let job = DeliverPost {
        tenant_id: access(ctx, Permission::Read).await?.tenant_id(),
        post_id: row.id,
    };
    if let Err(err) = services(ctx)?
        .queue
        .deliver_at(&job, row.next_attempt_at)
        .await
    {
        tracing::error!(error = %DomainError::from(err), post_id = %row.id, "could not queue a delivery; reconcile will");
    }
    Ok(())
}
