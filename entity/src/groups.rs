use sea_orm::entity::prelude::*;

use crate::{AdmissionPolicy, GroupKind, GroupStatus, Platform};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub platform: Platform,
    /// The chat platform's id of the group (WeCom ChatId …), unique per tenant and platform.
    pub external_id: Option<String>,
    pub kind: GroupKind,
    pub admission: AdmissionPolicy,
    pub positioning: Option<String>,
    pub member_cap: i32,
    pub status: GroupStatus,
    /// Ad heuristics open cases (set by the ad-share alert until it resolves).
    pub strict_filter: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
