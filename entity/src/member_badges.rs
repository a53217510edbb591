use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A badge a member holds (at most once).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_badges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub badge_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub awarded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
