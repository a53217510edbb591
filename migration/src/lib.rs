//! Schema migrations. Every tenant-owned table is made with [`helpers::tenant_table`] and
//! finished with [`helpers::enable_rls`]; see the README's "Data rules".

pub use sea_orm_migration::prelude::*;

pub mod helpers;
mod m20261201_000001_foundation;
mod m20261201_000002_community;
mod m20261201_000003_content;
mod m20261201_000004_campaigns;
mod m20261201_000005_monitoring;
mod m20261201_000006_commerce;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_foundation::Migration),
            Box::new(m20261201_000002_community::Migration),
            Box::new(m20261201_000003_content::Migration),
            Box::new(m20261201_000004_campaigns::Migration),
            Box::new(m20261201_000005_monitoring::Migration),
            Box::new(m20261201_000006_commerce::Migration),
        ]
    }
}
