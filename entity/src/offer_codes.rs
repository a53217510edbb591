use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// The global index of offer codes: `GET /r/{code}` finds its tenant here.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub tenant_id: Uuid,
    pub offer_id: Uuid,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
