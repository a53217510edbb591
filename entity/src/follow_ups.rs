use sea_orm::entity::prelude::*;

/// An operator task: check a sent post's effect by `due_at`, or look after a member.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Option<Uuid>,
    pub group_id: Uuid,
    pub member_id: Option<Uuid>,
    pub title: String,
    pub due_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
