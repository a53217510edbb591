use sea_orm::entity::prelude::*;

use crate::ApplicationStatus;

/// An application to join a reviewed group.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub platform_user_id: String,
    pub display_name: Option<String>,
    /// `[option index per question]`.
    pub answers: Json,
    /// Free text (a CV, a motivation).
    pub statement: Option<String>,
    pub score: i32,
    pub status: ApplicationStatus,
    /// True when the questionnaire decided, false when a person did.
    pub automatic: bool,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
