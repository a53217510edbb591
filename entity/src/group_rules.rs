use sea_orm::entity::prelude::*;

use crate::{RuleAction, RuleKind, RuleLevel};

/// A group rule as data: what it watches (`kind` + `params`) and what it does (`action` +
/// `action_params`). Evaluated on every incoming event of the group.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub level: RuleLevel,
    pub kind: RuleKind,
    pub params: Json,
    pub action: RuleAction,
    pub action_params: Json,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
