use sea_orm::entity::prelude::*;

use crate::EventKind;

/// An ingested event, append-only.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The source's event id; `(tenant_id, source_id)` is ingested at most once.
    pub source_id: String,
    pub kind: EventKind,
    pub group_id: Uuid,
    pub member_id: Option<Uuid>,
    pub occurred_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub text: Option<String>,
    /// The tenant-local day and hour of `occurred_at` (in the tenant's zone at ingest time).
    pub local_day: Option<Date>,
    pub local_hour: Option<i32>,
    /// The post a read or save refers to, when `postId` names one of this tenant's posts.
    pub post_id: Option<Uuid>,
    /// Type-specific fields (inviter, removed, post id, offer code, order …).
    pub data: Json,
    /// A keyword list, an ad heuristic or a rule matched.
    pub flagged: bool,
}

impl ActiveModelBehavior for ActiveModel {}
