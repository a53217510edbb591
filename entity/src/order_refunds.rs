use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A refund of an order (it may arrive before the order): subtracted from its revenue.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_ref: String,
    pub amount_minor: i64,
    pub currency: String,
    pub refunded_at: DateTimeUtc,
    pub event_id: Uuid,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
