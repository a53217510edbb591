//! Monitoring: `groupStats`, `activityHeatmap`, `propagation`, `funnel`, alert rules and
//! alerts (`alertRules`, `alerts`, their mutations, `alertRaised`), churn risk
//! (`Member.churnRisk`, `churnModel`, `retentionOutcome`). The rules live in
//! `qunyun_core::monitoring`.

use async_graphql::futures_util::{Stream, StreamExt};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use qunyun_core::defaults;
use qunyun_core::ids::now;
use qunyun_core::monitoring::{alerts, churn, stats};
use qunyun_core::notify::NoticeKind;
use qunyun_core::tenancy::{self, Permission};
use qunyun_entity::{alert_rules, alerts as alert_entity, churn_scores};

use super::context::{access, caller, read, services, tenant_loaders, write};
use super::error::{Code, GqlResult, UserError, error, payload};
use super::groups::Group;
use super::ids::{self, to_global};
use super::members::Member;
use super::pagination::{build, page_request};
use super::scalars::{Date, DateTime};
use crate::connection;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::AlertMetric")]
pub enum AlertMetric {
    MessagesPerMember,
    WeeklyExitRate,
    AdShare,
    ChurnRate,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::AlertStatus")]
pub enum AlertStatus {
    Open,
    Acknowledged,
    Resolved,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::Comparison")]
pub enum Comparison {
    Below,
    Above,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::AlertAction")]
pub enum AlertAction {
    ScheduleTopic,
    SendSurvey,
    StrictFilter,
    RetentionPlaybook,
    Notify,
    None,
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One group's local day.
pub struct GroupDayStats(stats::DayStats);

#[Object]
impl GroupDayStats {
    async fn date(&self) -> Date {
        Date(self.0.date)
    }
    async fn messages(&self) -> i32 {
        count(self.0.messages)
    }
    /// Members who wrote that day.
    async fn active_members(&self) -> i32 {
        count(self.0.active_members)
    }
    /// Members at the end of the day.
    async fn members(&self) -> i32 {
        count(self.0.members)
    }
    async fn joins(&self) -> i32 {
        count(self.0.joins)
    }
    async fn exits(&self) -> i32 {
        count(self.0.exits)
    }
    /// Messages a keyword list, an ad heuristic or a rule flagged.
    async fn ad_messages(&self) -> i32 {
        count(self.0.ad_messages)
    }
    async fn complaints(&self) -> i32 {
        count(self.0.complaints)
    }
    async fn reads(&self) -> i32 {
        count(self.0.reads)
    }
    async fn saves(&self) -> i32 {
        count(self.0.saves)
    }
    async fn clicks(&self) -> i32 {
        count(self.0.clicks)
    }
    /// Paid orders.
    async fn conversions(&self) -> i32 {
        count(self.0.conversions)
    }
    /// Messages over members at the end of the day; null without members.
    async fn messages_per_member(&self) -> Option<f64> {
        self.0.messages_per_member()
    }
    /// Exits over everyone who was a member that day (members at its end plus its exits).
    async fn exit_rate(&self) -> Option<f64> {
        let exposed = self.0.members + self.0.exits;
        (exposed > 0).then(|| self.0.exits as f64 / exposed as f64)
    }
    /// Ad / flagged messages over messages; null without messages.
    async fn ad_share(&self) -> Option<f64> {
        self.0.ad_share()
    }
}

/// One weekday × hour cell of the activity heatmap, summed over the range.
#[derive(SimpleObject)]
pub struct HeatmapCell {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// Hour of the tenant's local day, 0–23.
    pub hour: i32,
    pub messages: i32,
    /// Distinct members active in the hour, summed over the days.
    pub active_members: i32,
    /// How many of these weekday-hours the range holds (divide to average).
    pub occurrences: i32,
}

/// An inviter in a group's invite tree.
pub struct Inviter(stats::Inviter);

#[Object]
impl Inviter {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Ok(tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.0.member_id)
            .await?
            .map(Member))
    }
    /// Members this one brought in.
    async fn direct(&self) -> i32 {
        count(self.0.direct)
    }
    /// Everyone downstream of this member.
    async fn total(&self) -> i32 {
        count(self.0.total)
    }
    /// The inviter's own depth in the tree (0: joined without an inviter).
    async fn depth(&self) -> i32 {
        count(self.0.depth)
    }
}

/// Who brought whom.
pub struct InviteEdge {
    inviter: uuid::Uuid,
    invitee: uuid::Uuid,
    joined_at: chrono::DateTime<chrono::Utc>,
}

#[Object]
impl InviteEdge {
    async fn inviter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Ok(tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.inviter)
            .await?
            .map(Member))
    }
    async fn invitee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Ok(tenant_loaders(ctx)
            .await?
            .members
            .load_one(self.invitee)
            .await?
            .map(Member))
    }
    async fn joined_at(&self) -> DateTime {
        self.joined_at.into()
    }
}

/// A group's invite tree, from `inviterPlatformUserId` of the joins.
pub struct Propagation {
    inner: stats::Propagation,
    first: usize,
}

#[Object]
impl Propagation {
    async fn members(&self) -> i32 {
        count(self.inner.members)
    }
    /// Members who joined through an inviter in the group.
    async fn invited(&self) -> i32 {
        count(self.inner.invited)
    }
    /// The longest invite chain.
    async fn max_depth(&self) -> i32 {
        count(self.inner.max_depth)
    }
    /// Inviters, most downstream members first (the first `first`).
    async fn inviters(&self) -> Vec<Inviter> {
        self.inner
            .inviters
            .iter()
            .take(self.first)
            .cloned()
            .map(Inviter)
            .collect()
    }
    /// Who brought whom, in join order (the first `first`).
    async fn edges(&self) -> Vec<InviteEdge> {
        self.inner
            .edges
            .iter()
            .take(self.first)
            .map(|(inviter, invitee, joined_at)| InviteEdge {
                inviter: *inviter,
                invitee: *invitee,
                joined_at: *joined_at,
            })
            .collect()
    }
}

/// Distinct members at each step of a funnel.
#[derive(SimpleObject)]
pub struct Funnel {
    pub reached: i32,
    pub read: i32,
    pub clicked: i32,
    pub ordered: i32,
}

pub struct AlertRule(pub alert_rules::Model);

#[Object]
impl AlertRule {
    pub async fn id(&self) -> ID {
        to_global("AlertRule", self.0.id)
    }
    /// The group it watches; null: every group without its own rule for the metric.
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
    async fn metric(&self) -> AlertMetric {
        self.0.metric.into()
    }
    async fn comparison(&self) -> Comparison {
        self.0.comparison.into()
    }
    /// Messages per member a day, or a share as a fraction (0.08 = 8%).
    async fn threshold(&self) -> f64 {
        self.0.threshold
    }
    /// Days running (daily metrics) or days measured over (rates).
    async fn window_days(&self) -> i32 {
        self.0.window_days
    }
    async fn action(&self) -> AlertAction {
        self.0.action.into()
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

pub struct Alert(pub alert_entity::Model);

connection!(AlertConnection, AlertEdge, Alert);

#[Object]
impl Alert {
    pub async fn id(&self) -> ID {
        to_global("Alert", self.0.id)
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Group> {
        tenant_loaders(ctx)
            .await?
            .groups
            .load_one(self.0.group_id)
            .await?
            .map(Group)
            .ok_or_else(|| error(Code::NotFound, "group not found"))
    }
    async fn rule(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AlertRule>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(tx
            .get::<alert_rules::Entity>(self.0.rule_id)
            .await
            .gql()?
            .map(AlertRule))
    }
    async fn metric(&self) -> AlertMetric {
        self.0.metric.into()
    }
    async fn value(&self) -> f64 {
        self.0.value
    }
    async fn threshold(&self) -> f64 {
        self.0.threshold
    }
    async fn status(&self) -> AlertStatus {
        self.0.status.into()
    }
    async fn triggered_at(&self) -> DateTime {
        self.0.triggered_at.into()
    }
    async fn action(&self) -> AlertAction {
        self.0.action.into()
    }
    /// What the trigger did, e.g. the scheduled topic post's id.
    async fn action_taken(&self) -> Option<&str> {
        self.0.action_taken.as_deref()
    }
    async fn acknowledged_at(&self) -> Option<DateTime> {
        self.0.acknowledged_at.map(Into::into)
    }
    async fn resolved_at(&self) -> Option<DateTime> {
        self.0.resolved_at.map(Into::into)
    }
    /// `auto` when the metric came back within bounds, else the user who resolved it.
    async fn resolved_by(&self) -> Option<&str> {
        self.0.resolved_by.as_deref()
    }
}

/// One feature's push on a churn-risk score.
#[derive(SimpleObject)]
pub struct ChurnFeature {
    /// `recency`, `activity_trend`, `messages_30d`, `reads_30d`, `checkin_streak`, `tenure`,
    /// `layer`.
    pub feature: String,
    /// Contribution to the log-odds of leaving: positive raises the risk.
    pub contribution: f64,
}

/// A member's churn risk: the probability of leaving the group within 14 days.
pub struct ChurnRisk(pub churn_scores::Model);

#[Object]
impl ChurnRisk {
    async fn risk(&self) -> f64 {
        self.0.risk
    }
    /// The membership this is the risk of.
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        Ok(tenant_loaders(ctx)
            .await?
            .groups
            .load_one(self.0.group_id)
            .await?
            .map(Group))
    }
    /// The main contributing features, largest first.
    async fn features(&self) -> Vec<ChurnFeature> {
        self.0
            .top_features
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| {
                        Some(ChurnFeature {
                            feature: v.get("feature")?.as_str()?.to_owned(),
                            contribution: v.get("contribution")?.as_f64()?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    /// `MODEL` (trained on the tenant's history) or `HEURISTIC` (before there is enough).
    async fn method(&self) -> &'static str {
        if self.0.model_id.is_some() {
            "MODEL"
        } else {
            "HEURISTIC"
        }
    }
    async fn scored_at(&self) -> DateTime {
        self.0.scored_at.into()
    }
}

/// The tenant's latest churn model.
#[derive(SimpleObject)]
pub struct ChurnModel {
    pub trained_at: DateTime,
    /// Labelled membership snapshots it learned from.
    pub examples: i32,
    /// Area under the ROC curve on the held-out fifth.
    pub auc: Option<f64>,
}

/// Whether playbooks keep members: targeted members against similar members held out.
#[derive(SimpleObject)]
pub struct RetentionOutcome {
    pub targeted: i32,
    pub targeted_retained: i32,
    /// Share of targeted members still in the group 14 days later.
    pub targeted_share: Option<f64>,
    pub control: i32,
    pub control_retained: i32,
    pub control_share: Option<f64>,
    /// Targeted less than 14 days ago: not counted yet.
    pub pending: i32,
}

#[derive(Default)]
pub struct MonitoringQuery;

#[Object]
impl MonitoringQuery {
    /// A group's statistics for every local day of `from..=to` (at most 366), zero days
    /// included.
    async fn group_stats(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<Vec<GroupDayStats>> {
        let group_id = ids::arg(&group_id, "Group")?;
        let (access, tx) = read(ctx, Permission::Read).await?;
        let tz = tenancy::timezone_of(&access.tenant);
        let days = stats::group_stats(&tx, tz, group_id, from.0, to.0)
            .await
            .gql()?;
        Ok(days.into_iter().map(GroupDayStats).collect())
    }

    /// Messages and active members by weekday and local hour over `from..=to`, for one group
    /// or every group; all 168 cells.
    async fn activity_heatmap(
        &self,
        ctx: &Context<'_>,
        group_id: Option<ID>,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<Vec<HeatmapCell>> {
        let group_id = group_id.map(|g| ids::arg(&g, "Group")).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let cells = stats::heatmap(&tx, group_id, from.0, to.0).await.gql()?;
        Ok(cells
            .into_iter()
            .map(|c| HeatmapCell {
                weekday: i32::from(c.weekday),
                hour: i32::from(c.hour),
                messages: count(c.messages),
                active_members: count(c.active_members),
                occurrences: count(c.occurrences),
            })
            .collect())
    }

    /// A group's invite tree.
    async fn propagation(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        #[graphql(default = 50)] first: i32,
    ) -> async_graphql::Result<Propagation> {
        let group_id = ids::arg(&group_id, "Group")?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let inner = stats::propagation(&tx, group_id).await.gql()?;
        Ok(Propagation {
            inner,
            first: first.clamp(0, 500) as usize,
        })
    }

    /// The conversion funnel (reached → read → clicked → ordered) of a post, a campaign or an
    /// offer: give exactly one.
    async fn funnel(
        &self,
        ctx: &Context<'_>,
        post_id: Option<ID>,
        campaign_id: Option<ID>,
        offer_id: Option<ID>,
    ) -> async_graphql::Result<Funnel> {
        let of = match (post_id, campaign_id, offer_id) {
            (Some(post), None, None) => stats::FunnelOf::Post(ids::arg(&post, "ScheduledPost")?),
            (None, Some(campaign), None) => {
                stats::FunnelOf::Campaign(ids::arg(&campaign, "Campaign")?)
            }
            (None, None, Some(offer)) => stats::FunnelOf::Offer(ids::arg(&offer, "Offer")?),
            _ => {
                return Err(error(
                    Code::BadUserInput,
                    "give exactly one of postId, campaignId and offerId",
                ));
            }
        };
        let (_, tx) = read(ctx, Permission::Read).await?;
        let settings = defaults::for_tenant(&tx).await.gql()?;
        let f = stats::funnel(&tx, of, settings.commerce.attribution_window_days)
            .await
            .gql()?;
        Ok(Funnel {
            reached: count(f.reached),
            read: count(f.read),
            clicked: count(f.clicked),
            ordered: count(f.ordered),
        })
    }

    /// The tenant's alert rules, tenant-wide ones first.
    async fn alert_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AlertRule>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(alerts::rules(&tx)
            .await
            .gql()?
            .into_iter()
            .map(AlertRule)
            .collect())
    }

    /// Alerts, oldest first.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<AlertStatus>,
        group_id: Option<ID>,
    ) -> async_graphql::Result<AlertConnection> {
        let request = page_request(first, after)?;
        let group_id = group_id.map(|g| ids::arg(&g, "Group")).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        let page = alerts::list(&tx, status.map(Into::into), group_id, request)
            .await
            .gql()?;
        Ok(build(page, |a| a.id, Alert).into())
    }

    /// The latest churn model trained on the tenant's history; null while the heuristic scores.
    async fn churn_model(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ChurnModel>> {
        let (_, tx) = read(ctx, Permission::Read).await?;
        Ok(churn::latest_model(&tx).await.gql()?.map(|m| ChurnModel {
            trained_at: m.trained_at.into(),
            examples: m.examples,
            auc: m.auc,
        }))
    }

    /// Retention of members targeted by playbooks beside the similar members held out.
    async fn retention_outcome(
        &self,
        ctx: &Context<'_>,
        group_id: Option<ID>,
    ) -> async_graphql::Result<RetentionOutcome> {
        let group_id = group_id.map(|g| ids::arg(&g, "Group")).transpose()?;
        let (_, tx) = read(ctx, Permission::Read).await?;
        if let Some(group) = group_id {
            tx.fetch::<qunyun_entity::groups::Entity>(group, "group")
                .await
                .gql()?;
        }
        let settings = defaults::for_tenant(&tx).await.gql()?;
        let o =
            churn::retention_outcome(&tx, group_id, settings.monitoring.churn_horizon_days, now())
                .await
                .gql()?;
        Ok(RetentionOutcome {
            targeted: count(o.treated),
            targeted_retained: count(o.treated_retained),
            targeted_share: o.treated_share(),
            control: count(o.control),
            control_retained: count(o.control_retained),
            control_share: o.control_share(),
            pending: count(o.pending),
        })
    }
}

/// The churn-risk field of `Member`.
pub async fn member_churn_risk(
    ctx: &Context<'_>,
    member_id: uuid::Uuid,
) -> async_graphql::Result<Option<ChurnRisk>> {
    Ok(tenant_loaders(ctx)
        .await?
        .churn_risks
        .load_one(member_id)
        .await?
        .map(ChurnRisk))
}

#[derive(InputObject)]
pub struct CreateAlertRuleInput {
    /// Only this group (it then replaces the tenant-wide rule of the metric there).
    pub group_id: Option<ID>,
    pub metric: AlertMetric,
    /// Missing settings take the metric's default.
    pub comparison: Option<Comparison>,
    pub threshold: Option<f64>,
    pub window_days: Option<i32>,
    pub action: Option<AlertAction>,
    pub enabled: Option<bool>,
}

#[derive(InputObject)]
pub struct UpdateAlertRuleInput {
    pub id: ID,
    pub comparison: Option<Comparison>,
    pub threshold: Option<f64>,
    pub window_days: Option<i32>,
    pub action: Option<AlertAction>,
    pub enabled: Option<bool>,
}

#[derive(InputObject)]
pub struct DeleteAlertRuleInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct AlertInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct AlertRulePayload {
    pub rule: Option<AlertRule>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct DeleteAlertRulePayload {
    pub deleted_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct AlertPayload {
    pub alert: Option<Alert>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct MonitoringMutation;

#[Object]
impl MonitoringMutation {
    async fn create_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateAlertRuleInput,
    ) -> async_graphql::Result<AlertRulePayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = async {
            let group_id = input
                .group_id
                .as_ref()
                .map(|g| ids::input(g, "Group", "groupId"))
                .transpose()?;
            let settings = defaults::for_tenant(&tx).await?;
            alerts::create_rule(
                &tx,
                &settings,
                alerts::RuleInput {
                    group_id,
                    metric: Some(input.metric.into()),
                    comparison: input.comparison.map(Into::into),
                    threshold: input.threshold,
                    window_days: input.window_days,
                    action: input.action.map(Into::into),
                    enabled: input.enabled,
                },
                now(),
            )
            .await
        }
        .await;
        let (rule, user_errors) = payload(tx.finish(result).await)?;
        Ok(AlertRulePayload {
            rule: rule.map(AlertRule),
            user_errors,
        })
    }

    /// Edits a rule or switches it off (`enabled: false`).
    async fn update_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: UpdateAlertRuleInput,
    ) -> async_graphql::Result<AlertRulePayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = async {
            let id = ids::input(&input.id, "AlertRule", "id")?;
            alerts::update_rule(
                &tx,
                id,
                alerts::RulePatch {
                    comparison: input.comparison.map(Into::into),
                    threshold: input.threshold,
                    window_days: input.window_days,
                    action: input.action.map(Into::into),
                    enabled: input.enabled,
                },
                now(),
            )
            .await
        }
        .await;
        let (rule, user_errors) = payload(tx.finish(result).await)?;
        Ok(AlertRulePayload {
            rule: rule.map(AlertRule),
            user_errors,
        })
    }

    /// Deletes a rule with its alerts.
    async fn delete_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: DeleteAlertRuleInput,
    ) -> async_graphql::Result<DeleteAlertRulePayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = async {
            let id = ids::input(&input.id, "AlertRule", "id")?;
            alerts::delete_rule(&tx, id).await.map(|()| id)
        }
        .await;
        let (id, user_errors) = payload(tx.finish(result).await)?;
        Ok(DeleteAlertRulePayload {
            deleted_id: id.map(|id| to_global("AlertRule", id)),
            user_errors,
        })
    }

    /// Marks an open alert seen; it stays until resolved.
    async fn acknowledge_alert(
        &self,
        ctx: &Context<'_>,
        input: AlertInput,
    ) -> async_graphql::Result<AlertPayload> {
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Alert", "id")?;
            alerts::acknowledge(&tx, id, now()).await
        }
        .await;
        let (alert, user_errors) = payload(tx.finish(result).await)?;
        Ok(AlertPayload {
            alert: alert.map(Alert),
            user_errors,
        })
    }

    /// Resolves an alert by hand (a rule still breached raises a new one at its next pass).
    async fn resolve_alert(
        &self,
        ctx: &Context<'_>,
        input: AlertInput,
    ) -> async_graphql::Result<AlertPayload> {
        let by = match caller(ctx)?.user_id() {
            Some(user) => to_global("User", user).to_string(),
            None => "api-key".to_owned(),
        };
        let (_, tx) = write(ctx, Permission::Operate).await?;
        let result = async {
            let id = ids::input(&input.id, "Alert", "id")?;
            alerts::resolve(&tx, id, &by, now()).await
        }
        .await;
        let (alert, user_errors) = payload(tx.finish(result).await)?;
        Ok(AlertPayload {
            alert: alert.map(Alert),
            user_errors,
        })
    }
}

#[derive(Default)]
pub struct MonitoringSubscription;

#[Subscription]
impl MonitoringSubscription {
    /// Alerts as the worker raises them in the connection's tenant (from any process).
    async fn alert_raised(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = Alert>> {
        let tenant_id = access(ctx, Permission::Read).await?.tenant_id();
        let services = services(ctx)?.clone();
        let notices = tokio_stream::wrappers::BroadcastStream::new(services.notifier.subscribe());
        Ok(notices.filter_map(move |notice| {
            let services = services.clone();
            async move {
                let notice = notice.ok()?;
                if notice.tenant_id != tenant_id || notice.kind != NoticeKind::AlertRaised {
                    return None;
                }
                let tx = services.db.tenant_read(tenant_id).await.ok()?;
                let row = tx.get::<alert_entity::Entity>(notice.id).await.ok()??;
                Some(Alert(row))
            }
        }))
    }
}
