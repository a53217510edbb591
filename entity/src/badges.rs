use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// An honour badge and what earns it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "badges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// `{"kind": "STREAK", "days": 7, "campaignId": …}` | `{"kind": "POINTS", "atLeast": 100}` | `{"kind": "CHECKINS", "count": 30}`.
    pub criteria: Json,
    pub campaign_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
