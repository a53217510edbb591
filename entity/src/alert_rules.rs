use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// An alert rule: a metric compared with a threshold over a window of closed days, and what to do.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// A rule of one group, or of every group when null.
    pub group_id: Option<Uuid>,
    pub metric: AlertMetric,
    pub comparison: Comparison,
    pub threshold: f64,
    pub window_days: i32,
    pub action: AlertAction,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
