//! Alert rules, their evaluation over closed days, and the actions they trigger.
//!
//! Each metric is a series over the tenant's closed local days, per group:
//! - `MESSAGES_PER_MEMBER`: messages of the day over members at its end;
//! - `AD_SHARE`: ad / flagged messages of the day over its messages;
//! - `WEEKLY_EXIT_RATE` and `CHURN_RATE`: exits over the `window` days ending that day, over
//!   everyone who was a member in them (members before the window plus joins in it).
//!
//! The daily metrics (`MESSAGES_PER_MEMBER`, `AD_SHARE`) raise an alert when every one of the
//! last `window` closed days breaches the threshold; the rates raise one when the last closed
//! day's value does. Either way an alert resolves itself once the value has been within
//! bounds on each of the last `window` closed days. A day without a value (no members, no
//! messages) never breaches. There is one open (or acknowledged) alert per rule and group: the
//! unique `open_key` (`rule:group`) is cleared when it resolves. A group's own rule for a
//! metric replaces the tenant-wide rule for that group.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use qunyun_entity::{
    AlertAction, AlertMetric, AlertStatus, ChannelKind, Comparison, ContentKind, GroupStatus,
    alert_rules, alerts, channels, contents, group_day_stats, groups, job_runs, members,
    retention_targets, scheduled_posts,
};

use super::stats::{DayStats, members_at_day_end};
use crate::defaults::{MonitoringDefaults, TenantDefaults};
use crate::ids::{global, new_id};
use crate::page::{Page, PageRequest, keyset};
use crate::scope::{TenantTx, expect_one};
use crate::validate::Problems;
use crate::{DomainError, DomainResult, FieldError, UserErrorCode, posts};

/// The job_runs marker of a tenant whose default rules were created.
const DEFAULTS_MARKER: &str = "alert-defaults";
/// The longest window a rule may have.
pub const MAX_WINDOW_DAYS: i32 = 90;

/// A rule's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub metric: AlertMetric,
    pub comparison: Comparison,
    pub threshold: f64,
    pub window_days: i32,
    pub action: AlertAction,
}

/// The four rules every tenant starts with (DOMAIN.md §5).
pub fn default_rules(m: &MonitoringDefaults) -> Vec<RuleSpec> {
    let days = |d: i64| d.clamp(1, i64::from(MAX_WINDOW_DAYS)) as i32;
    vec![
        RuleSpec {
            metric: AlertMetric::MessagesPerMember,
            comparison: Comparison::Below,
            threshold: m.messages_per_member_min,
            window_days: days(m.messages_per_member_days),
            action: AlertAction::ScheduleTopic,
        },
        RuleSpec {
            metric: AlertMetric::WeeklyExitRate,
            comparison: Comparison::Above,
            threshold: m.weekly_exit_rate_max,
            window_days: days(m.weekly_exit_rate_days),
            action: AlertAction::SendSurvey,
        },
        RuleSpec {
            metric: AlertMetric::AdShare,
            comparison: Comparison::Above,
            threshold: m.ad_share_max,
            window_days: days(m.ad_share_days),
            action: AlertAction::StrictFilter,
        },
        RuleSpec {
            metric: AlertMetric::ChurnRate,
            comparison: Comparison::Above,
            threshold: m.churn_rate_max,
            window_days: days(m.churn_rate_days),
            action: AlertAction::RetentionPlaybook,
        },
    ]
}

/// Creates the default rules once per tenant (at tenant creation, or at the first alerts pass
/// of a tenant created before rules existed). Returns whether it created them.
pub async fn ensure_default_rules(
    tx: &TenantTx,
    settings: &TenantDefaults,
    at: DateTime<Utc>,
) -> DomainResult<bool> {
    let marked = tx
        .select::<job_runs::Entity>()
        .filter(job_runs::Column::Job.eq(DEFAULTS_MARKER))
        .one(tx.conn())
        .await?
        .is_some();
    if marked {
        return Ok(false);
    }
    let inserted = tx
        .insert_many(vec![job_runs::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            job: Set(DEFAULTS_MARKER.to_owned()),
            last_local_date: Set(at.date_naive()),
            updated_at: Set(at),
        }])
        .on_conflict(
            OnConflict::columns([job_runs::Column::TenantId, job_runs::Column::Job])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    for spec in default_rules(&settings.monitoring) {
        insert_rule(tx, None, &spec, true, at).await?;
    }
    Ok(true)
}

async fn insert_rule(
    tx: &TenantTx,
    group_id: Option<Uuid>,
    spec: &RuleSpec,
    enabled: bool,
    at: DateTime<Utc>,
) -> DomainResult<alert_rules::Model> {
    Ok(tx
        .insert(alert_rules::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            group_id: Set(group_id),
            metric: Set(spec.metric),
            comparison: Set(spec.comparison),
            threshold: Set(spec.threshold),
            window_days: Set(spec.window_days),
            action: Set(spec.action),
            enabled: Set(enabled),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .await?)
}

/// The tenant's rules, tenant-wide ones first.
pub async fn rules(tx: &TenantTx) -> DomainResult<Vec<alert_rules::Model>> {
    let mut rows = tx
        .select::<alert_rules::Entity>()
        .order_by_asc(alert_rules::Column::Id)
        .all(tx.conn())
        .await?;
    rows.sort_by_key(|r| r.group_id.is_some());
    Ok(rows)
}

/// Input of a new rule; missing settings take the metric's default.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub group_id: Option<Uuid>,
    pub metric: Option<AlertMetric>,
    pub comparison: Option<Comparison>,
    pub threshold: Option<f64>,
    pub window_days: Option<i32>,
    pub action: Option<AlertAction>,
    pub enabled: Option<bool>,
}

fn check_spec(problems: &mut Problems, spec: &RuleSpec) {
    if !spec.threshold.is_finite() || spec.threshold < 0.0 {
        problems.push(FieldError::input(
            "threshold",
            UserErrorCode::Invalid,
            "threshold is a number of 0 or more",
        ));
    }
    let share = !matches!(spec.metric, AlertMetric::MessagesPerMember);
    if share && spec.threshold > 1.0 {
        problems.push(FieldError::input(
            "threshold",
            UserErrorCode::Invalid,
            "this metric is a share: give the threshold as a fraction between 0 and 1 (0.08 for 8%)",
        ));
    }
    if !(1..=MAX_WINDOW_DAYS).contains(&spec.window_days) {
        problems.push(FieldError::input(
            "windowDays",
            UserErrorCode::Invalid,
            format!("windowDays is between 1 and {MAX_WINDOW_DAYS}"),
        ));
    }
}

pub async fn create_rule(
    tx: &TenantTx,
    settings: &TenantDefaults,
    input: RuleInput,
    at: DateTime<Utc>,
) -> DomainResult<alert_rules::Model> {
    let mut problems = Problems::new();
    let Some(metric) = input.metric else {
        return Err(DomainError::invalid(
            "metric",
            UserErrorCode::Required,
            "metric is required",
        ));
    };
    if let Some(group) = input.group_id
        && tx.get::<groups::Entity>(group).await?.is_none()
    {
        problems.push(FieldError::input(
            "groupId",
            UserErrorCode::NotFound,
            "no such group",
        ));
    }
    let base = default_rules(&settings.monitoring)
        .into_iter()
        .find(|r| r.metric == metric)
        .ok_or_else(|| DomainError::internal(anyhow::anyhow!("no default for {metric:?}")))?;
    let spec = RuleSpec {
        metric,
        comparison: input.comparison.unwrap_or(base.comparison),
        threshold: input.threshold.unwrap_or(base.threshold),
        window_days: input.window_days.unwrap_or(base.window_days),
        action: input.action.unwrap_or(base.action),
    };
    check_spec(&mut problems, &spec);
    problems.finish()?;
    insert_rule(tx, input.group_id, &spec, input.enabled.unwrap_or(true), at).await
}

/// Changes of a rule; `None` keeps the setting.
#[derive(Debug, Clone, Default)]
pub struct RulePatch {
    pub comparison: Option<Comparison>,
    pub threshold: Option<f64>,
    pub window_days: Option<i32>,
    pub action: Option<AlertAction>,
    pub enabled: Option<bool>,
}

pub async fn update_rule(
    tx: &TenantTx,
    id: Uuid,
    patch: RulePatch,
    at: DateTime<Utc>,
) -> DomainResult<alert_rules::Model> {
    let rule = tx.fetch::<alert_rules::Entity>(id, "alert rule").await?;
    let spec = RuleSpec {
        metric: rule.metric,
        comparison: patch.comparison.unwrap_or(rule.comparison),
        threshold: patch.threshold.unwrap_or(rule.threshold),
        window_days: patch.window_days.unwrap_or(rule.window_days),
        action: patch.action.unwrap_or(rule.action),
    };
    let mut problems = Problems::new();
    check_spec(&mut problems, &spec);
    problems.finish()?;
    let enabled = patch.enabled.unwrap_or(rule.enabled);
    let mut model = rule.into_active_model();
    model.comparison = Set(spec.comparison);
    model.threshold = Set(spec.threshold);
    model.window_days = Set(spec.window_days);
    model.action = Set(spec.action);
    model.enabled = Set(enabled);
    model.updated_at = Set(at);
    Ok(tx.update(model).await?)
}

/// Deletes a rule and its alerts.
pub async fn delete_rule(tx: &TenantTx, id: Uuid) -> DomainResult<()> {
    tx.fetch::<alert_rules::Entity>(id, "alert rule").await?;
    tx.delete_many::<alerts::Entity>()
        .filter(alerts::Column::RuleId.eq(id))
        .exec(tx.conn())
        .await?;
    let deleted = tx
        .delete_many::<alert_rules::Entity>()
        .filter(alert_rules::Column::Id.eq(id))
        .exec(tx.conn())
        .await?;
    expect_one(deleted.rows_affected, "alert rule")
}

/// Alerts, oldest first, optionally of one status.
pub async fn list(
    tx: &TenantTx,
    status: Option<AlertStatus>,
    group_id: Option<Uuid>,
    page: PageRequest,
) -> DomainResult<Page<alerts::Model>> {
    let mut select = tx.select::<alerts::Entity>();
    if let Some(status) = status {
        select = select.filter(alerts::Column::Status.eq(status));
    }
    if let Some(group) = group_id {
        select = select.filter(alerts::Column::GroupId.eq(group));
    }
    Ok(keyset(tx.conn(), select, alerts::Column::Id, page).await?)
}

/// An operator has seen the alert: it stays until resolved.
pub async fn acknowledge(
    tx: &TenantTx,
    id: Uuid,
    at: DateTime<Utc>,
) -> DomainResult<alerts::Model> {
    let alert = tx.fetch::<alerts::Entity>(id, "alert").await?;
    if alert.status != AlertStatus::Open {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            format!("the alert is {}", alert.status.as_str()),
        ));
    }
    let mut model = alert.into_active_model();
    model.status = Set(AlertStatus::Acknowledged);
    model.acknowledged_at = Set(Some(at));
    Ok(tx.update(model).await?)
}

/// Closes the alert by hand (the rule raises a new one if the metric still breaches).
pub async fn resolve(
    tx: &TenantTx,
    id: Uuid,
    by: &str,
    at: DateTime<Utc>,
) -> DomainResult<alerts::Model> {
    let alert = tx.fetch::<alerts::Entity>(id, "alert").await?;
    if alert.status == AlertStatus::Resolved {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            "the alert is resolved already",
        ));
    }
    close(tx, alert, by, at).await
}

async fn close(
    tx: &TenantTx,
    alert: alerts::Model,
    by: &str,
    at: DateTime<Utc>,
) -> DomainResult<alerts::Model> {
    let (group, action) = (alert.group_id, alert.action);
    let mut model = alert.into_active_model();
    model.status = Set(AlertStatus::Resolved);
    model.open_key = Set(None);
    model.resolved_at = Set(Some(at));
    model.resolved_by = Set(Some(by.to_owned()));
    let closed = tx.update(model).await?;
    if action == AlertAction::StrictFilter {
        // Strict filtering lasts while some strict-filter alert of the group is open.
        let still = tx
            .count(
                tx.select::<alerts::Entity>()
                    .filter(alerts::Column::GroupId.eq(group))
                    .filter(alerts::Column::Action.eq(AlertAction::StrictFilter))
                    .filter(alerts::Column::ActionDone.eq(true))
                    .filter(alerts::Column::OpenKey.is_not_null()),
            )
            .await?;
        if still == 0 {
            tx.update_many::<groups::Entity>()
                .col_expr(groups::Column::StrictFilter, Expr::value(false))
                .filter(groups::Column::Id.eq(group))
                .exec(tx.conn())
                .await?;
        }
    }
    Ok(closed)
}

/// What a pass did, for the worker to finish after commit.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub raised: Vec<alerts::Model>,
    pub resolved: usize,
    /// Posts scheduled by actions, to queue.
    pub posts: Vec<scheduled_posts::Model>,
    /// Alerts to post to the notification channel: `(alert, channel)`.
    pub notify: Vec<(alerts::Model, channels::Model)>,
}

impl Evaluation {
    pub fn rows(&self) -> u64 {
        (self.raised.len() + self.resolved) as u64
    }
}

/// The series of a metric over consecutive closed days (index 0 = oldest).
fn series(metric: AlertMetric, window: usize, days: &[DayStats]) -> Vec<Option<f64>> {
    match metric {
        AlertMetric::MessagesPerMember => days.iter().map(DayStats::messages_per_member).collect(),
        AlertMetric::AdShare => days.iter().map(DayStats::ad_share).collect(),
        AlertMetric::WeeklyExitRate | AlertMetric::ChurnRate => (0..days.len())
            .map(|i| {
                if i < window {
                    return None;
                }
                let span = &days[i + 1 - window..=i];
                let exits: i64 = span.iter().map(|d| d.exits).sum();
                let joins: i64 = span.iter().map(|d| d.joins).sum();
                let exposed = days[i - window].members + joins;
                (exposed > 0).then(|| exits as f64 / exposed as f64)
            })
            .collect(),
    }
}

fn breaches(comparison: Comparison, threshold: f64, value: Option<f64>) -> bool {
    match (comparison, value) {
        (_, None) => false,
        (Comparison::Below, Some(v)) => v < threshold,
        (Comparison::Above, Some(v)) => v > threshold,
    }
}

/// What the rule says of a group's closed days: raise (with the value), resolve, or neither.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Raise(f64),
    WithinBounds,
    Hold,
}

pub fn judge(rule: &RuleSpec, days: &[DayStats]) -> Verdict {
    let window = rule.window_days.max(1) as usize;
    let values = series(rule.metric, window, days);
    if values.len() < window {
        return Verdict::Hold;
    }
    let last = &values[values.len() - window..];
    if last
        .iter()
        .all(|v| !breaches(rule.comparison, rule.threshold, *v))
    {
        return Verdict::WithinBounds;
    }
    let rate = matches!(
        rule.metric,
        AlertMetric::WeeklyExitRate | AlertMetric::ChurnRate
    );
    if rate {
        let latest = values.last().copied().flatten();
        if breaches(rule.comparison, rule.threshold, latest) {
            return Verdict::Raise(latest.unwrap_or_default());
        }
    } else if last
        .iter()
        .all(|v| breaches(rule.comparison, rule.threshold, *v))
    {
        let sum: f64 = last.iter().map(|v| v.unwrap_or_default()).sum();
        return Verdict::Raise(sum / window as f64);
    }
    Verdict::Hold
}

/// Closed-day statistics of groups from `from` to `to` (the last closed day).
async fn closed_days(
    tx: &TenantTx,
    tz: Tz,
    group_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<HashMap<Uuid, Vec<DayStats>>> {
    let rows = tx
        .select::<group_day_stats::Entity>()
        .filter(group_day_stats::Column::GroupId.is_in(group_ids.iter().copied()))
        .filter(group_day_stats::Column::Day.between(from, to))
        .all(tx.conn())
        .await?;
    let mut by: HashMap<(Uuid, NaiveDate), group_day_stats::Model> =
        rows.into_iter().map(|r| ((r.group_id, r.day), r)).collect();
    let members = members_at_day_end(tx, tz, group_ids, from, to).await?;
    let mut out = HashMap::new();
    for group in group_ids {
        let days = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|day| {
                let row = by.remove(&(*group, day));
                DayStats {
                    date: day,
                    members: members.get(&(*group, day)).copied().unwrap_or(0),
                    messages: row.as_ref().map_or(0, |r| r.messages),
                    active_members: row.as_ref().map_or(0, |r| r.active_members),
                    joins: row.as_ref().map_or(0, |r| r.joins),
                    exits: row.as_ref().map_or(0, |r| r.exits),
                    ad_messages: row.as_ref().map_or(0, |r| r.ad_messages),
                    complaints: row.as_ref().map_or(0, |r| r.complaints),
                    reads: row.as_ref().map_or(0, |r| r.reads),
                    saves: row.as_ref().map_or(0, |r| r.saves),
                    clicks: row.as_ref().map_or(0, |r| r.clicks),
                    conversions: row.as_ref().map_or(0, |r| r.conversions),
                }
            })
            .collect();
        out.insert(*group, days);
    }
    Ok(out)
}

fn open_key(rule: Uuid, group: Uuid) -> String {
    format!("{rule}:{group}")
}

/// One alerts pass for one tenant, over the days closed at `at` (the rollups must be fresh).
pub async fn evaluate(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    at: DateTime<Utc>,
) -> DomainResult<Evaluation> {
    ensure_default_rules(tx, settings, at).await?;
    let rules: Vec<alert_rules::Model> =
        rules(tx).await?.into_iter().filter(|r| r.enabled).collect();
    let mut out = Evaluation::default();
    if rules.is_empty() {
        return Ok(out);
    }
    let active: Vec<groups::Model> = tx
        .select::<groups::Entity>()
        .filter(groups::Column::Status.eq(GroupStatus::Active))
        .order_by_asc(groups::Column::Id)
        .all(tx.conn())
        .await?;
    let group_ids: Vec<Uuid> = active.iter().map(|g| g.id).collect();
    if group_ids.is_empty() {
        return Ok(out);
    }
    let last_closed = at.with_timezone(&tz).date_naive() - Duration::days(1);
    let longest = rules
        .iter()
        .map(|r| r.window_days.max(1))
        .max()
        .unwrap_or(1);
    let from = last_closed - Duration::days(i64::from(longest) * 2);
    let stats = closed_days(tx, tz, &group_ids, from, last_closed).await?;
    let open: Vec<alerts::Model> = tx
        .select::<alerts::Entity>()
        .filter(alerts::Column::OpenKey.is_not_null())
        .all(tx.conn())
        .await?;
    let mut open: HashMap<String, alerts::Model> = open
        .into_iter()
        .filter_map(|a| a.open_key.clone().map(|k| (k, a)))
        .collect();
    let overridden: std::collections::HashSet<(AlertMetric, Uuid)> = rules
        .iter()
        .filter_map(|r| r.group_id.map(|g| (r.metric, g)))
        .collect();
    for rule in &rules {
        let spec = RuleSpec {
            metric: rule.metric,
            comparison: rule.comparison,
            threshold: rule.threshold,
            window_days: rule.window_days,
            action: rule.action,
        };
        for group in &active {
            let applies = match rule.group_id {
                Some(g) => g == group.id,
                None => !overridden.contains(&(rule.metric, group.id)),
            };
            if !applies {
                continue;
            }
            let Some(days) = stats.get(&group.id) else {
                continue;
            };
            let key = open_key(rule.id, group.id);
            match (judge(&spec, days), open.remove(&key)) {
                (Verdict::Raise(value), None) => {
                    let alert = tx
                        .insert(alerts::ActiveModel {
                            tenant_id: Set(tx.tenant_id()),
                            id: Set(new_id()),
                            rule_id: Set(rule.id),
                            group_id: Set(group.id),
                            metric: Set(rule.metric),
                            value: Set(value),
                            threshold: Set(rule.threshold),
                            status: Set(AlertStatus::Open),
                            open_key: Set(Some(key)),
                            triggered_at: Set(at),
                            action: Set(rule.action),
                            action_taken: Set(None),
                            action_done: Set(false),
                            acknowledged_at: Set(None),
                            resolved_at: Set(None),
                            resolved_by: Set(None),
                        })
                        .await?;
                    let alert = act(tx, settings, tz, group, alert, at, &mut out).await?;
                    out.raised.push(alert);
                }
                (Verdict::Raise(value), Some(alert)) => {
                    let mut alert = alert;
                    if (alert.value - value).abs() > f64::EPSILON {
                        let mut model = alert.clone().into_active_model();
                        model.value = Set(value);
                        alert = tx.update(model).await?;
                    }
                    if !alert.action_done {
                        act(tx, settings, tz, group, alert, at, &mut out).await?;
                    }
                }
                (Verdict::WithinBounds, Some(alert)) => {
                    close(tx, alert, "auto", at).await?;
                    out.resolved += 1;
                }
                (Verdict::Hold, Some(alert)) => {
                    if !alert.action_done {
                        act(tx, settings, tz, group, alert, at, &mut out).await?;
                    }
                }
                (_, None) => {}
            }
        }
    }
    Ok(out)
}

/// Runs the alert's action and records what it did.
async fn act(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    group: &groups::Model,
    alert: alerts::Model,
    at: DateTime<Utc>,
    out: &mut Evaluation,
) -> DomainResult<alerts::Model> {
    let (done, taken) = match alert.action {
        AlertAction::ScheduleTopic => {
            schedule(tx, settings, tz, group, ContentKind::Topic, at, out).await?
        }
        AlertAction::SendSurvey => {
            schedule(tx, settings, tz, group, ContentKind::Survey, at, out).await?
        }
        AlertAction::StrictFilter => {
            tx.update_many::<groups::Entity>()
                .col_expr(groups::Column::StrictFilter, Expr::value(true))
                .filter(groups::Column::Id.eq(group.id))
                .exec(tx.conn())
                .await?;
            (
                true,
                "strict keyword filtering switched on until the alert resolves".to_owned(),
            )
        }
        AlertAction::RetentionPlaybook => playbook(tx, settings, tz, &alert, at).await?,
        AlertAction::Notify => match notification_channel(tx, settings).await? {
            Ok(channel) => {
                // Posted after commit by the worker, which records the answer.
                out.notify.push((alert.clone(), channel));
                (false, "notification queued".to_owned())
            }
            Err(why) => (false, format!("not run: {why}")),
        },
        AlertAction::None => (true, "no action".to_owned()),
    };
    let mut model = alert.into_active_model();
    model.action_done = Set(done);
    model.action_taken = Set(Some(taken));
    Ok(tx.update(model).await?)
}

/// Schedules the tenant's least recently used content of `kind` into the group at its next
/// recommended slot.
async fn schedule(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    group: &groups::Model,
    kind: ContentKind,
    at: DateTime<Utc>,
    out: &mut Evaluation,
) -> DomainResult<(bool, String)> {
    let candidates = tx
        .select::<contents::Entity>()
        .filter(contents::Column::Kind.eq(kind))
        .filter(contents::Column::ArchivedAt.is_null())
        .order_by_asc(contents::Column::Id)
        .all(tx.conn())
        .await?;
    if candidates.is_empty() {
        return Ok((
            false,
            format!("not run: no {} content to schedule", kind.as_str()),
        ));
    }
    // Least recently used: never posted first, then the oldest last post.
    let posted = tx
        .select::<scheduled_posts::Entity>()
        .filter(scheduled_posts::Column::ContentId.is_in(candidates.iter().map(|c| c.id)))
        .all(tx.conn())
        .await?;
    let mut last: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for p in &posted {
        let slot = last.entry(p.content_id).or_insert(p.scheduled_at);
        *slot = (*slot).max(p.scheduled_at);
    }
    let Some(content) = candidates
        .iter()
        .min_by_key(|c| (last.get(&c.id).copied(), c.id))
    else {
        return Ok((false, "not run: no content".to_owned()));
    };
    // The group's channel (that of its latest post), else the tenant's first channel.
    let channel_id = match tx
        .select::<scheduled_posts::Entity>()
        .filter(scheduled_posts::Column::GroupId.eq(group.id))
        .order_by_desc(scheduled_posts::Column::CreatedAt)
        .order_by_desc(scheduled_posts::Column::Id)
        .one(tx.conn())
        .await?
    {
        Some(p) => Some(p.channel_id),
        None => tx
            .select::<channels::Entity>()
            .order_by_asc(channels::Column::Id)
            .one(tx.conn())
            .await?
            .map(|c| c.id),
    };
    let Some(channel_id) = channel_id else {
        return Ok((
            false,
            "not run: the tenant has no channel to post through".to_owned(),
        ));
    };
    let slot = crate::content::suggest_slots(tx, settings, tz, group.id, kind, 1, at)
        .await?
        .into_iter()
        .next()
        .map_or(at + Duration::hours(1), |s| s.at);
    let scheduled = posts::schedule(
        tx,
        settings,
        tz,
        posts::NewPost {
            group_id: group.id,
            content_id: content.id,
            channel_id,
            scheduled_at: slot,
            recurrence: None,
            force: true,
        },
        at,
    )
    .await;
    match scheduled {
        Ok(s) => {
            let text = format!(
                "scheduled {} post {} for {}",
                kind.as_str(),
                global::encode("ScheduledPost", s.post.id),
                s.post.scheduled_at.to_rfc3339()
            );
            out.posts.push(s.post);
            Ok((true, text))
        }
        Err(DomainError::Invalid(problems)) => Ok((
            false,
            format!(
                "not run: {}",
                problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
        Err(other) => Err(other),
    }
}

/// The retention playbook: the group's members most at risk are tagged `at-risk` and given an
/// operator task, except every `playbookHoldoutEvery`-th (by risk rank), held out untreated as
/// the comparison; all are recorded as targeted.
async fn playbook(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    alert: &alerts::Model,
    at: DateTime<Utc>,
) -> DomainResult<(bool, String)> {
    let m = &settings.monitoring;
    let mut at_risk = super::churn::most_at_risk(
        tx,
        alert.group_id,
        m.playbook_min_risk,
        m.playbook_members.max(0) as usize,
    )
    .await?;
    if at_risk.is_empty() {
        // Not scored yet (a new tenant): score now.
        super::churn::run(tx, settings, tz, at).await?;
        at_risk = super::churn::most_at_risk(
            tx,
            alert.group_id,
            m.playbook_min_risk,
            m.playbook_members.max(0) as usize,
        )
        .await?;
    }
    if at_risk.is_empty() {
        return Ok((
            true,
            format!(
                "retention playbook: no member at risk {:.0}% or more",
                m.playbook_min_risk * 100.0
            ),
        ));
    }
    let holdout = m.playbook_holdout_every.max(0) as usize;
    let (mut treated, mut control) = (0, 0);
    let mut targets = Vec::with_capacity(at_risk.len());
    for (rank, score) in at_risk.iter().enumerate() {
        let is_control = holdout > 1 && (rank + 1) % holdout == 0;
        if is_control {
            control += 1;
        } else {
            treated += 1;
            tag_at_risk(tx, score.member_id).await?;
            let member = tx.get::<members::Entity>(score.member_id).await?;
            let name = member
                .as_ref()
                .and_then(|m| m.display_name.clone())
                .unwrap_or_else(|| "a member".to_owned());
            posts::create_follow_up(
                tx,
                alert.group_id,
                None,
                Some(score.member_id),
                format!(
                    "Retention: reach out to {name} ({:.0}% churn risk)",
                    score.risk * 100.0
                ),
                at + Duration::days(1),
            )
            .await?;
        }
        targets.push(retention_targets::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            alert_id: Set(alert.id),
            group_id: Set(alert.group_id),
            member_id: Set(score.member_id),
            risk: Set(score.risk),
            treated: Set(!is_control),
            targeted_at: Set(at),
        });
    }
    tx.insert_many(targets)
        .exec_without_returning(tx.conn())
        .await?;
    Ok((
        true,
        format!(
            "retention playbook: {treated} members tagged at-risk with operator tasks, {control} held out for comparison"
        ),
    ))
}

async fn tag_at_risk(tx: &TenantTx, member_id: Uuid) -> DomainResult<()> {
    let Some(member) = tx.get::<members::Entity>(member_id).await? else {
        return Ok(());
    };
    let mut tags = crate::members::manual_tags(&member);
    if tags.iter().any(|t| t == "at-risk") {
        return Ok(());
    }
    tags.push("at-risk".to_owned());
    let mut model = member.into_active_model();
    model.tags = Set(json!(tags));
    tx.update(model).await?;
    Ok(())
}

/// The channel NOTIFY posts to, or why there is none.
async fn notification_channel(
    tx: &TenantTx,
    settings: &TenantDefaults,
) -> DomainResult<Result<channels::Model, String>> {
    let Some(raw) = settings.monitoring.notification_channel_id.as_deref() else {
        return Ok(Err(
            "no notification channel: set monitoring.notificationChannelId in the tenant settings"
                .to_owned(),
        ));
    };
    let id = global::of_kind(raw, "Channel").or_else(|| Uuid::parse_str(raw).ok());
    let channel = match id {
        Some(id) => tx.get::<channels::Entity>(id).await?,
        None => None,
    };
    Ok(match channel {
        Some(c) if c.kind == ChannelKind::Webhook => Ok(c),
        Some(_) => Err("the notification channel is not a WEBHOOK channel".to_owned()),
        None => Err("the notification channel does not exist".to_owned()),
    })
}

/// The JSON a notification carries.
pub fn notification_body(
    alert: &alerts::Model,
    group: Option<&groups::Model>,
) -> serde_json::Value {
    json!({
        "id": alert.id,
        "type": "alert",
        "alert": {
            "id": global::encode("Alert", alert.id),
            "metric": alert.metric.as_str(),
            "value": alert.value,
            "threshold": alert.threshold,
            "status": alert.status.as_str(),
            "triggeredAt": alert.triggered_at.to_rfc3339(),
        },
        "group": group.map(|g| json!({
            "id": global::encode("Group", g.id),
            "name": g.name,
            "platform": g.platform.as_str(),
            "externalId": g.external_id,
        })),
    })
}

/// Posts one alert to a WEBHOOK channel, signed like posts (`Idempotency-Key` is the alert id,
/// `X-Qunyun-Signature` the HMAC of `"<timestamp>.<body>"` with the channel secret). Answers
/// whether it was delivered, and what happened.
pub async fn send_notification(
    http: &reqwest::Client,
    channel: &channels::Model,
    body: &serde_json::Value,
    alert_id: Uuid,
) -> (bool, String) {
    let body = body.to_string();
    let timestamp = Utc::now().timestamp();
    let mut request = http
        .post(&channel.url)
        .header("content-type", "application/json")
        .header("idempotency-key", alert_id.to_string())
        .header("x-qunyun-timestamp", timestamp.to_string());
    if let Some(secret) = channel.secret.as_deref() {
        request = request.header(
            "x-qunyun-signature",
            crate::delivery::send::signature(secret, timestamp, &body),
        );
    }
    match request.body(body).send().await {
        Ok(response) if response.status().is_success() => (
            true,
            format!(
                "posted to channel {} (HTTP {})",
                channel.name,
                response.status().as_u16()
            ),
        ),
        Ok(response) => (false, format!("HTTP {}", response.status().as_u16())),
        Err(err) if err.is_timeout() => (false, "timed out".to_owned()),
        Err(_) => (false, "could not connect".to_owned()),
    }
}

/// Records the answer of a notification (after commit, in a new transaction).
pub async fn record_notification(
    tx: &TenantTx,
    alert_id: Uuid,
    delivered: bool,
    detail: &str,
) -> DomainResult<()> {
    let text = if delivered {
        format!("notified: {detail}")
    } else {
        format!("not run: notification failed ({detail}); retried next pass")
    };
    tx.update_many::<alerts::Entity>()
        .col_expr(alerts::Column::ActionDone, Expr::value(delivered))
        .col_expr(alerts::Column::ActionTaken, Expr::value(text))
        .filter(alerts::Column::Id.eq(alert_id))
        .filter(Condition::all().add(alerts::Column::Action.eq(AlertAction::Notify)))
        .exec(tx.conn())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64, messages: i64, members: i64) -> DayStats {
        DayStats {
            date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + Duration::days(n),
            messages,
            members,
            ..Default::default()
        }
    }

    fn mpm() -> RuleSpec {
        default_rules(&MonitoringDefaults::default()).remove(0)
    }

    #[test]
    fn messages_per_member_needs_the_whole_window() {
        let rule = mpm();
        let quiet = |n| day(n, 10, 10);
        let busy = |n| day(n, 50, 10);
        assert_eq!(
            judge(&rule, &[busy(0), quiet(1), quiet(2), quiet(3)]),
            Verdict::Raise(1.0)
        );
        assert_eq!(
            judge(&rule, &[quiet(0), busy(1), quiet(2), quiet(3)]),
            Verdict::Hold
        );
        assert_eq!(
            judge(&rule, &[quiet(0), busy(1), busy(2), busy(3)]),
            Verdict::WithinBounds
        );
        // Days without members never breach.
        assert_eq!(
            judge(&rule, &[day(0, 0, 0), day(1, 0, 0), day(2, 0, 0)]),
            Verdict::WithinBounds
        );
        assert_eq!(judge(&rule, &[quiet(0)]), Verdict::Hold, "too few days");
    }

    #[test]
    fn exit_rate_over_the_window() {
        let rule = default_rules(&MonitoringDefaults::default()).remove(1);
        assert_eq!(rule.metric, AlertMetric::WeeklyExitRate);
        let mut days: Vec<DayStats> = (0..15).map(|n| day(n, 100, 100)).collect();
        // 9 exits among 100 members in the last 7 days: 9% > 8%.
        for d in days.iter_mut().skip(8) {
            d.exits = if d.date.format("%d").to_string() == "09" {
                9
            } else {
                0
            };
        }
        match judge(&rule, &days) {
            Verdict::Raise(v) => assert!((v - 0.09).abs() < 1e-9, "{v}"),
            other => panic!("{other:?}"),
        }
        // The exits a day earlier: the latest window is back within bounds, but not yet for a
        // full window of days.
        days[8].exits = 0;
        days[7].exits = 9;
        assert_eq!(judge(&rule, &days), Verdict::Hold);
        days[7].exits = 0;
        assert_eq!(judge(&rule, &days), Verdict::WithinBounds);
    }

    #[test]
    fn ad_share_one_day() {
        let rule = default_rules(&MonitoringDefaults::default()).remove(2);
        let mut d = day(0, 100, 10);
        d.ad_messages = 6;
        assert_eq!(judge(&rule, std::slice::from_ref(&d)), Verdict::Raise(0.06));
        d.ad_messages = 5;
        assert_eq!(judge(&rule, &[d]), Verdict::WithinBounds);
    }
}
