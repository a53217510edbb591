use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A membership's latest churn-risk score (leaving this group within the horizon) and what
/// drives it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "churn_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub risk: f64,
    /// `[{"feature": …, "contribution": …}]`.
    pub top_features: Json,
    /// The model used, or null for the heuristic.
    pub model_id: Option<Uuid>,
    pub scored_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
