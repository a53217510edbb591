//! The sea-orm entities of Qunyun. One module a table; enums stored as text live in
//! [`enums`]. Hand-written behaviour lives in `qunyun-core`, never here.
//!
//! Tables come in two sorts (see the README's architecture section):
//! - **global**: `users`, `tenants`, `memberships`, `refresh_tokens`, `api_keys`, `offer_codes`;
//! - **tenant-owned**: every other table. Its primary key starts with `tenant_id`, every
//!   foreign key to another tenant-owned table includes `tenant_id`, and its entity implements
//!   [`TenantScoped`] so that `qunyun_core::scope` can filter every query by tenant.

pub mod enums;

pub mod alert_rules;
pub mod alerts;
pub mod api_keys;
pub mod applications;
pub mod badges;
pub mod campaign_groups;
pub mod campaigns;
pub mod channels;
pub mod checkins;
pub mod churn_models;
pub mod churn_scores;
pub mod contents;
pub mod cost_entries;
pub mod delivery_attempts;
pub mod events;
pub mod follow_ups;
pub mod group_day_stats;
pub mod group_hour_stats;
pub mod group_members;
pub mod group_rules;
pub mod groups;
pub mod job_runs;
pub mod keyword_list_versions;
pub mod keyword_lists;
pub mod member_badges;
pub mod members;
pub mod memberships;
pub mod moderation_cases;
pub mod offer_clicks;
pub mod offer_codes;
pub mod offers;
pub mod order_refunds;
pub mod orders;
pub mod outbound_actions;
pub mod participants;
pub mod points_ledger;
pub mod post_series;
pub mod questionnaires;
pub mod quiz_answers;
pub mod quiz_questions;
pub mod refresh_tokens;
pub mod relay_entries;
pub mod retention_targets;
pub mod roi_daily;
pub mod roi_state;
pub mod rollup_state;
pub mod scheduled_posts;
pub mod streaks;
pub mod tenant_settings;
pub mod tenants;
pub mod users;
pub mod wecom_connectors;

pub use enums::*;

use sea_orm::EntityTrait;

/// An entity whose rows belong to one tenant. `tenant_column` names the column that holds it.
pub trait TenantScoped: EntityTrait {
    fn tenant_column() -> Self::Column;
}

/// A tenant's entity whose rows are keyed `(tenant_id, id)`.
pub trait TenantOwned: TenantScoped {
    fn id_column() -> Self::Column;
}

/// Implements [`TenantScoped`] for entities whose tenant column is `tenant_id`.
macro_rules! tenant_scoped {
    ($($module:ident),+ $(,)?) => {
        $(
            impl TenantScoped for $module::Entity {
                fn tenant_column() -> Self::Column {
                    $module::Column::TenantId
                }
            }
        )+
    };
}

/// Implements [`TenantScoped`] and [`TenantOwned`] for entities keyed `(tenant_id, id)`.
macro_rules! tenant_owned {
    ($($module:ident),+ $(,)?) => {
        $(
            tenant_scoped!($module);
            impl TenantOwned for $module::Entity {
                fn id_column() -> Self::Column {
                    $module::Column::Id
                }
            }
        )+
    };
}

tenant_scoped!(
    tenant_settings,
    memberships,
    group_members,
    campaign_groups,
    streaks,
    member_badges,
    job_runs,
    group_day_stats,
    group_hour_stats,
    churn_scores,
    rollup_state,
    order_refunds,
    roi_daily,
    roi_state,
    offer_codes,
);
tenant_owned!(
    groups,
    members,
    events,
    keyword_lists,
    keyword_list_versions,
    group_rules,
    questionnaires,
    applications,
    moderation_cases,
    outbound_actions,
    points_ledger,
    wecom_connectors,
    channels,
    contents,
    post_series,
    scheduled_posts,
    delivery_attempts,
    follow_ups,
    campaigns,
    checkins,
    participants,
    quiz_questions,
    quiz_answers,
    relay_entries,
    badges,
    alert_rules,
    alerts,
    churn_models,
    retention_targets,
    offers,
    offer_clicks,
    orders,
    cost_entries,
);
// API keys are a global table (looked up by hash before any tenant is known), but their rows
// belong to a tenant, and tenant-side management goes through the scoping helpers.
tenant_owned!(api_keys);
