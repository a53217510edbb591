use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// The midnight job's view of a member's streak in a campaign (reads compute from check-ins).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "streaks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub current: i32,
    pub longest: i32,
    pub last_checkin_on: Option<Date>,
    /// Reached the campaign's target days.
    pub completed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
