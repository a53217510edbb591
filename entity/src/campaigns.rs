use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// An interactive campaign in one or more groups.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Check-in challenges: consecutive days to finish.
    pub target_days: Option<i32>,
    /// A message whose normalised text equals this is a check-in (check-ins) or starts an entry (relays).
    pub keyword: Option<String>,
    /// Streak lengths that award points and a badge (JSON array of days).
    pub milestones: Json,
    pub points_per_checkin: i64,
    pub points_per_milestone: i64,
    /// A quiz's answer window after it starts.
    pub quiz_minutes: i64,
    /// Registration screening (debates): JSON questions with scored options, or null for manual picks.
    pub screening: Option<Json>,
    pub pass_score: Option<i32>,
    pub reject_score: Option<i32>,
    pub cost_minor: i64,
    pub currency: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
