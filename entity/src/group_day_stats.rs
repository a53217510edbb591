use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A group's statistics for one local day (rolled up from events).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "group_day_stats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub messages: i64,
    pub active_members: i64,
    pub joins: i64,
    pub exits: i64,
    pub ad_messages: i64,
    pub complaints: i64,
    pub reads: i64,
    pub saves: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
