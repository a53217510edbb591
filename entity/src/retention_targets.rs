use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A member a retention playbook picked: treated (tagged, followed up) or kept as control.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "retention_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub alert_id: Uuid,
    pub group_id: Uuid,
    pub member_id: Uuid,
    pub risk: f64,
    pub treated: bool,
    pub targeted_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
