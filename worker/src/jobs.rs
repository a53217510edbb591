//! The scheduled jobs, by the names of the contract (`qunyun-worker run-once JOB`), and their
//! schedules. A pass runs for every tenant, each in its own tenant-scoped transaction.

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use qunyun_core::db::Db;
use qunyun_core::delivery::Deliverer;
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
    /// Re-queue deliveries whose job was lost (every 15 s).
    Reconcile,
    /// Campaign statuses at their start and end times (every 30 s).
    Campaigns,
}

/// Why a pass runs: on its schedule, or asked for (`run-once`, which runs even if the local
/// day's pass is done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
}

/// What the jobs need.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub deliverer: Deliverer,
}

impl Job {
    pub const SCHEDULED: [Job; 8] = [
        Job::Layers,
        Job::Rollups,
        Job::Alerts,
        Job::Streaks,
        Job::Churn,
        Job::Roi,
        Job::Reconcile,
        Job::Campaigns,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Job::Layers => "layers",
            Job::Rollups => "rollups",
            Job::Alerts => "alerts",
            Job::Streaks => "streaks",
            Job::Churn => "churn",
            Job::Roi => "roi",
            Job::Reconcile => "reconcile",
            Job::Campaigns => "campaigns",
        }
    }

    pub fn from_name(name: &str) -> Option<Job> {
        Job::SCHEDULED.into_iter().find(|j| j.name() == name)
    }

    /// The cron schedule (seconds first, UTC) of a built job; `None` for jobs not built yet.
    pub fn schedule(self) -> Option<&'static str> {
        match self {
            // 03:00 in Shanghai.
            Job::Layers => Some("0 0 19 * * *"),
            Job::Reconcile => Some("*/15 * * * * *"),
            // Each tenant's local midnight is caught within 15 minutes.
            Job::Streaks => Some("0 */15 * * * *"),
            Job::Campaigns => Some("*/30 * * * * *"),
            _ => None,
        }
    }
}

/// One pass of `job` for every tenant.
pub async fn run_once(
    ctx: &JobContext,
    job: Job,
    now: DateTime<Utc>,
    trigger: Trigger,
) -> anyhow::Result<Report> {
    let db = &ctx.db;
    let mut report = Report::default();
    for tenant in jobs::all_tenants(db).await? {
        let tx = db.tenant_write(tenant.id).await?;
        let settings = defaults::for_tenant(&tx).await?;
        let timezone = tenancy::timezone_of(&tenant);
        let rows = match job {
            Job::Layers => jobs::layers::run(&tx, &settings.members, timezone, now).await?,
            Job::Reconcile => ctx.deliverer.reconcile(&tx, now).await?,
            Job::Streaks => {
                jobs::streaks::run(&tx, timezone, now, trigger == Trigger::Manual).await?
            }
            Job::Campaigns => qunyun_core::campaigns::advance_statuses(&tx, now).await?,
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

/// `run-once` from the command line (and tests): the job now, whatever its schedule.
pub async fn run_once_standalone(
    config: &qunyun_core::config::Config,
    db: &Db,
    job: Job,
    now: DateTime<Utc>,
) -> anyhow::Result<Report> {
    let queue = qunyun_core::queue::Queue::open(config, db).await?;
    let deliverer = Deliverer::new(
        db.clone(),
        queue,
        qunyun_core::delivery::RetryPolicy::from_config(config),
    );
    run_once(
        &JobContext {
            db: db.clone(),
            deliverer,
        },
        job,
        now,
        Trigger::Manual,
    )
    .await
}
