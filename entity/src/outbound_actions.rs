use sea_orm::entity::prelude::*;

use crate::{OutboundKind, OutboundStatus};

/// An action towards the chat platform (warn, mute, remove) that a connector carries out; its
/// status says whether it was done. Nothing is claimed done that was not.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbound_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub member_id: Uuid,
    pub kind: OutboundKind,
    /// Mute length.
    pub minutes: Option<i32>,
    pub reason: String,
    pub case_id: Option<Uuid>,
    pub status: OutboundStatus,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
