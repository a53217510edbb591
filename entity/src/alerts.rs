use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A raised alert. `open_key` is `rule:group` while not resolved: one open alert per rule and group.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    pub group_id: Uuid,
    pub metric: AlertMetric,
    pub value: f64,
    pub threshold: f64,
    pub status: AlertStatus,
    pub open_key: Option<String>,
    pub triggered_at: DateTimeUtc,
    /// The rule's action when the alert was raised.
    pub action: AlertAction,
    /// What the action did, or why it could not run.
    pub action_taken: Option<String>,
    /// The action ran; a failed one is retried on later passes while the alert is open.
    pub action_done: bool,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    /// `auto` when the metric came back, or the resolving user.
    pub resolved_by: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
