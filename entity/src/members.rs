use sea_orm::entity::prelude::*;

use crate::Platform;

/// One platform identity within a tenant, possibly in several groups.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub platform: Platform,
    pub platform_user_id: String,
    pub display_name: Option<String>,
    /// Parsed from a `城市-姓名-行业` nickname when it matches.
    pub city: Option<String>,
    pub device: Option<String>,
    /// Manual tags (JSON array of strings).
    pub tags: Json,
    /// Tags computed from behaviour by the layers job (JSON array of strings).
    pub auto_tags: Json,
    pub blacklisted: bool,
    pub blacklisted_at: Option<DateTimeUtc>,
    pub first_seen_at: DateTimeUtc,
    pub last_active_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
