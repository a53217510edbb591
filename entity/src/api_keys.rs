use sea_orm::entity::prelude::*;

/// A machine credential bound to one tenant.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    #[sea_orm(unique)]
    pub key_hash: String,
    /// Comma-separated [`crate::ApiKeyScope`] names.
    pub scopes: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn scope_list(&self) -> Vec<crate::ApiKeyScope> {
        self.scopes
            .split(',')
            .filter_map(crate::ApiKeyScope::parse)
            .collect()
    }
}
