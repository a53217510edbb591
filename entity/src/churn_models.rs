use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A churn model trained for a tenant (logistic regression), with its held-out AUC.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "churn_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trained_at: DateTimeUtc,
    pub examples: i32,
    pub auc: Option<f64>,
    /// The serialised model.
    pub model: Json,
}

impl ActiveModelBehavior for ActiveModel {}
