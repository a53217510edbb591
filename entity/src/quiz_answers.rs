use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A member's first answer to a quiz question.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quiz_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub question_id: Uuid,
    pub member_id: Uuid,
    pub answer: String,
    pub correct: bool,
    pub answered_at: DateTimeUtc,
    pub source: String,
}

impl ActiveModelBehavior for ActiveModel {}
