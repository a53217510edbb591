//! Scheduled posts: scheduling with the mix and nurture checks, recurring series (RFC 5545
//! RRULE in the tenant's time zone), cancelling, delivery history, follow-up tasks.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use qunyun_entity::{
    ContentKind, ContentMix, GroupStatus, PostStatus, channels, contents, delivery_attempts,
    follow_ups, groups, post_series, scheduled_posts,
};

use crate::content;
use crate::defaults::TenantDefaults;
use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::scope::{TenantTx, expect_one};
use crate::validate::Problems;
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

const MAX_AHEAD_DAYS: i64 = 366;

pub struct NewPost {
    pub group_id: Uuid,
    pub content_id: Uuid,
    pub channel_id: Uuid,
    pub scheduled_at: DateTime<Utc>,
    /// RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=FR`), from `scheduled_at` in the tenant's zone.
    pub recurrence: Option<String>,
    /// Post even over the promotion limit, and without the nurture warning.
    pub force: bool,
}

pub struct Scheduled {
    pub post: scheduled_posts::Model,
    pub warnings: Vec<String>,
}

/// The rule text with its DTSTART, as the rrule crate reads it.
fn rrule_text(rule: &str, dtstart: DateTime<Utc>, tz: Tz) -> String {
    let rule = rule.trim().trim_start_matches("RRULE:");
    let local = dtstart.with_timezone(&tz).format("%Y%m%dT%H%M%S");
    format!("DTSTART;TZID={}:{local}\nRRULE:{rule}", tz.name())
}

/// The first occurrence of a rule strictly after `after`.
pub fn next_occurrence(
    rule: &str,
    dtstart: DateTime<Utc>,
    tz: Tz,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    let set: rrule::RRuleSet = rrule_text(rule, dtstart, tz)
        .parse()
        .map_err(|e: rrule::RRuleError| e.to_string())?;
    // RRULE times are whole seconds: keep the first occurrence's fraction on every one.
    let fraction = Duration::nanoseconds(i64::from(dtstart.timestamp_subsec_nanos()));
    let after = (after - fraction + Duration::seconds(1)).with_timezone(&rrule::Tz::Tz(tz));
    let found = set.after(after).all(1);
    Ok(found
        .dates
        .first()
        .map(|d| d.with_timezone(&Utc) + fraction))
}

fn check_rule(rule: &str, dtstart: DateTime<Utc>, tz: Tz) -> Result<(), String> {
    let upper = rule.to_ascii_uppercase();
    if upper.contains("FREQ=SECONDLY") || upper.contains("FREQ=MINUTELY") {
        return Err("a recurring post repeats at most hourly".into());
    }
    match next_occurrence(rule, dtstart, tz, dtstart)? {
        Some(_) => Ok(()),
        None => Err("the rule has no occurrence after the first".into()),
    }
}

pub async fn schedule(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    input: NewPost,
    at: DateTime<Utc>,
) -> DomainResult<Scheduled> {
    let mut problems = Problems::new();
    let group = tx.get::<groups::Entity>(input.group_id).await?;
    let content = tx.get::<contents::Entity>(input.content_id).await?;
    let channel = tx.get::<channels::Entity>(input.channel_id).await?;
    match &group {
        None => problems.push(FieldError::input(
            "groupId",
            UserErrorCode::NotFound,
            "no such group",
        )),
        Some(g) if g.status == GroupStatus::Archived => problems.push(FieldError::input(
            "groupId",
            UserErrorCode::Invalid,
            "the group is archived",
        )),
        _ => {}
    }
    match &content {
        None => problems.push(FieldError::input(
            "contentId",
            UserErrorCode::NotFound,
            "no such content",
        )),
        Some(c) if c.archived_at.is_some() => problems.push(FieldError::input(
            "contentId",
            UserErrorCode::Invalid,
            "the content is archived",
        )),
        _ => {}
    }
    if channel.is_none() {
        problems.push(FieldError::input(
            "channelId",
            UserErrorCode::NotFound,
            "no such channel",
        ));
    }
    if input.scheduled_at < at - Duration::minutes(1) {
        problems.push(FieldError::input(
            "scheduledAt",
            UserErrorCode::Invalid,
            "scheduledAt is in the past",
        ));
    } else if input.scheduled_at > at + Duration::days(MAX_AHEAD_DAYS) {
        problems.push(FieldError::input(
            "scheduledAt",
            UserErrorCode::Invalid,
            "scheduledAt is more than a year ahead",
        ));
    }
    if let Some(rule) = &input.recurrence
        && let Err(why) = check_rule(rule, input.scheduled_at, tz)
    {
        problems.push(FieldError::input(
            "recurrence",
            UserErrorCode::Invalid,
            format!("not a usable RRULE: {why}"),
        ));
    }
    problems.finish()?;
    let (Some(group), Some(content), Some(channel)) = (group, content, channel) else {
        return Err(DomainError::internal(anyhow::anyhow!(
            "validated post input missing"
        )));
    };

    let mut warnings = Vec::new();
    if content.mix == ContentMix::Promotion && !input.force {
        let counts =
            content::mix_counts(tx, group.id, settings.content.mix_window_days, at).await?;
        let total: i64 = counts.values().sum::<i64>() + 1;
        let promotions = counts.get(&ContentMix::Promotion).copied().unwrap_or(0) + 1;
        let share = promotions as f64 / total as f64;
        let limit = settings.content.mix_promotion + settings.content.promotion_tolerance;
        if share > limit + 1e-9 {
            return Err(DomainError::invalid(
                "contentId",
                UserErrorCode::LimitExceeded,
                format!(
                    "this PROMOTION post would take the group's promotion share to {:.0}% (limit {:.0}%: target {:.0}% plus {:.0}%); send force: true to post anyway",
                    share * 100.0,
                    limit * 100.0,
                    settings.content.mix_promotion * 100.0,
                    settings.content.promotion_tolerance * 100.0
                ),
            ));
        }
        let age = at - group.created_at;
        if age < Duration::days(settings.content.nurture_days) {
            warnings.push(format!(
                "the group is {} days old: nurture trust for {} days before hard selling",
                age.num_days(),
                settings.content.nurture_days
            ));
        }
    }

    let series_id = match &input.recurrence {
        Some(rule) => Some(
            tx.insert(post_series::ActiveModel {
                tenant_id: Set(tx.tenant_id()),
                id: Set(new_id()),
                group_id: Set(group.id),
                content_id: Set(content.id),
                channel_id: Set(channel.id),
                rrule: Set(rule.trim().trim_start_matches("RRULE:").to_owned()),
                dtstart: Set(input.scheduled_at),
                active: Set(true),
                created_at: Set(at),
            })
            .await?
            .id,
        ),
        None => None,
    };
    let post = insert_post(
        tx,
        group.id,
        content.id,
        channel.id,
        series_id,
        input.scheduled_at,
        at,
    )
    .await?;
    Ok(Scheduled { post, warnings })
}

async fn insert_post(
    tx: &TenantTx,
    group_id: Uuid,
    content_id: Uuid,
    channel_id: Uuid,
    series_id: Option<Uuid>,
    scheduled_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> DomainResult<scheduled_posts::Model> {
    Ok(tx
        .insert(scheduled_posts::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            group_id: Set(group_id),
            content_id: Set(content_id),
            channel_id: Set(channel_id),
            series_id: Set(series_id),
            scheduled_at: Set(scheduled_at),
            status: Set(PostStatus::Scheduled),
            delivery_id: Set(new_id()),
            attempts: Set(0),
            last_error: Set(None),
            next_attempt_at: Set(scheduled_at),
            locked_until: Set(None),
            parts_sent: Set(0),
            sent_at: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .await?)
}

/// After an occurrence of a series is done (sent, failed or cancelled), the next one.
pub async fn continue_series(
    tx: &TenantTx,
    tz: Tz,
    done: &scheduled_posts::Model,
    at: DateTime<Utc>,
) -> DomainResult<Option<scheduled_posts::Model>> {
    let Some(series_id) = done.series_id else {
        return Ok(None);
    };
    let Some(series) = tx.get::<post_series::Entity>(series_id).await? else {
        return Ok(None);
    };
    if !series.active {
        return Ok(None);
    }
    let after = done.scheduled_at.max(at);
    let Ok(Some(next)) = next_occurrence(&series.rrule, series.dtstart, tz, after) else {
        return Ok(None);
    };
    Ok(Some(
        insert_post(
            tx,
            series.group_id,
            series.content_id,
            series.channel_id,
            Some(series.id),
            next,
            at,
        )
        .await?,
    ))
}

/// Cancels a post that has not started sending; it will never be sent. A series goes on with
/// its next occurrence unless `whole_series`.
pub async fn cancel(
    tx: &TenantTx,
    tz: Tz,
    id: Uuid,
    whole_series: bool,
    at: DateTime<Utc>,
) -> DomainResult<(scheduled_posts::Model, Option<scheduled_posts::Model>)> {
    let post = tx.fetch::<scheduled_posts::Entity>(id, "post").await?;
    let done = tx
        .update_many::<scheduled_posts::Entity>()
        .col_expr(
            scheduled_posts::Column::Status,
            Expr::value(PostStatus::Cancelled),
        )
        .col_expr(scheduled_posts::Column::UpdatedAt, Expr::value(at))
        .filter(scheduled_posts::Column::Id.eq(id))
        .filter(scheduled_posts::Column::Status.eq(PostStatus::Scheduled))
        .exec(tx.conn())
        .await?;
    if done.rows_affected == 0 {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            format!(
                "the post is {} and can no longer be cancelled",
                post.status.as_str()
            ),
        ));
    }
    let cancelled = tx.fetch::<scheduled_posts::Entity>(id, "post").await?;
    if let (true, Some(series_id)) = (whole_series, post.series_id) {
        let stopped = tx
            .update_many::<post_series::Entity>()
            .col_expr(post_series::Column::Active, Expr::value(false))
            .filter(post_series::Column::Id.eq(series_id))
            .exec(tx.conn())
            .await?;
        expect_one(stopped.rows_affected, "series")?;
        return Ok((cancelled, None));
    }
    let next = continue_series(tx, tz, &cancelled, at).await?;
    Ok((cancelled, next))
}

pub async fn list(
    tx: &TenantTx,
    status: Option<PostStatus>,
    group_id: Option<Uuid>,
    page: PageRequest,
) -> DomainResult<Page<scheduled_posts::Model>> {
    let mut select = tx.select::<scheduled_posts::Entity>();
    if let Some(status) = status {
        select = select.filter(scheduled_posts::Column::Status.eq(status));
    }
    if let Some(group_id) = group_id {
        select = select.filter(scheduled_posts::Column::GroupId.eq(group_id));
    }
    Ok(keyset(tx.conn(), select, scheduled_posts::Column::Id, page).await?)
}

pub async fn attempts(
    tx: &TenantTx,
    post_ids: &[Uuid],
) -> DomainResult<Vec<delivery_attempts::Model>> {
    Ok(tx
        .select::<delivery_attempts::Entity>()
        .filter(delivery_attempts::Column::PostId.is_in(post_ids.iter().copied()))
        .order_by_asc(delivery_attempts::Column::Id)
        .all(tx.conn())
        .await?)
}

/// The follow-up a sent post of this kind needs, if any: (hours, task).
pub fn follow_up_of(settings: &TenantDefaults, kind: ContentKind) -> Option<(i64, &'static str)> {
    match kind {
        ContentKind::Tutorial => Some((
            settings.content.followup_tutorial_hours,
            "Check the tutorial's reads (they peak within 48 h)",
        )),
        ContentKind::Offer => Some((
            settings.content.followup_offer_hours,
            "Check the offer's effect",
        )),
        ContentKind::Topic => Some((
            settings.content.followup_topic_hours,
            "Steer the discussion",
        )),
        _ => None,
    }
}

pub async fn create_follow_up(
    tx: &TenantTx,
    group_id: Uuid,
    post_id: Option<Uuid>,
    member_id: Option<Uuid>,
    title: String,
    due_at: DateTime<Utc>,
) -> DomainResult<follow_ups::Model> {
    Ok(tx
        .insert(follow_ups::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            post_id: Set(post_id),
            group_id: Set(group_id),
            member_id: Set(member_id),
            title: Set(title),
            due_at: Set(due_at),
            done_at: Set(None),
            done_by: Set(None),
            created_at: Set(now()),
        })
        .await?)
}

/// Open (or done) follow-ups, earliest due first within the page order.
pub async fn follow_ups(
    tx: &TenantTx,
    done: Option<bool>,
    page: PageRequest,
) -> DomainResult<Page<follow_ups::Model>> {
    let mut select = tx.select::<follow_ups::Entity>();
    match done {
        Some(true) => select = select.filter(follow_ups::Column::DoneAt.is_not_null()),
        Some(false) => select = select.filter(follow_ups::Column::DoneAt.is_null()),
        None => {}
    }
    Ok(keyset(tx.conn(), select, follow_ups::Column::Id, page).await?)
}

pub async fn complete_follow_up(
    tx: &TenantTx,
    id: Uuid,
    by: Option<Uuid>,
) -> DomainResult<follow_ups::Model> {
    let task = tx.fetch::<follow_ups::Entity>(id, "follow-up").await?;
    if task.done_at.is_some() {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            "the follow-up is already done",
        ));
    }
    let mut model = task.into_active_model();
    model.done_at = Set(Some(now()));
    model.done_by = Set(by);
    Ok(tx.update(model).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn weekly_topic_in_shanghai() {
        let tz = chrono_tz::Asia::Shanghai;
        let start = tz
            .with_ymd_and_hms(2026, 12, 4, 15, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let next = next_occurrence("FREQ=WEEKLY;BYDAY=FR", start, tz, start)
            .unwrap()
            .unwrap();
        assert_eq!(
            next.with_timezone(&tz).to_rfc3339(),
            "2026-12-11T15:00:00+08:00"
        );
        assert!(check_rule("FREQ=MINUTELY", start, tz).is_err());
        assert!(check_rule("FREQ=WEEKLY;COUNT=1", start, tz).is_err());
        assert!(check_rule("NONSENSE", start, tz).is_err());
    }

    #[test]
    fn occurrences_keep_the_first_ones_fraction_of_a_second() {
        let tz = chrono_tz::Asia::Shanghai;
        let start = tz
            .with_ymd_and_hms(2026, 12, 4, 15, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
            + Duration::milliseconds(657);
        let next = next_occurrence("FREQ=WEEKLY", start, tz, start)
            .unwrap()
            .unwrap();
        assert_eq!(next - start, Duration::days(7));
    }

    #[test]
    fn recurrences_keep_local_time_across_daylight_saving() {
        let tz = chrono_tz::America::New_York;
        let start = tz
            .with_ymd_and_hms(2026, 10, 30, 15, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let next = next_occurrence("RRULE:FREQ=WEEKLY", start, tz, start)
            .unwrap()
            .unwrap();
        assert_eq!(
            next.with_timezone(&tz).to_rfc3339(),
            "2026-11-06T15:00:00-05:00"
        );
    }
}
