//! The scheduled jobs' work, one function per job and tenant, called by the worker (on its
//! schedule, or `qunyun-worker run-once JOB`) inside a tenant-scoped transaction.

pub mod layers;
pub mod streaks;

use sea_orm::{EntityTrait, QueryOrder};
use uuid::Uuid;

use qunyun_entity::tenants;

use crate::DomainResult;
use crate::db::Db;

/// Every tenant, for jobs that run "for every tenant".
pub async fn all_tenants(db: &Db) -> DomainResult<Vec<tenants::Model>> {
    Ok(tenants::Entity::find()
        .order_by_asc(tenants::Column::Id)
        .all(db.global())
        .await?)
}

/// What one pass of a job did, for logs and for `run-once`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub tenants: usize,
    pub rows: u64,
}

impl Report {
    pub fn add(&mut self, _tenant: Uuid, rows: u64) {
        self.tenants += 1;
        self.rows += rows;
    }
}
