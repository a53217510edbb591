use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A group's messages and active members per local hour of a day (for heatmaps).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "group_hour_stats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hour: i32,
    pub messages: i64,
    pub active_members: i64,
}

impl ActiveModelBehavior for ActiveModel {}
