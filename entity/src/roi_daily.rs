use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// Revenue, cost, orders and clicks per day per offer, campaign, group and tenant (`scope_id` is the tenant id for the tenant scope).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roi_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: RoiScope,
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    /// Net of refunds.
    pub revenue_minor: i64,
    pub refunded_minor: i64,
    pub orders: i64,
    pub refunds: i64,
    pub clicks: i64,
    pub cost_minor: i64,
}

impl ActiveModelBehavior for ActiveModel {}
