use sea_orm::entity::prelude::*;

use crate::AttemptOutcome;

/// One attempt at delivering a post: what was sent, what came back.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Uuid,
    pub channel_id: Uuid,
    pub attempt: i32,
    /// Messages this attempt sends (rate limits count these).
    pub parts: i32,
    pub outcome: AttemptOutcome,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
