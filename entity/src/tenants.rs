use sea_orm::entity::prelude::*;

use crate::TenantKind;

/// A brand or an agency. Global; a BRAND may have an AGENCY `parent_id`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub kind: TenantKind,
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    pub timezone: String,
    pub parent_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
