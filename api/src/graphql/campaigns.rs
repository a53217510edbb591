//! Campaigns, check-ins, streaks, points and badges: `createCampaign`, `campaigns`,
//! `Campaign.streak`, `recordCheckin`, `redeemPoints`, leaderboards, registrations, quizzes,
//! relays.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::applications::{Choice, Question};
use qunyun_core::campaigns::{self, NewCampaign, streaks};
use qunyun_core::ids::now;
use qunyun_core::points::{self, Board};
use qunyun_core::tenancy::{self, Permission};
use qunyun_core::{DomainError, defaults};
use qunyun_entity::{badges, campaigns as entity, participants, points_ledger};

use super::applications::QuestionnaireQuestion;
use super::context::{access, read, tenant_loaders, write};
use super::error::{Code, GqlResult, UserError, error, payload};
use super::groups::Group;
use super::ids::{self, to_global};
use super::members::Member;
use super::pagination::{build, page_request};
use super::scalars::{BigInt, Date, DateTime};
use crate::connection;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::CampaignKind")]
pub enum CampaignKind {
    Quiz,
    CheckinChallenge,
    Debate,
    Relay,
    FlashSale,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::CampaignStatus")]
pub enum CampaignStatus {
    Draft,
    Running,
    Ended,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ParticipantStatus")]
pub enum ParticipantStatus {
    Pending,
    Accepted,
    Rejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LeaderboardBy {
    Points,
    Streak,
}

pub struct Campaign(pub entity::Model);

connection!(CampaignConnection, CampaignEdge, Campaign);

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Streak {
    #[graphql(skip)]
    pub member_id: uuid::Uuid,
    pub current: i32,
    pub longest: i32,
    pub last_checkin_on: Option<Date>,
}

#[ComplexObject]
impl Streak {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| error(Code::NotFound, "member not found"))
    }
}

fn streak(member_id: uuid::Uuid, s: streaks::Streak) -> Streak {
    Streak {
        member_id,
        current: s.current,
        longest: s.longest,
        last_checkin_on: s.last_checkin_on.map(Date),
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct LeaderboardEntry {
    pub rank: i32,
    /// Points (by POINTS) or the current streak in days (by STREAK).
    pub value: i64,
    #[graphql(skip)]
    pub member_id: uuid::Uuid,
}

#[ComplexObject]
impl LeaderboardEntry {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| error(Code::NotFound, "member not found"))
    }
}

fn ranked(rows: Vec<(uuid::Uuid, i64)>) -> Vec<LeaderboardEntry> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (member_id, value))| LeaderboardEntry {
            rank: i as i32 + 1,
            value,
            member_id,
        })
        .collect()
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Participant {
    #[graphql(skip)]
    pub row: participants::Model,
    pub status: ParticipantStatus,
    pub score: i32,
    pub automatic: bool,
    pub decided_at: Option<DateTime>,
    pub note: Option<String>,
}

fn participant(row: participants::Model) -> Participant {
    Participant {
        status: row.status.into(),
        score: row.score,
        automatic: row.automatic,
        decided_at: row.decided_at.map(Into::into),
        note: row.note.clone(),
        row,
    }
}

#[ComplexObject]
impl Participant {
    pub async fn id(&self) -> ID {
        to_global("Participant", self.row.id)
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.row.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| error(Code::NotFound, "member not found"))
    }
}

connection!(ParticipantConnection, ParticipantEdge, Participant);

#[derive(SimpleObject)]
pub struct QuizQuestion {
    pub position: i32,
    pub text: String,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct QuizScore {
    pub rank: i32,
    pub correct: i64,
    #[graphql(skip)]
    pub member_id: uuid::Uuid,
}

#[ComplexObject]
impl QuizScore {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| error(Code::NotFound, "member not found"))
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RelayEntry {
    pub position: i32,
    pub text: String,
    pub at: DateTime,
    #[graphql(skip)]
    pub member_id: uuid::Uuid,
}

#[ComplexObject]
impl RelayEntry {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        let member = tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.member_id)
            .await?;
        member
            .map(Member)
            .ok_or_else(|| error(Code::NotFound, "member not found"))
    }
}

pub struct Badge(pub badges::Model);

#[Object]
impl Badge {
    pub async fn id(&self) -> ID {
        to_global("Badge", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// What earns it: `{"kind": "STREAK", "days": 7}`, `{"kind": "POINTS", "atLeast": 100}`, `{"kind": "CHECKINS", "count": 30}`.
    async fn criteria(&self) -> &serde_json::Value {
        &self.0.criteria
    }
}

#[derive(SimpleObject)]
pub struct MemberBadge {
    pub badge: Badge,
    pub awarded_at: DateTime,
}

#[derive(SimpleObject)]
pub struct PointsEntry {
    pub delta: i64,
    pub reason: String,
    pub source: String,
    pub created_at: DateTime,
}

impl From<points_ledger::Model> for PointsEntry {
    fn from(e: points_ledger::Model) -> Self {
        PointsEntry {
            delta: e.delta,
            reason: e.reason,
            source: e.source,
            created_at: e.created_at.into(),
        }
    }
}

connection!(PointsEntryConnection, PointsEntryEdge, PointsEntry);

async fn today(ctx: &Context<'_>) -> async_graphql::Result<(chrono_tz::Tz, chrono::NaiveDate)> {
    let tz = tenancy::timezone_of(&access(ctx, Permission::Read).await?.tenant);
    Ok((tz, now().with_timezone(&tz).date_naive()))
}

#[Object]
impl Campaign {
    pub async fn id(&self) -> ID {
        to_global("Campaign", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> CampaignKind {
        self.0.kind.into()
    }
    async fn status(&self) -> CampaignStatus {
        self.0.status.into()
    }
    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }
    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }
    /// Check-in challenges: the number of consecutive days to finish (default 21).
    async fn target_days(&self) -> Option<i32> {
        self.0.target_days
    }
    /// The text a check-in message equals (check-ins), or starts with (relays).
    async fn checkin_keyword(&self) -> Option<&str> {
        self.0.keyword.as_deref()
    }
    async fn milestones(&self) -> Vec<i32> {
        campaigns::milestones_of(&self.0)
    }
    async fn cost_minor(&self) -> BigInt {
        BigInt(self.0.cost_minor)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn groups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Group>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(campaigns::groups(&tx, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(Group)
            .collect())
    }
    /// A member's streak, computed from their check-ins as of today in the tenant's time zone.
    async fn streak(
        &self,
        ctx: &Context<'_>,
        member_id: ID,
    ) -> async_graphql::Result<Option<Streak>> {
        let Some(member_id) = ids::of_kind(&member_id, "Member") else {
            return Ok(None);
        };
        let (tz, _) = today(ctx).await?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let found = streaks::read(&tx, tz, self.0.id, member_id, now())
            .await
            .gql()?;
        Ok((found.longest > 0).then(|| streak(member_id, found)))
    }
    /// Best first, by points earned in the campaign or by current streak.
    async fn leaderboard(
        &self,
        ctx: &Context<'_>,
        by: LeaderboardBy,
        #[graphql(default = 10)] first: i32,
    ) -> async_graphql::Result<Vec<LeaderboardEntry>> {
        let limit = first.clamp(1, 100) as u64;
        let (_, today) = today(ctx).await?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let rows = match by {
            LeaderboardBy::Points => points::leaderboard(&tx, Board::Campaign(self.0.id), limit)
                .await
                .gql()?,
            LeaderboardBy::Streak => {
                let mut all: Vec<(uuid::Uuid, i64)> = streaks::of_campaign(&tx, self.0.id, today)
                    .await
                    .gql()?
                    .into_iter()
                    .filter(|(_, s)| s.current > 0)
                    .map(|(m, s)| (m, i64::from(s.current)))
                    .collect();
                all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                all.truncate(limit as usize);
                all
            }
        };
        Ok(ranked(rows))
    }
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn participants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ParticipantStatus>,
    ) -> async_graphql::Result<ParticipantConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = campaigns::participants(&tx, self.0.id, status.map(Into::into), request)
            .await
            .gql()?;
        Ok(build(page, |p| p.id, participant).into())
    }
    /// Quiz questions (answer keys are not shown).
    async fn quiz_questions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<QuizQuestion>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(campaigns::quiz(&tx, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(|q| QuizQuestion {
                position: q.position,
                text: q.text,
            })
            .collect())
    }
    async fn quiz_ranking(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<QuizScore>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        let ranking = campaigns::quiz_ranking(&tx, self.0.id).await.gql()?;
        Ok(ranking
            .into_iter()
            .enumerate()
            .map(|(i, (member_id, correct, _))| QuizScore {
                rank: i as i32 + 1,
                correct,
                member_id,
            })
            .collect())
    }
    /// A relay's list (接龙), in order, one entry per member.
    async fn relay(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RelayEntry>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(campaigns::relay(&tx, self.0.id)
            .await
            .gql()?
            .into_iter()
            .enumerate()
            .map(|(i, e)| RelayEntry {
                position: i as i32 + 1,
                text: e.text,
                at: e.occurred_at.into(),
                member_id: e.member_id,
            })
            .collect())
    }
}

#[derive(InputObject)]
pub struct CreateCampaignInput {
    pub name: String,
    pub kind: CampaignKind,
    pub group_ids: Vec<ID>,
    pub starts_at: DateTime,
    pub ends_at: DateTime,
    pub target_days: Option<i32>,
    /// A message whose text equals this counts as a check-in (e.g. 打卡).
    pub checkin_keyword: Option<String>,
    pub cost_minor: Option<BigInt>,
    pub currency: Option<String>,
    /// Streak lengths that award points and a badge (default 7, 14, 21).
    pub milestones: Option<Vec<i32>>,
}

#[derive(SimpleObject)]
pub struct CreateCampaignPayload {
    pub campaign: Option<Campaign>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RecordCheckinInput {
    pub campaign_id: ID,
    pub member_id: ID,
    /// When it happened (default now); it counts for that local day.
    pub at: Option<DateTime>,
}

#[derive(SimpleObject)]
pub struct RecordCheckinPayload {
    /// False when the member had already checked in that day (it counts once).
    pub counted: bool,
    pub streak: Option<Streak>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RedeemPointsInput {
    pub member_id: ID,
    pub points: i64,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AdjustPointsInput {
    pub member_id: ID,
    /// Positive awards, negative deducts (never below zero).
    pub delta: i64,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct PointsPayload {
    pub balance: Option<i64>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RegisterForCampaignInput {
    pub campaign_id: ID,
    pub member_id: ID,
    #[graphql(default)]
    pub answers: Vec<i32>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ParticipantDecision {
    Accept,
    Reject,
}

#[derive(InputObject)]
pub struct ReviewParticipantInput {
    pub id: ID,
    pub decision: ParticipantDecision,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ParticipantPayload {
    pub participant: Option<Participant>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SetCampaignScreeningInput {
    pub campaign_id: ID,
    pub pass_score: i32,
    pub reject_score: i32,
    pub questions: Vec<QuestionnaireQuestion>,
}

#[derive(InputObject)]
pub struct QuizQuestionInput {
    pub text: String,
    /// The answer key, compared after normalisation (case, width, spaces).
    pub answer: String,
}

#[derive(InputObject)]
pub struct SetQuizQuestionsInput {
    pub campaign_id: ID,
    pub questions: Vec<QuizQuestionInput>,
}

#[derive(InputObject)]
pub struct AnswerQuizInput {
    pub campaign_id: ID,
    pub member_id: ID,
    pub position: i32,
    pub answer: String,
}

#[derive(SimpleObject)]
pub struct AnswerQuizPayload {
    /// Null when the answer did not count (window closed, or answered before).
    pub correct: Option<bool>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreateBadgeInput {
    pub name: String,
    pub description: Option<String>,
    pub criteria: serde_json::Value,
}

#[derive(SimpleObject)]
pub struct CampaignPayload {
    pub campaign: Option<Campaign>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct CreateBadgePayload {
    pub badge: Option<Badge>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<CampaignStatus>,
    ) -> async_graphql::Result<CampaignConnection> {
        let request = page_request(first, after)?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = campaigns::list(&tx, status.map(Into::into), request)
            .await
            .gql()?;
        Ok(build(page, |c| c.id, Campaign).into())
    }

    /// Members of a group by the points they earned there.
    async fn group_leaderboard(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        #[graphql(default = 10)] first: i32,
    ) -> async_graphql::Result<Vec<LeaderboardEntry>> {
        let group_id = ids::arg(&group_id, "Group")?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        tx.fetch::<qunyun_entity::groups::Entity>(group_id, "group")
            .await
            .gql()?;
        Ok(ranked(
            points::leaderboard(&tx, Board::Group(group_id), first.clamp(1, 100) as u64)
                .await
                .gql()?,
        ))
    }

    async fn badges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Badge>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(points::badges(&tx)
            .await
            .gql()?
            .into_iter()
            .map(Badge)
            .collect())
    }
}

fn member_arg(id: &ID, field: &str) -> Result<uuid::Uuid, DomainError> {
    ids::input(id, "Member", field)
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CreateCampaignInput,
    ) -> async_graphql::Result<CreateCampaignPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let group_ids = input
                .group_ids
                .iter()
                .map(|g| ids::input(g, "Group", "groupIds"))
                .collect::<Result<Vec<_>, _>>()?;
            let settings = defaults::for_tenant(&tx).await?;
            campaigns::create(
                &tx,
                &settings,
                NewCampaign {
                    name: input.name,
                    kind: input.kind.into(),
                    group_ids,
                    starts_at: input.starts_at.0,
                    ends_at: input.ends_at.0,
                    target_days: input.target_days,
                    keyword: input.checkin_keyword,
                    milestones: input.milestones,
                    cost_minor: input.cost_minor.map(|c| c.0),
                    currency: input.currency,
                },
                now(),
            )
            .await
        }
        .await;
        let (campaign, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateCampaignPayload {
            campaign: campaign.map(Campaign),
            user_errors,
        })
    }

    /// A check-in by an operator or an app (once per member and local day).
    async fn record_checkin(
        &self,
        ctx: &Context<'_>,
        input: RecordCheckinInput,
    ) -> async_graphql::Result<RecordCheckinPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let tz = tenancy::timezone_of(&access.tenant);
        let at = input.at.map_or_else(now, |t| t.0);
        let result = async {
            let campaign_id = ids::input(&input.campaign_id, "Campaign", "campaignId")?;
            let member_id = member_arg(&input.member_id, "memberId")?;
            let campaign = tx.fetch::<entity::Entity>(campaign_id, "campaign").await?;
            tx.fetch::<qunyun_entity::members::Entity>(member_id, "member")
                .await?;
            if campaign.kind != qunyun_entity::CampaignKind::CheckinChallenge {
                return Err(DomainError::invalid(
                    "campaignId",
                    qunyun_core::UserErrorCode::Invalid,
                    "only check-in challenges take check-ins",
                ));
            }
            if !campaigns::runs_at(&campaign, at) {
                return Err(DomainError::invalid(
                    "at",
                    qunyun_core::UserErrorCode::Invalid,
                    "the campaign is not running at that time",
                ));
            }
            if at > now() + chrono::Duration::minutes(5) {
                return Err(DomainError::invalid(
                    "at",
                    qunyun_core::UserErrorCode::Invalid,
                    "a check-in cannot be in the future",
                ));
            }
            let counted =
                campaigns::record_checkin(&tx, tz, &campaign, member_id, None, at, "mutation")
                    .await?;
            let current = streaks::read(&tx, tz, campaign_id, member_id, now()).await?;
            Ok((counted, streak(member_id, current)))
        }
        .await;
        let (done, user_errors) = payload(tx.finish(result).await)?;
        Ok(match done {
            Some((counted, s)) => RecordCheckinPayload {
                counted,
                streak: Some(s),
                user_errors,
            },
            None => RecordCheckinPayload {
                counted: false,
                streak: None,
                user_errors,
            },
        })
    }

    /// Spends a member's points; never below zero, also under concurrent requests.
    async fn redeem_points(
        &self,
        ctx: &Context<'_>,
        input: RedeemPointsInput,
    ) -> async_graphql::Result<PointsPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let member_id = member_arg(&input.member_id, "memberId")?;
            points::redeem(&tx, member_id, input.points, &input.reason).await
        }
        .await;
        let (balance, user_errors) = payload(tx.finish(result).await)?;
        Ok(PointsPayload {
            balance,
            user_errors,
        })
    }

    async fn adjust_points(
        &self,
        ctx: &Context<'_>,
        input: AdjustPointsInput,
    ) -> async_graphql::Result<PointsPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let member_id = member_arg(&input.member_id, "memberId")?;
            points::adjust(&tx, member_id, input.delta, &input.reason).await
        }
        .await;
        let (balance, user_errors) = payload(tx.finish(result).await)?;
        Ok(PointsPayload {
            balance,
            user_errors,
        })
    }

    async fn register_for_campaign(
        &self,
        ctx: &Context<'_>,
        input: RegisterForCampaignInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let campaign_id = ids::input(&input.campaign_id, "Campaign", "campaignId")?;
            let member_id = member_arg(&input.member_id, "memberId")?;
            campaigns::register(&tx, campaign_id, member_id, input.answers).await
        }
        .await;
        let (registered, user_errors) = payload(tx.finish(result).await)?;
        Ok(ParticipantPayload {
            participant: registered.map(participant),
            user_errors,
        })
    }

    /// An operator's pick for a registration the screening left open.
    async fn review_participant(
        &self,
        ctx: &Context<'_>,
        input: ReviewParticipantInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let (access, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Participant", "id")?;
            campaigns::review_participant(
                &tx,
                id,
                input.decision == ParticipantDecision::Accept,
                access.user_id(),
                input.note,
            )
            .await
        }
        .await;
        let (decided, user_errors) = payload(tx.finish(result).await)?;
        Ok(ParticipantPayload {
            participant: decided.map(participant),
            user_errors,
        })
    }

    async fn set_campaign_screening(
        &self,
        ctx: &Context<'_>,
        input: SetCampaignScreeningInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.campaign_id, "Campaign", "campaignId")?;
            let questions = input
                .questions
                .into_iter()
                .map(|q| Question {
                    text: q.text,
                    options: q
                        .options
                        .into_iter()
                        .map(|o| Choice {
                            label: o.label,
                            score: o.score,
                        })
                        .collect(),
                })
                .collect();
            campaigns::set_screening(&tx, id, input.pass_score, input.reject_score, questions).await
        }
        .await;
        let (campaign, user_errors) = payload(tx.finish(result).await)?;
        Ok(CampaignPayload {
            campaign: campaign.map(Campaign),
            user_errors,
        })
    }

    async fn set_quiz_questions(
        &self,
        ctx: &Context<'_>,
        input: SetQuizQuestionsInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.campaign_id, "Campaign", "campaignId")?;
            campaigns::set_quiz(
                &tx,
                id,
                input
                    .questions
                    .into_iter()
                    .map(|q| (q.text, q.answer))
                    .collect(),
            )
            .await?;
            tx.fetch::<entity::Entity>(id, "campaign").await
        }
        .await;
        let (campaign, user_errors) = payload(tx.finish(result).await)?;
        Ok(CampaignPayload {
            campaign: campaign.map(Campaign),
            user_errors,
        })
    }

    /// A quiz answer by mutation (messages such as `3:B` in the group count too).
    async fn answer_quiz(
        &self,
        ctx: &Context<'_>,
        input: AnswerQuizInput,
    ) -> async_graphql::Result<AnswerQuizPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let campaign_id = ids::input(&input.campaign_id, "Campaign", "campaignId")?;
            let member_id = member_arg(&input.member_id, "memberId")?;
            let campaign = tx.fetch::<entity::Entity>(campaign_id, "campaign").await?;
            tx.fetch::<qunyun_entity::members::Entity>(member_id, "member")
                .await?;
            let questions = campaigns::quiz(&tx, campaign_id).await?;
            let question = questions
                .iter()
                .find(|q| q.position == input.position)
                .ok_or_else(|| {
                    DomainError::invalid(
                        "position",
                        qunyun_core::UserErrorCode::NotFound,
                        "no such question",
                    )
                })?;
            campaigns::answer_question(
                &tx,
                &campaign,
                question,
                member_id,
                &input.answer,
                now(),
                "mutation",
            )
            .await
        }
        .await;
        let (correct, user_errors) = payload(tx.finish(result).await)?;
        Ok(AnswerQuizPayload {
            correct: correct.flatten(),
            user_errors,
        })
    }

    async fn create_badge(
        &self,
        ctx: &Context<'_>,
        input: CreateBadgeInput,
    ) -> async_graphql::Result<CreateBadgePayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result =
            points::create_badge(&tx, &input.name, input.description, input.criteria, None).await;
        let (badge, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateBadgePayload {
            badge: badge.map(Badge),
            user_errors,
        })
    }
}

/// Points and badges of a member (merged into `Member`).
pub async fn member_badges(
    ctx: &Context<'_>,
    member_id: uuid::Uuid,
) -> async_graphql::Result<Vec<MemberBadge>> {
    let (_, tx) = read(ctx, Permission::Read).await?;
    Ok(points::badges_of(&tx, member_id)
        .await
        .gql()?
        .into_iter()
        .map(|(b, at)| MemberBadge {
            badge: Badge(b),
            awarded_at: at.into(),
        })
        .collect())
}

pub async fn member_ledger(
    ctx: &Context<'_>,
    member_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PointsEntryConnection> {
    let request = page_request(first, after)?;
    let (_, tx) = read(ctx, Permission::Read).await?;
    let page = points::ledger(&tx, member_id, request).await.gql()?;
    Ok(build(page, |e| e.id, PointsEntry::from).into())
}
