//! The scheduled jobs, by the names of the contract (`qunyun-worker run-once JOB`).

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use qunyun_core::db::Db;
use qunyun_core::jobs::{self, Report};
use qunyun_core::{defaults, tenancy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Job {
    /// Member layers and automatic tags (daily).
    Layers,
    /// Daily group statistics.
    Rollups,
    /// Alert rules.
    Alerts,
    /// Check-in streaks (each tenant's local midnight).
    Streaks,
    /// Churn-risk model.
    Churn,
    /// ROI aggregation.
    Roi,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::Layers => "layers",
            Job::Rollups => "rollups",
            Job::Alerts => "alerts",
            Job::Streaks => "streaks",
            Job::Churn => "churn",
            Job::Roi => "roi",
        }
    }
}

/// One pass of `job` for every tenant, each in its own tenant-scoped transaction.
pub async fn run_once(db: &Db, job: Job, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let mut report = Report::default();
    for tenant in jobs::all_tenants(db).await? {
        let tx = db.tenant_write(tenant.id).await?;
        let settings = defaults::for_tenant(&tx).await?;
        let timezone = tenancy::timezone_of(&tenant);
        let rows = match job {
            Job::Layers => jobs::layers::run(&tx, &settings.members, timezone, now).await?,
            other => anyhow::bail!("the {} job is not built yet", other.name()),
        };
        tx.commit().await?;
        report.add(tenant.id, rows);
    }
    tracing::info!(
        job = job.name(),
        tenants = report.tenants,
        rows = report.rows,
        "job pass done"
    );
    Ok(report)
}
