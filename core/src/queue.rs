//! The job queue: apalis storages on the data database (Postgres) or on a SQLite file of its own
//! (apalis-sqlite sets pragmas on the pool it gets). The API pushes (a post to deliver), the
//! worker consumes; every job names its tenant.
//!
//! Jobs carry only ids. The rows they concern (a scheduled post and its attempts) are the truth:
//! a job that finds its row already handled does nothing, so a job pushed twice, or run by two
//! workers, has one effect.

use std::str::FromStr;
use std::time::Duration;

use apalis::prelude::TaskBuilder;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

use crate::config::Config;
use crate::db::Db;

/// Posts to deliver.
pub const DELIVER: &str = "qunyun.deliver";
/// Passes of the scheduled jobs ("for every tenant").
pub const SWEEP: &str = "qunyun.sweep";

/// Deliver one scheduled post (its next attempt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverPost {
    pub tenant_id: Uuid,
    pub post_id: Uuid,
}

/// Run one pass of a scheduled job; `tick` is the schedule's time (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    pub job: String,
    pub tick: i64,
}

#[derive(Clone, Debug)]
pub enum Queue {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue: {0}")]
    Storage(String),
    #[error("queue: cannot encode the job: {0}")]
    Encode(#[from] serde_json::Error),
}

impl Queue {
    /// The queue of this configuration. On Postgres it shares the data pool and its tables are
    /// made by [`Db::migrate`]; on SQLite it opens (and sets up) its own file.
    pub async fn open(config: &Config, db: &Db) -> Result<Queue, QueueError> {
        if db.is_postgres() {
            return Ok(Queue::Postgres(
                db.global().get_postgres_connection_pool().clone(),
            ));
        }
        use secrecy::ExposeSecret;
        let url = config.queue_url.expose_secret();
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| QueueError::Storage(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(15));
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 4 })
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
            .connect_with(options)
            .await
            .map_err(|e| QueueError::Storage(e.to_string()))?;
        apalis_sqlite::SqliteStorage::setup(&pool)
            .await
            .map_err(|e| QueueError::Storage(e.to_string()))?;
        Ok(Queue::Sqlite(pool))
    }

    /// Creates the apalis tables of a Postgres database (part of migrating it).
    pub async fn setup_postgres(pool: &sqlx::PgPool) -> Result<(), QueueError> {
        apalis_postgres::PostgresStorage::setup(pool)
            .await
            .map_err(|e| QueueError::Storage(e.to_string()))
    }

    /// Queues `args` to run at `run_at` (rounded up to the second, so never early). With an
    /// idempotency key, a job of that key already queued makes this a no-op (`Ok(false)`).
    pub async fn push<T: Serialize>(
        &self,
        queue: &str,
        args: &T,
        run_at: DateTime<Utc>,
        idempotency_key: Option<&str>,
    ) -> Result<bool, QueueError> {
        let bytes = serde_json::to_vec(args)?;
        let secs = run_at.timestamp() + i64::from(run_at.timestamp_subsec_nanos() > 0);
        let mut builder = TaskBuilder::new(bytes)
            .task_id(apalis::prelude::TaskId::from_ulid(ulid::Ulid::generate()))
            .run_at_timestamp(secs.max(0) as u64)
            .max_attempts(3);
        if let Some(key) = idempotency_key {
            builder = builder.idempotency_key(key);
        }
        let task = builder.build();
        match self {
            Queue::Postgres(pool) => {
                let mut conn = pool
                    .acquire()
                    .await
                    .map_err(|e| QueueError::Storage(e.to_string()))?;
                match apalis_postgres::queries::push_tasks(&mut *conn, queue, vec![task]).await {
                    Ok(()) => Ok(true),
                    Err(err)
                        if idempotency_key.is_some()
                            && err.to_string().contains("duplicate key") =>
                    {
                        Ok(false)
                    }
                    Err(err) => Err(QueueError::Storage(err.to_string())),
                }
            }
            Queue::Sqlite(pool) => {
                let mut conn = pool
                    .acquire()
                    .await
                    .map_err(|e| QueueError::Storage(e.to_string()))?;
                apalis_sqlite::queries::push_tasks(&mut *conn, queue, &[task])
                    .await
                    .map(|()| true)
                    .map_err(|e| QueueError::Storage(e.to_string()))
            }
        }
    }

    /// Queues the delivery of a post at a time.
    pub async fn deliver_at(&self, job: &DeliverPost, at: DateTime<Utc>) -> Result<(), QueueError> {
        self.push(DELIVER, job, at, None).await.map(|_| ())
    }
}

impl From<QueueError> for crate::DomainError {
    fn from(err: QueueError) -> Self {
        crate::DomainError::internal(err)
    }
}
