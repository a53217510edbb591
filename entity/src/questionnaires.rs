use sea_orm::entity::prelude::*;

/// A group's entry questionnaire: questions with scored options and the two thresholds.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questionnaires")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    /// At or above: approved at once.
    pub pass_score: i32,
    /// Below: rejected at once. In between: manual review.
    pub reject_score: i32,
    /// `[{"text": …, "options": [{"label": …, "score": n}]}]`.
    pub questions: Json,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
