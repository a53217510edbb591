//! The background worker. The same code runs inside `qunyun-api` (by default) and as the
//! `qunyun-worker` binary.

pub mod jobs;

use qunyun_core::config::Config;
use qunyun_core::db::Db;
use tokio_util::sync::CancellationToken;

/// Runs the worker until `shutdown` is cancelled.
pub async fn run(_config: Config, _db: Db, shutdown: CancellationToken) -> anyhow::Result<()> {
    tracing::info!("worker started");
    shutdown.cancelled().await;
    tracing::info!("worker stopped");
    Ok(())
}
