//! Building blocks shared by the migrations, so that every tenant-owned table follows the same
//! rules: `tenant_id` first in the primary key, foreign keys that carry `tenant_id`, and (on
//! Postgres) row-level security enabled, forced and bound to `app.tenant_id`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// `CREATE TABLE name (tenant_id uuid NOT NULL REFERENCES tenants, id uuid NOT NULL, …,
/// PRIMARY KEY (tenant_id, id))`. Add columns with `.col(...)`.
pub fn tenant_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(ColumnDef::new("tenant_id").uuid().not_null())
        .col(ColumnDef::new("id").uuid().not_null())
        .primary_key(Index::create().col("tenant_id").col("id"))
        .foreign_key(&mut tenant_ref(name))
        .to_owned()
}

/// `CREATE TABLE name (tenant_id uuid NOT NULL, …, PRIMARY KEY (key…))` for tenant tables keyed
/// by something other than `id` (aggregates, per-tenant state). Add the columns of the key
/// (other than `tenant_id`) with `.col(...)`.
pub fn keyed_table(name: &'static str, key: &[&'static str]) -> TableCreateStatement {
    let mut pk = Index::create();
    for col in key {
        pk.col(*col);
    }
    Table::create()
        .table(name)
        .col(uuid_col("tenant_id"))
        .primary_key(&mut pk)
        .to_owned()
}

/// `(tenant_id) -> tenants(id) ON DELETE CASCADE`.
pub fn tenant_ref(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(table)
        .from_col("tenant_id")
        .to_tbl("tenants")
        .to_col("id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A foreign key `(tenant_id, column) -> target(tenant_id, id)`: a row can only point at a row of
/// its own tenant, enforced by the database.
pub fn tenant_fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(table)
        .from_col("tenant_id")
        .from_col(column)
        .to_tbl(target)
        .to_col("tenant_id")
        .to_col("id")
        .on_delete(on_delete)
        .to_owned()
}

/// A uuid column.
pub fn uuid_col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

pub fn uuid_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().null().to_owned()
}

/// A UTC timestamp (`timestamptz` on Postgres, RFC 3339 text on SQLite).
pub fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

pub fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

pub fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

pub fn bigint(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

pub fn boolean(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}

pub fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().not_null().to_owned()
}

pub fn date_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().null().to_owned()
}

pub fn bigint_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}

pub fn json_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json_binary().null().to_owned()
}

pub fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}

pub fn json(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json_binary().not_null().to_owned()
}

pub fn index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

pub fn unique_index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut index = index(table, name, cols);
    index.unique();
    index
}

/// Creates every table, then its indexes, then enables row-level security on it.
pub async fn create_tenant_tables(
    manager: &SchemaManager<'_>,
    tables: Vec<(
        &'static str,
        TableCreateStatement,
        Vec<IndexCreateStatement>,
    )>,
) -> Result<(), DbErr> {
    for (name, table, indexes) in tables {
        manager.create_table(table).await?;
        for index in indexes {
            manager.create_index(index).await?;
        }
        enable_rls(manager, name).await?;
    }
    Ok(())
}

/// The expression that reads the tenant a transaction acts for; NULL when none is set.
const CURRENT_TENANT: &str = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

/// On Postgres: enable and force row-level security on a tenant-owned table, with one policy
/// that lets a transaction see and write only the rows of the tenant in `app.tenant_id`. A
/// transaction with no tenant set sees nothing. No-op on SQLite, where the code's scoping is the
/// only wall.
pub async fn enable_rls(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    rls_with_policy(manager, table, &format!("tenant_id = {CURRENT_TENANT}")).await
}

/// Row-level security for the global tables that carry a `tenant_id` (memberships, API keys):
/// outside a tenant transaction (sign-in, key lookup) every row is visible; inside one, only the
/// rows of that tenant.
pub async fn enable_rls_global(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    rls_with_policy(
        manager,
        table,
        &format!("{CURRENT_TENANT} IS NULL OR tenant_id = {CURRENT_TENANT}"),
    )
    .await
}

async fn rls_with_policy(
    manager: &SchemaManager<'_>,
    table: &str,
    condition: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "ALTER TABLE \"{table}\" ENABLE ROW LEVEL SECURITY;
         ALTER TABLE \"{table}\" FORCE ROW LEVEL SECURITY;
         CREATE POLICY tenant_isolation ON \"{table}\" USING ({condition}) WITH CHECK ({condition});"
    ))
    .await?;
    Ok(())
}
