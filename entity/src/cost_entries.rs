use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A cost recorded against an offer, a campaign, a group or the tenant.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scope: RoiScope,
    pub offer_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub amount_minor: i64,
    pub currency: String,
    pub incurred_on: Date,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
