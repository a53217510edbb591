use sea_orm::entity::prelude::*;

use crate::ModerationStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub member_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub reason: String,
    /// JSON array of the keyword terms and heuristics that matched.
    pub matched_terms: Json,
    pub excerpt: Option<String>,
    pub status: ModerationStatus,
    /// What the rule did when the case opened (e.g. `MUTE 30`), if anything.
    pub action_taken: Option<String>,
    pub opened_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<Uuid>,
    pub note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
