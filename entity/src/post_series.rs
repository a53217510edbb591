use sea_orm::entity::prelude::*;

/// A recurring post: an RFC 5545 RRULE from `dtstart` in the tenant's time zone. The next
/// occurrence is always materialised as one SCHEDULED post.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_series")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub content_id: Uuid,
    pub channel_id: Uuid,
    pub rrule: String,
    pub dtstart: DateTimeUtc,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
