use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A paid order, one per `(tenant, order_ref)` however often it is delivered.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The source's `orderId`.
    pub order_ref: String,
    pub offer_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub group_id: Uuid,
    pub member_id: Option<Uuid>,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_at: DateTimeUtc,
    /// The tenant-local day of `paid_at`.
    pub local_day: Date,
    pub attribution: Attribution,
    /// The `order_paid` event that created it.
    pub event_id: Uuid,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
