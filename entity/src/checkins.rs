use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// One check-in of a member in a campaign on a local day of the tenant (at most one a day).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub member_id: Uuid,
    pub group_id: Option<Uuid>,
    pub local_date: Date,
    pub occurred_at: DateTimeUtc,
    /// `message` or `mutation`.
    pub source: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
