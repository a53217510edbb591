//! DataLoaders, one set per request, so that a list of N objects with a relation costs one
//! batched query for the relation, not N.
//!
//! Global loaders (tenants, users) read global tables. Tenant loaders are bound to the
//! request's tenant when first needed and filter every batch by it.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use qunyun_core::db::Db;
use qunyun_core::tenancy;
use qunyun_entity::{tenants, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::error::{Code, error};

/// Loader failures are database failures; the detail is logged, not shown.
#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<anyhow::Error>);

impl LoadError {
    fn new(err: impl Into<anyhow::Error>) -> Self {
        LoadError(Arc::new(err.into()))
    }
}

impl From<LoadError> for async_graphql::Error {
    fn from(err: LoadError) -> Self {
        tracing::error!(error = ?err.0, "loader failed");
        error(Code::Internal, super::error::INTERNAL_MESSAGE)
    }
}

pub struct TenantLoader(Db);

impl Loader<Uuid> for TenantLoader {
    type Value = tenants::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = tenancy::tenants_by_ids(&self.0, keys)
            .await
            .map_err(LoadError::new)?;
        Ok(rows.into_iter().map(|t| (t.id, t)).collect())
    }
}

pub struct UserLoader(Db);

impl Loader<Uuid> for UserLoader {
    type Value = users::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(keys.iter().copied()))
            .all(self.0.global())
            .await
            .map_err(LoadError::new)?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

pub struct Loaders {
    pub tenants: DataLoader<TenantLoader>,
    pub users: DataLoader<UserLoader>,
}

impl Loaders {
    pub fn new(db: &Db) -> Self {
        Loaders {
            tenants: DataLoader::new(TenantLoader(db.clone()), tokio::spawn),
            users: DataLoader::new(UserLoader(db.clone()), tokio::spawn),
        }
    }
}
