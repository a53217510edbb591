use sea_orm::entity::prelude::*;

use crate::PostStatus;

/// One post of a content item into a group through a channel at a time.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduled_posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub content_id: Uuid,
    pub channel_id: Uuid,
    pub series_id: Option<Uuid>,
    pub scheduled_at: DateTimeUtc,
    pub status: PostStatus,
    /// Written before the first attempt, the same on every retry (`Idempotency-Key`).
    pub delivery_id: Uuid,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// When the next attempt may start (scheduled time, backoff, rate limit).
    pub next_attempt_at: DateTimeUtc,
    /// A claimed (SENDING) post belongs to its worker until then; after, another may retry it.
    pub locked_until: Option<DateTimeUtc>,
    /// Messages already delivered of a post split into several.
    pub parts_sent: i32,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
