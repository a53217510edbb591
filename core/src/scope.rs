//! The one mechanism through which tenant data is read and written.
//!
//! A [`TenantTx`] is a database transaction bound to one tenant id, which comes only from an
//! authenticated context (a user's role in the tenant, an API key, or a worker job's payload).
//! On Postgres it starts with `set_config('app.tenant_id', …, true)` (`SET LOCAL`), so row-level
//! security is a second wall; on SQLite its helpers are the only wall, so every statement on a
//! tenant-owned table is built through them:
//!
//! - [`TenantTx::select`] — `SELECT … WHERE tenant_id = $tenant`;
//! - [`TenantTx::get`] — one row by id within the tenant (another tenant's id is "not found");
//! - [`TenantTx::insert`] — sets `tenant_id` before inserting;
//! - [`TenantTx::update_many`] / [`TenantTx::delete_many`] — filtered by tenant; callers check
//!   rows affected (see [`expect_one`]);
//! - [`TenantTx::update`] — by primary key `(tenant_id, id)` with the tenant forced.
//!
//! Raw SQL (set-based worker jobs) binds `tenant_id` explicitly as its first parameter.

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, DeleteMany, IntoActiveModel, PaginatorTrait, QueryFilter, Select, Statement,
    UpdateMany,
};
use uuid::Uuid;

pub use qunyun_entity::{TenantOwned, TenantScoped};

use crate::error::DomainError;

pub struct TenantTx {
    tx: DatabaseTransaction,
    tenant_id: Uuid,
}

impl TenantTx {
    pub(crate) async fn start(tx: DatabaseTransaction, tenant_id: Uuid) -> Result<Self, DbErr> {
        if tx.get_database_backend() == DbBackend::Postgres {
            tx.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT set_config('app.tenant_id', $1, true)",
                [tenant_id.to_string().into()],
            ))
            .await?;
        }
        Ok(TenantTx { tx, tenant_id })
    }

    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }

    /// The transaction, to execute statements built by the helpers below (or raw SQL that binds
    /// the tenant itself).
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }

    pub fn backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.tx.rollback().await
    }

    /// Commits when `result` is `Ok`, rolls back otherwise; gives `result` back.
    pub async fn finish<T>(self, result: Result<T, DomainError>) -> Result<T, DomainError> {
        match result {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(err) => {
                self.rollback().await?;
                Err(err)
            }
        }
    }

    /// `SELECT … FROM e WHERE tenant_id = $tenant`.
    pub fn select<E: TenantScoped>(&self) -> Select<E> {
        E::find().filter(E::tenant_column().eq(self.tenant_id))
    }

    /// One row of this tenant by id.
    pub async fn get<E: TenantOwned>(&self, id: Uuid) -> Result<Option<E::Model>, DbErr> {
        self.select::<E>()
            .filter(E::id_column().eq(id))
            .one(&self.tx)
            .await
    }

    /// Like [`TenantTx::get`], but a missing row is [`DomainError::NotFound`].
    pub async fn fetch<E: TenantOwned>(
        &self,
        id: Uuid,
        what: &'static str,
    ) -> Result<E::Model, DomainError> {
        self.get::<E>(id).await?.ok_or(DomainError::NotFound(what))
    }

    /// Counts rows of this tenant matching `select`.
    pub async fn count<E: TenantScoped>(&self, select: Select<E>) -> Result<u64, DbErr>
    where
        E::Model: Sync,
    {
        select.count(&self.tx).await
    }

    /// Inserts a row, with `tenant_id` set to this tenant whatever the model said.
    pub async fn insert<A, E>(&self, mut model: A) -> Result<E::Model, DbErr>
    where
        E: TenantScoped,
        A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<A>,
    {
        model.set(E::tenant_column(), self.tenant_id.into());
        model.insert(&self.tx).await
    }

    /// A multi-row insert with `tenant_id` set to this tenant on every row; add an `on_conflict`
    /// and execute it on [`TenantTx::conn`].
    pub fn insert_many<A, E>(&self, models: Vec<A>) -> sea_orm::InsertMany<A>
    where
        E: TenantScoped,
        A: ActiveModelTrait<Entity = E>,
    {
        let tenant = self.tenant_id;
        E::insert_many(models.into_iter().map(|mut model| {
            model.set(E::tenant_column(), tenant.into());
            model
        }))
    }

    /// Updates one row by its primary key, which includes the tenant (forced to this one).
    pub async fn update<A, E>(&self, mut model: A) -> Result<E::Model, DbErr>
    where
        E: TenantScoped,
        A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<A>,
    {
        model.set(E::tenant_column(), self.tenant_id.into());
        model.update(&self.tx).await
    }

    /// `UPDATE e SET … WHERE tenant_id = $tenant [AND …]`.
    pub fn update_many<E: TenantScoped>(&self) -> UpdateMany<E> {
        E::update_many().filter(E::tenant_column().eq(self.tenant_id))
    }

    /// `DELETE FROM e WHERE tenant_id = $tenant [AND …]`.
    pub fn delete_many<E: TenantScoped>(&self) -> DeleteMany<E> {
        E::delete_many().filter(E::tenant_column().eq(self.tenant_id))
    }
}

/// Rows-affected check for an update or delete that targets one row: zero rows means the row is
/// not there (or is another tenant's).
pub fn expect_one(rows_affected: u64, what: &'static str) -> Result<(), DomainError> {
    match rows_affected {
        1 => Ok(()),
        0 => Err(DomainError::NotFound(what)),
        n => Err(DomainError::internal(anyhow::anyhow!(
            "expected one {what} row to change, {n} did"
        ))),
    }
}
