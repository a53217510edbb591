use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A quiz question with its answer key.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quiz_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub position: i32,
    pub text: String,
    /// Compared with answers after normalisation.
    pub answer: String,
}

impl ActiveModelBehavior for ActiveModel {}
