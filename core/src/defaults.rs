//! Every default number of the product, in one place.
//!
//! [`TenantDefaults`] holds the operator rules of thumb from DOMAIN.md; a tenant overrides any
//! of them through `tenant_settings.overrides` (a JSON object of the same shape, camelCase, only
//! the keys it changes), and [`for_tenant`] gives the merged values. [`platform`] holds numbers
//! of the service itself (token lifetimes, limits), which are not per tenant.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::now;
use crate::scope::TenantTx;
use crate::{DomainError, DomainResult};

/// Numbers of the service itself.
pub mod platform {
    use std::time::Duration;

    /// Access tokens (JWT) live 15 minutes.
    pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
    /// Refresh tokens live 30 days and rotate on every use.
    pub const REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
    /// Clock leeway when checking `exp`.
    pub const JWT_LEEWAY_SECS: u64 = 5;
    pub const JWT_ISSUER: &str = "qunyun";
    pub const JWT_AUDIENCE: &str = "qunyun-api";

    /// argon2id parameters: the OWASP minimum (19 MiB, 2 iterations, 1 lane).
    pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
    pub const ARGON2_ITERATIONS: u32 = 2;
    pub const ARGON2_PARALLELISM: u32 = 1;

    /// Sign-in attempts: per e-mail address and per client address, per minute.
    pub const SIGN_IN_PER_EMAIL_PER_MINUTE: u32 = 5;
    pub const SIGN_IN_PER_CLIENT_PER_MINUTE: u32 = 30;

    /// `lastUsedAt` of an API key is written at most this often.
    pub const API_KEY_TOUCH_INTERVAL_SECS: i64 = 60;

    /// GraphQL: page sizes, limits and body size.
    pub const PAGE_DEFAULT: usize = 20;
    pub const PAGE_MAX: usize = 100;
    pub const GRAPHQL_MAX_DEPTH: usize = 12;
    pub const GRAPHQL_MAX_COMPLEXITY: usize = 5_000;
    pub const GRAPHQL_MAX_RECURSIVE_DEPTH: usize = 32;
    pub const GRAPHQL_MAX_DIRECTIVES: usize = 20;
    pub const GRAPHQL_MAX_BATCH: usize = 10;
    pub const GRAPHQL_MAX_BODY_BYTES: usize = 1024 * 1024;
    /// Distinct GraphQL operation names tracked in metrics before the rest count as "other".
    pub const METRICS_MAX_OPERATION_NAMES: usize = 500;
}

/// A share of 1.0, e.g. 0.7 for 70%.
pub type Share = f64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TenantDefaults {
    /// IANA zone of a new tenant.
    pub timezone: String,
    pub groups: GroupDefaults,
    pub members: MemberDefaults,
    pub content: ContentDefaults,
    pub campaigns: CampaignDefaults,
    pub monitoring: MonitoringDefaults,
    pub moderation: ModerationDefaults,
    pub commerce: CommerceDefaults,
}

impl Default for TenantDefaults {
    fn default() -> Self {
        TenantDefaults {
            timezone: "Asia/Shanghai".into(),
            groups: GroupDefaults::default(),
            members: MemberDefaults::default(),
            content: ContentDefaults::default(),
            campaigns: CampaignDefaults::default(),
            monitoring: MonitoringDefaults::default(),
            moderation: ModerationDefaults::default(),
            commerce: CommerceDefaults::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GroupDefaults {
    pub member_cap: i32,
}

impl Default for GroupDefaults {
    fn default() -> Self {
        GroupDefaults { member_cap: 500 }
    }
}

/// A CORE / ACTIVE / LURKER split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pyramid {
    pub core: Share,
    pub active: Share,
    pub lurker: Share,
}

/// Per-group benchmarks at three maturity levels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Benchmark {
    pub starter: f64,
    pub mature: f64,
    pub benchmark: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemberDefaults {
    /// Target pyramid of a mature group (15 / 30 / 55).
    pub mature_pyramid: Pyramid,
    /// Pyramid of a benchmark group (20 / 30 / 50).
    pub benchmark_pyramid: Pyramid,
    /// Days of activity the layers are computed from.
    pub layer_window_days: i64,
    /// CORE members wrote at least this many messages in the window (about one a day).
    pub core_min_messages: i64,
    /// ACTIVE members wrote at least this many; the rest are LURKERs.
    pub active_min_messages: i64,
    /// An active time slot is tagged from this many messages in the window.
    pub slot_min_messages: i64,
    /// Interactions per member per day.
    pub interactions_per_member_day: Benchmark,
    /// Monthly exit rate.
    pub monthly_exit_rate: Benchmark,
    /// Local groups are about 3.2x more stable than national ones.
    pub local_stability_factor: f64,
}

impl Default for MemberDefaults {
    fn default() -> Self {
        MemberDefaults {
            mature_pyramid: Pyramid {
                core: 0.15,
                active: 0.30,
                lurker: 0.55,
            },
            benchmark_pyramid: Pyramid {
                core: 0.20,
                active: 0.30,
                lurker: 0.50,
            },
            layer_window_days: 30,
            core_min_messages: 30,
            active_min_messages: 3,
            slot_min_messages: 5,
            interactions_per_member_day: Benchmark {
                starter: 0.8,
                mature: 3.5,
                benchmark: 7.2,
            },
            monthly_exit_rate: Benchmark {
                starter: 0.28,
                mature: 0.15,
                benchmark: 0.06,
            },
            local_stability_factor: 3.2,
        }
    }
}

/// A weekly slot in the tenant's time zone: ISO weekday (1 = Monday) and local hour:minute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub weekday: u8,
    pub hour: u8,
    pub minute: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cadence {
    pub slots: Vec<Slot>,
    /// How many a week (or a month for offers) the plan recommends: `min..=max`.
    pub min_per_period: u32,
    pub max_per_period: u32,
    /// `week` or `month`.
    pub period: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContentDefaults {
    /// Target "721" mix: VALUE / INTERACTION / PROMOTION.
    pub mix_value: Share,
    pub mix_interaction: Share,
    pub mix_promotion: Share,
    /// A PROMOTION post is refused when it takes the share above target + tolerance.
    pub promotion_tolerance: Share,
    /// Window of `contentMix` when none is given.
    pub mix_window_days: i64,
    /// A group younger than this is still being nurtured (promotion warns).
    pub nurture_days: i64,
    /// Tutorials Tue/Thu 20:00, 2–3 a week.
    pub tutorial: Cadence,
    /// Limited-time offers Mon/Wed 10:00, 1–2 a month.
    pub offer: Cadence,
    /// Discussion topics Fri 15:00, weekly.
    pub topic: Cadence,
    /// Follow-up after sending: tutorial reads peak within 48 h; offer effect checked within
    /// 4 h; a controversial topic steered within 2 h.
    pub followup_tutorial_hours: i64,
    pub followup_offer_hours: i64,
    pub followup_topic_hours: i64,
    /// Days of activity before a group's own busiest hours replace the default slots.
    pub own_slots_after_days: i64,
}

impl Default for ContentDefaults {
    fn default() -> Self {
        let slot = |weekday, hour| Slot {
            weekday,
            hour,
            minute: 0,
        };
        ContentDefaults {
            mix_value: 0.70,
            mix_interaction: 0.20,
            mix_promotion: 0.10,
            promotion_tolerance: 0.05,
            mix_window_days: 30,
            nurture_days: 90,
            tutorial: Cadence {
                slots: vec![slot(2, 20), slot(4, 20)],
                min_per_period: 2,
                max_per_period: 3,
                period: "week".into(),
            },
            offer: Cadence {
                slots: vec![slot(1, 10), slot(3, 10)],
                min_per_period: 1,
                max_per_period: 2,
                period: "month".into(),
            },
            topic: Cadence {
                slots: vec![slot(5, 15)],
                min_per_period: 1,
                max_per_period: 1,
                period: "week".into(),
            },
            followup_tutorial_hours: 48,
            followup_offer_hours: 4,
            followup_topic_hours: 2,
            own_slots_after_days: 14,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CampaignDefaults {
    /// A check-in challenge lasts 21 consecutive days.
    pub checkin_target_days: i32,
    pub milestones: Vec<i32>,
    pub points_per_checkin: i64,
    pub points_per_milestone: i64,
    /// One quiz session lasts about 15 minutes.
    pub quiz_minutes: i64,
    /// Golden hour for live interaction, local time: 20:00–22:00.
    pub golden_hour_start: u8,
    pub golden_hour_end: u8,
}

impl Default for CampaignDefaults {
    fn default() -> Self {
        CampaignDefaults {
            checkin_target_days: 21,
            milestones: vec![7, 14, 21],
            points_per_checkin: 1,
            points_per_milestone: 10,
            quiz_minutes: 15,
            golden_hour_start: 20,
            golden_hour_end: 22,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MonitoringDefaults {
    /// Messages per member under 2 a day, 3 days running: schedule a discussion topic.
    pub messages_per_member_min: f64,
    pub messages_per_member_days: i64,
    /// Weekly exit rate over 8%: send a targeted survey.
    pub weekly_exit_rate_max: Share,
    /// Ad share of messages over 5% in a day: strict keyword filtering.
    pub ad_share_max: Share,
    /// Member churn over 15%: the retention playbook.
    pub churn_rate_max: Share,
    /// Churn label: left within this many days.
    pub churn_horizon_days: i64,
    /// Days the weekly exit rate and the churn rate are measured over (exits over the window
    /// against everyone who was a member in it).
    pub weekly_exit_rate_days: i64,
    pub churn_rate_days: i64,
    /// Days running the ad share must exceed its threshold.
    pub ad_share_days: i64,
    /// Weekly membership snapshots the churn model learns from.
    pub churn_snapshots: i64,
    /// The retention playbook targets up to this many members of the group, at this risk or
    /// more, holding every `playbookHoldoutEvery`-th of them out as the untreated comparison.
    pub playbook_members: i64,
    pub playbook_min_risk: Share,
    pub playbook_holdout_every: i64,
    /// NOTIFY posts alerts to this WEBHOOK channel (its global id), signed like posts.
    pub notification_channel_id: Option<String>,
}

impl Default for MonitoringDefaults {
    fn default() -> Self {
        MonitoringDefaults {
            messages_per_member_min: 2.0,
            messages_per_member_days: 3,
            weekly_exit_rate_max: 0.08,
            ad_share_max: 0.05,
            churn_rate_max: 0.15,
            churn_horizon_days: 14,
            weekly_exit_rate_days: 7,
            churn_rate_days: 30,
            ad_share_days: 1,
            churn_snapshots: 12,
            playbook_members: 10,
            playbook_min_risk: 0.5,
            playbook_holdout_every: 5,
            notification_channel_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ModerationDefaults {
    /// Human review answers a case within 15 minutes.
    pub review_minutes: i64,
    /// Malicious ads handled within 5 minutes; a mass incident answered within 30.
    pub ad_response_minutes: i64,
    pub incident_response_minutes: i64,
}

impl Default for ModerationDefaults {
    fn default() -> Self {
        ModerationDefaults {
            review_minutes: 15,
            ad_response_minutes: 5,
            incident_response_minutes: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CommerceDefaults {
    /// An order without a code goes to the member's last click within 7 days.
    pub attribution_window_days: i64,
    /// Trust first: about three months of nurture before hard selling.
    pub nurture_days: i64,
    /// The currency of a report on a scope that has no amounts yet.
    pub currency: String,
}

impl Default for CommerceDefaults {
    fn default() -> Self {
        CommerceDefaults {
            attribution_window_days: 7,
            nurture_days: 90,
            currency: "CNY".into(),
        }
    }
}

/// Defaults with a tenant's overrides applied. An override that does not fit the shape is
/// ignored key by key (and logged), never fatal.
pub fn merged(overrides: &Value) -> TenantDefaults {
    let mut base = match serde_json::to_value(TenantDefaults::default()) {
        Ok(value) => value,
        Err(_) => return TenantDefaults::default(),
    };
    merge_json(&mut base, overrides);
    serde_json::from_value(base).unwrap_or_else(|err| {
        tracing::warn!(error = %err, "tenant overrides do not fit the defaults; using defaults");
        TenantDefaults::default()
    })
}

fn merge_json(base: &mut Value, overrides: &Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                match base.get_mut(key) {
                    Some(slot) => merge_json(slot, value),
                    None => tracing::debug!(key, "unknown override key ignored"),
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// The effective defaults of the transaction's tenant.
pub async fn for_tenant(tx: &TenantTx) -> DomainResult<TenantDefaults> {
    use qunyun_entity::tenant_settings;
    let row = tx
        .select::<tenant_settings::Entity>()
        .one(tx.conn())
        .await
        .map_err(DomainError::from)?;
    Ok(match row {
        Some(row) => merged(&row.overrides),
        None => TenantDefaults::default(),
    })
}

/// Replaces the tenant's overrides (validated by merging: the result must parse).
pub async fn set_overrides(tx: &TenantTx, overrides: Value) -> DomainResult<TenantDefaults> {
    use qunyun_entity::tenant_settings;
    use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
    if !overrides.is_object() {
        return Err(DomainError::invalid(
            "overrides",
            crate::UserErrorCode::Invalid,
            "overrides must be a JSON object",
        ));
    }
    let mut base =
        serde_json::to_value(TenantDefaults::default()).map_err(DomainError::internal)?;
    merge_json(&mut base, &overrides);
    let effective: TenantDefaults = serde_json::from_value(base).map_err(|err| {
        DomainError::invalid(
            "overrides",
            crate::UserErrorCode::Invalid,
            format!("overrides do not fit: {err}"),
        )
    })?;
    let model = tenant_settings::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        overrides: Set(overrides),
        updated_at: Set(now()),
    };
    tenant_settings::Entity::insert(model)
        .on_conflict(
            OnConflict::column(tenant_settings::Column::TenantId)
                .update_columns([
                    tenant_settings::Column::Overrides,
                    tenant_settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(tx.conn())
        .await
        .map_err(DomainError::from)?;
    Ok(effective)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_domain_numbers() {
        let d = TenantDefaults::default();
        assert_eq!(d.timezone, "Asia/Shanghai");
        assert_eq!(d.groups.member_cap, 500);
        assert_eq!(
            (
                d.content.mix_value,
                d.content.mix_interaction,
                d.content.mix_promotion
            ),
            (0.7, 0.2, 0.1)
        );
        assert_eq!(d.campaigns.milestones, vec![7, 14, 21]);
        assert_eq!(d.moderation.review_minutes, 15);
        assert_eq!(d.commerce.attribution_window_days, 7);
    }

    #[test]
    fn overrides_merge_key_by_key() {
        let d = merged(&json!({"groups": {"memberCap": 200}, "content": {"nurtureDays": 30}}));
        assert_eq!(d.groups.member_cap, 200);
        assert_eq!(d.content.nurture_days, 30);
        assert_eq!(d.content.mix_value, 0.7);
    }

    #[test]
    fn bad_overrides_fall_back() {
        let d = merged(&json!({"groups": {"memberCap": "lots"}}));
        assert_eq!(d, TenantDefaults::default());
        let d = merged(&json!({"nonsense": 1}));
        assert_eq!(d, TenantDefaults::default());
    }
}
