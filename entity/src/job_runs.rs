use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// The last local day a per-tenant daily job ran for (the midnight streak job).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub job: String,
    pub last_local_date: Date,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
