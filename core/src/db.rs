//! Connecting to the database, migrating it, and opening transactions.
//!
//! The URL's scheme chooses the backend. Both get a pool built here with explicit options
//! (SQLite: WAL, `synchronous=FULL`, foreign keys on, a busy timeout; Postgres: an
//! `application_name`), wrapped into a sea-orm connection.
//!
//! Tenant data is reached only through [`Db::tenant_read`] / [`Db::tenant_write`], which return
//! a [`TenantTx`]: a transaction that has done `SET LOCAL app.tenant_id` on Postgres (for
//! row-level security) and whose helpers filter every statement by the tenant.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector, Statement,
    TransactionOptions, TransactionTrait,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

use qunyun_migration::{Migrator, MigratorTrait};

use crate::config::is_sqlite_url;
use crate::scope::TenantTx;

/// An arbitrary constant: the Postgres advisory lock that serialises migrations across
/// processes (several api replicas and workers may start at once).
const MIGRATION_LOCK: i64 = 0x7175_6e79_756e; // "qunyun"

#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
}

/// What the database says about the role we connect as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleSafety {
    pub superuser: bool,
    pub bypass_rls: bool,
}

impl RoleSafety {
    /// A superuser or BYPASSRLS role silently skips row-level security.
    pub fn skips_rls(self) -> bool {
        self.superuser || self.bypass_rls
    }
}

impl Db {
    /// Connects with a pool of at most `max_connections`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        let conn = if is_sqlite_url(url) {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| DbErr::Custom(format!("bad sqlite url: {e}")))?
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(15));
            // An in-memory database exists once per connection: keep exactly one.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(if in_memory { 1 } else { max_connections })
                .min_connections(if in_memory { 1 } else { 0 })
                .idle_timeout(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(1800))
                })
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?;
            SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        } else {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| DbErr::Custom(format!("bad postgres url: {e}")))?
                .application_name("qunyun");
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?;
            SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        };
        Ok(Db { conn })
    }

    pub fn from_connection(conn: DatabaseConnection) -> Db {
        Db { conn }
    }

    /// The connection for global tables (users, tenants, memberships, sessions, API keys) and for
    /// the worker's cross-tenant bookkeeping. Tenant data goes through [`Db::tenant_read`] and
    /// [`Db::tenant_write`].
    pub fn global(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DbBackend::Postgres
    }

    /// Runs pending migrations; on Postgres under an advisory lock so that concurrent starters
    /// take turns.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        if !self.is_postgres() {
            return Migrator::up(&self.conn, None).await;
        }
        let pool = self.conn.get_postgres_connection_pool();
        let mut lock = pool
            .acquire()
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *lock)
            .await
            .map_err(|e| DbErr::Custom(format!("migration lock: {e}")))?;
        let result = match Migrator::up(&self.conn, None).await {
            Ok(()) => crate::queue::Queue::setup_postgres(pool)
                .await
                .map_err(|e| DbErr::Custom(e.to_string())),
            Err(err) => Err(err),
        };
        let unlock = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *lock)
            .await;
        result?;
        unlock.map_err(|e| DbErr::Custom(format!("migration unlock: {e}")))?;
        Ok(())
    }

    /// On Postgres, whether our role would skip row-level security. `None` on SQLite.
    pub async fn role_safety(&self) -> Result<Option<RoleSafety>, DbErr> {
        if !self.is_postgres() {
            return Ok(None);
        }
        let row = self
            .conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
            ))
            .await?
            .ok_or_else(|| DbErr::Custom("current role not found in pg_roles".into()))?;
        Ok(Some(RoleSafety {
            superuser: row.try_get_by_index(0)?,
            bypass_rls: row.try_get_by_index(1)?,
        }))
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }

    /// A transaction on global tables that may write. On SQLite it takes the write lock at
    /// `BEGIN` (`BEGIN IMMEDIATE`), so two writers queue instead of deadlocking on upgrade.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_options(write_options(self.backend()))
            .await
    }

    /// A read-only transaction on global tables.
    pub async fn begin_read(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_options(read_options(self.backend()))
            .await
    }

    /// A read-only transaction scoped to one tenant.
    pub async fn tenant_read(&self, tenant_id: Uuid) -> Result<TenantTx, DbErr> {
        let tx = self.begin_read().await?;
        TenantTx::start(tx, tenant_id).await
    }

    /// A read-write transaction scoped to one tenant.
    pub async fn tenant_write(&self, tenant_id: Uuid) -> Result<TenantTx, DbErr> {
        let tx = self.begin_write().await?;
        TenantTx::start(tx, tenant_id).await
    }
}

fn write_options(backend: DbBackend) -> TransactionOptions {
    TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: (backend == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
    }
}

fn read_options(backend: DbBackend) -> TransactionOptions {
    TransactionOptions {
        isolation_level: None,
        access_mode: (backend == DbBackend::Postgres).then_some(AccessMode::ReadOnly),
        sqlite_transaction_mode: None,
    }
}
