//! The content library, the "721" mix of a group's posts, and slot suggestions (DOMAIN.md §3).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QuerySelect};
use uuid::Uuid;

use qunyun_entity::{
    ContentKind, ContentMix, EventKind, PostStatus, contents, events, scheduled_posts,
};

use crate::defaults::{Cadence, ContentDefaults, TenantDefaults};
use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::scope::TenantTx;
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub const MAX_BODY_CHARS: usize = 20_000;

fn check_body(problems: &mut Problems, body: &str) {
    if body.trim().is_empty() {
        problems.push(FieldError::input(
            "body",
            UserErrorCode::Required,
            "body is required",
        ));
    } else if body.chars().count() > MAX_BODY_CHARS {
        problems.push(FieldError::input(
            "body",
            UserErrorCode::Invalid,
            format!("body is at most {MAX_BODY_CHARS} characters"),
        ));
    }
}

pub async fn create(
    tx: &TenantTx,
    title: &str,
    body: &str,
    kind: ContentKind,
    mix: ContentMix,
) -> DomainResult<contents::Model> {
    let mut problems = Problems::new();
    let title = problems.take(Name::parse("title", title, 200));
    check_body(&mut problems, body);
    problems.finish()?;
    let title =
        title.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated title missing")))?;
    let at = now();
    Ok(tx
        .insert(contents::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            title: Set(title.into_inner()),
            body: Set(body.to_owned()),
            kind: Set(kind),
            mix: Set(mix),
            created_at: Set(at),
            updated_at: Set(at),
            archived_at: Set(None),
        })
        .await?)
}

pub struct ContentChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub kind: Option<ContentKind>,
    pub mix: Option<ContentMix>,
    pub archived: Option<bool>,
}

pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    changes: ContentChanges,
) -> DomainResult<contents::Model> {
    let current = tx.fetch::<contents::Entity>(id, "content").await?;
    let mut problems = Problems::new();
    let title = changes
        .title
        .as_deref()
        .and_then(|t| problems.take(Name::parse("title", t, 200)));
    if let Some(body) = &changes.body {
        check_body(&mut problems, body);
    }
    problems.finish()?;
    let mut model = current.into_active_model();
    if let Some(title) = title {
        model.title = Set(title.into_inner());
    }
    if let Some(body) = changes.body {
        model.body = Set(body);
    }
    if let Some(kind) = changes.kind {
        model.kind = Set(kind);
    }
    if let Some(mix) = changes.mix {
        model.mix = Set(mix);
    }
    if let Some(archived) = changes.archived {
        model.archived_at = Set(archived.then(now));
    }
    model.updated_at = Set(now());
    Ok(tx.update(model).await?)
}

pub async fn list(
    tx: &TenantTx,
    kind: Option<ContentKind>,
    include_archived: bool,
    page: PageRequest,
) -> DomainResult<Page<contents::Model>> {
    let mut select = tx.select::<contents::Entity>();
    if let Some(kind) = kind {
        select = select.filter(contents::Column::Kind.eq(kind));
    }
    if !include_archived {
        select = select.filter(contents::Column::ArchivedAt.is_null());
    }
    Ok(keyset(tx.conn(), select, contents::Column::Id, page).await?)
}

/// One mix category's actual share beside its target.
#[derive(Debug, Clone, PartialEq)]
pub struct MixShare {
    pub mix: ContentMix,
    pub posts: i64,
    pub share: f64,
    pub target_share: f64,
}

pub fn target(settings: &ContentDefaults, mix: ContentMix) -> f64 {
    match mix {
        ContentMix::Value => settings.mix_value,
        ContentMix::Interaction => settings.mix_interaction,
        ContentMix::Promotion => settings.mix_promotion,
    }
}

/// Posts per mix category of the group: sent (or being sent) within the last `days` days, and
/// every post still scheduled.
pub async fn mix_counts(
    tx: &TenantTx,
    group_id: Uuid,
    days: i64,
    at: DateTime<Utc>,
) -> DomainResult<HashMap<ContentMix, i64>> {
    let since = at - Duration::days(days);
    let posts: Vec<Uuid> = tx
        .select::<scheduled_posts::Entity>()
        .select_only()
        .column(scheduled_posts::Column::ContentId)
        .filter(scheduled_posts::Column::GroupId.eq(group_id))
        .filter(scheduled_posts::Column::Status.is_in([
            PostStatus::Scheduled,
            PostStatus::Sending,
            PostStatus::Sent,
        ]))
        .filter(scheduled_posts::Column::ScheduledAt.gte(since))
        .into_tuple()
        .all(tx.conn())
        .await?;
    let mut distinct: Vec<Uuid> = posts.clone();
    distinct.sort();
    distinct.dedup();
    let mix_of: HashMap<Uuid, ContentMix> = tx
        .select::<contents::Entity>()
        .select_only()
        .column(contents::Column::Id)
        .column(contents::Column::Mix)
        .filter(contents::Column::Id.is_in(distinct))
        .into_tuple::<(Uuid, ContentMix)>()
        .all(tx.conn())
        .await?
        .into_iter()
        .collect();
    let mut counts = HashMap::new();
    for content in posts {
        if let Some(mix) = mix_of.get(&content) {
            *counts.entry(*mix).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

pub fn shares(counts: &HashMap<ContentMix, i64>, settings: &ContentDefaults) -> Vec<MixShare> {
    let total: i64 = counts.values().sum();
    [
        ContentMix::Value,
        ContentMix::Interaction,
        ContentMix::Promotion,
    ]
    .into_iter()
    .map(|mix| {
        let posts = counts.get(&mix).copied().unwrap_or(0);
        MixShare {
            mix,
            posts,
            share: if total == 0 {
                0.0
            } else {
                posts as f64 / total as f64
            },
            target_share: target(settings, mix),
        }
    })
    .collect()
}

/// Where a suggested time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotSource {
    /// The DOMAIN.md defaults for the kind (tenant-configurable).
    Default,
    /// The group's own busiest hours (after 14 days of activity).
    GroupActivity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotSuggestion {
    pub at: DateTime<Utc>,
    pub source: SlotSource,
}

/// The default weekly slots of a kind; kinds without a cadence use the golden hour, daily.
pub fn default_slots(settings: &TenantDefaults, kind: ContentKind) -> Vec<(u8, u8, u8)> {
    let cadence: Option<&Cadence> = match kind {
        ContentKind::Tutorial => Some(&settings.content.tutorial),
        ContentKind::Offer => Some(&settings.content.offer),
        ContentKind::Topic => Some(&settings.content.topic),
        _ => None,
    };
    match cadence {
        Some(c) => c
            .slots
            .iter()
            .map(|s| (s.weekday, s.hour, s.minute))
            .collect(),
        None => (1..=7)
            .map(|d| (d, settings.campaigns.golden_hour_start, 0))
            .collect(),
    }
}

/// The next `count` occurrences after `after` of weekly slots (ISO weekday, hour, minute) in `tz`.
pub fn next_occurrences(
    slots: &[(u8, u8, u8)],
    tz: Tz,
    after: DateTime<Utc>,
    count: usize,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let local_start = after.with_timezone(&tz).date_naive();
    for day in 0..(7 * 8) {
        let date = local_start + Duration::days(day);
        let weekday = date.weekday().number_from_monday() as u8;
        let mut today: Vec<DateTime<Utc>> = slots
            .iter()
            .filter(|(d, _, _)| *d == weekday)
            .filter_map(|(_, h, m)| NaiveTime::from_hms_opt(u32::from(*h), u32::from(*m), 0))
            .filter_map(|t| tz.from_local_datetime(&date.and_time(t)).earliest())
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| *t > after)
            .collect();
        today.sort();
        out.extend(today);
        if out.len() >= count {
            out.truncate(count);
            return out;
        }
    }
    out
}

/// The next recommended times for a kind in a group, soonest first: the kind's default slots,
/// or, once the group has `ownSlotsAfterDays` (14) days of messages, its own busiest weekly
/// hours over the last four weeks (up to three, each at least half as busy as the busiest).
pub async fn suggest_slots(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    group_id: Uuid,
    kind: ContentKind,
    count: usize,
    at: DateTime<Utc>,
) -> DomainResult<Vec<SlotSuggestion>> {
    let since = at - Duration::days(28);
    let times: Vec<DateTime<Utc>> = tx
        .select::<events::Entity>()
        .select_only()
        .column(events::Column::OccurredAt)
        .filter(events::Column::GroupId.eq(group_id))
        .filter(events::Column::Kind.eq(EventKind::Message))
        .filter(events::Column::OccurredAt.gte(since))
        .filter(events::Column::OccurredAt.lte(at))
        .into_tuple()
        .all(tx.conn())
        .await?;
    let days: std::collections::HashSet<chrono::NaiveDate> = times
        .iter()
        .map(|t| t.with_timezone(&tz).date_naive())
        .collect();
    if (days.len() as i64) < settings.content.own_slots_after_days {
        let slots = default_slots(settings, kind);
        return Ok(next_occurrences(&slots, tz, at, count)
            .into_iter()
            .map(|at| SlotSuggestion {
                at,
                source: SlotSource::Default,
            })
            .collect());
    }
    let mut by_hour: HashMap<(u8, u8), i64> = HashMap::new();
    for t in &times {
        let local = t.with_timezone(&tz);
        *by_hour
            .entry((
                local.weekday().number_from_monday() as u8,
                local.hour() as u8,
            ))
            .or_insert(0) += 1;
    }
    let mut ranked: Vec<((u8, u8), i64)> = by_hour.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // The busiest weekly hours: up to three, each at least half as busy as the busiest.
    let busiest = ranked.first().map_or(0, |(_, n)| *n);
    let top: Vec<(u8, u8, u8)> = ranked
        .iter()
        .filter(|(_, n)| *n * 2 >= busiest)
        .take(3)
        .map(|((d, h), _)| (*d, *h, 0))
        .collect();
    Ok(next_occurrences(&top, tz, at, count)
        .into_iter()
        .map(|at| SlotSuggestion {
            at,
            source: SlotSource::GroupActivity,
        })
        .collect())
}

/// The weekday of an ISO number, for documentation and tests.
pub fn weekday(n: u8) -> Option<Weekday> {
    Weekday::try_from(n.checked_sub(1)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tutorial_slots_are_tuesday_and_thursday_at_eight_pm_shanghai() {
        let settings = TenantDefaults::default();
        let slots = default_slots(&settings, ContentKind::Tutorial);
        // Monday 2026-11-30 12:00 Shanghai.
        let after = chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let next = next_occurrences(&slots, chrono_tz::Asia::Shanghai, after, 3);
        let local: Vec<String> = next
            .iter()
            .map(|t| {
                t.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%a %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(local, vec!["Tue 20:00", "Thu 20:00", "Tue 20:00"]);
        assert_eq!(next[0].to_rfc3339(), "2026-12-01T12:00:00+00:00");
    }

    #[test]
    fn slots_follow_daylight_saving() {
        let settings = TenantDefaults::default();
        let slots = default_slots(&settings, ContentKind::Topic);
        let ny = chrono_tz::America::New_York;
        // Fridays 15:00 local across the November 1, 2026 change: 19:00 UTC before, 20:00 after.
        let after = ny
            .with_ymd_and_hms(2026, 10, 26, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let next = next_occurrences(&slots, ny, after, 2);
        assert_eq!(next[0].to_rfc3339(), "2026-10-30T19:00:00+00:00");
        assert_eq!(next[1].to_rfc3339(), "2026-11-06T20:00:00+00:00");
    }

    #[test]
    fn shares_of_an_empty_plan_are_zero() {
        let s = shares(&HashMap::new(), &ContentDefaults::default());
        assert_eq!(
            s.iter().map(|m| m.target_share).collect::<Vec<_>>(),
            vec![0.7, 0.2, 0.1]
        );
        assert!(s.iter().all(|m| m.share == 0.0));
    }
}
