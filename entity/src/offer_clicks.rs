use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A click on an offer's tracked link (or an ingested `link_clicked` with its code).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_clicks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub offer_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub platform_user_id: Option<String>,
    pub source: ClickSource,
    pub clicked_at: DateTimeUtc,
    /// The tenant-local day of `clicked_at`.
    pub local_day: Date,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
