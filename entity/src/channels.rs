use sea_orm::entity::prelude::*;

use crate::ChannelKind;

/// Where posts go. `secret` (HMAC key or bot token) is stored, never returned.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: ChannelKind,
    /// The webhook URL, the robot webhook URL, or the bot API base URL.
    pub url: String,
    pub secret: Option<String>,
    /// Telegram chat id.
    pub chat_id: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
