use sea_orm::entity::prelude::*;

use crate::MemberLayer;

/// A member's membership of a group: when they joined and left, who invited them, their layer.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub joined_at: DateTimeUtc,
    pub left_at: Option<DateTimeUtc>,
    /// True when the member was removed rather than left.
    pub removed: bool,
    pub invited_by: Option<Uuid>,
    pub layer: MemberLayer,
    pub muted_until: Option<DateTimeUtc>,
    /// The join came when the group was at its member cap.
    pub over_capacity: bool,
}

impl ActiveModelBehavior for ActiveModel {}
