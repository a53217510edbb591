//! The scheduled jobs, by the names of the contract (`qunyun-worker run-once JOB`), and their
//! schedules. A pass runs for every tenant, each in its own tenant-scoped transaction.

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use qunyun_core::db::Db;
use qunyun_core::delivery::Deliverer;
use qunyun_core::jobs::{self, Report};
use qunyun_core::monitoring::{alerts, churn, rollups};
use qunyun_core::notify::{Notice, NoticeKind, Notifier};
use qunyun_core::queue::DeliverPost;
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
/// day's pass is done), or a backfill (`run-once rollups --full`: every day recomputed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
    Full,
}

impl Trigger {
    /// How much an aggregating job (rollups, ROI) recomputes.
    fn rollup(self) -> rollups::Rollup {
        if self == Trigger::Full {
            rollups::Rollup::Full
        } else {
            rollups::Rollup::Incremental
        }
    }
}

/// What the jobs need.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub deliverer: Deliverer,
    /// Where raised alerts are announced (`alertRaised`).
    pub notifier: Notifier,
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
            // Today's statistics stay within five minutes of the events.
            Job::Rollups => Some("0 */5 * * * *"),
            Job::Alerts => Some("0 7 * * * *"),
            // 03:30 in Shanghai, after the layers.
            Job::Churn => Some("0 30 19 * * *"),
            // Hourly, at a quarter past (after the alerts).
            Job::Roi => Some("0 15 * * * *"),
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
        let mut followup = None;
        let rows = match job {
            Job::Layers => jobs::layers::run(&tx, &settings.members, timezone, now).await?,
            Job::Rollups => rollups::run(&tx, timezone, trigger.rollup(), now).await?,
            Job::Alerts => {
                rollups::run(&tx, timezone, rollups::Rollup::Incremental, now).await?;
                let evaluation = alerts::evaluate(&tx, &settings, timezone, now).await?;
                let rows = evaluation.rows();
                followup = Some(evaluation);
                rows
            }
            Job::Churn => churn::run(&tx, &settings, timezone, now).await?.scored as u64,
            Job::Reconcile => ctx.deliverer.reconcile(&tx, now).await?,
            Job::Streaks => {
                jobs::streaks::run(&tx, timezone, now, trigger == Trigger::Manual).await?
            }
            Job::Campaigns => qunyun_core::campaigns::advance_statuses(&tx, now).await?,
            Job::Roi => {
                qunyun_core::commerce::roi::run(&tx, timezone, trigger.rollup(), now)
                    .await?
                    .rows
            }
        };
        tx.commit().await?;
        if let Some(evaluation) = followup {
            after_alerts(ctx, tenant.id, evaluation).await?;
        }
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

/// After an alerts pass commits: queue the posts its actions scheduled, post its notifications
/// (recording the answers), and announce the raised alerts.
async fn after_alerts(
    ctx: &JobContext,
    tenant_id: uuid::Uuid,
    evaluation: alerts::Evaluation,
) -> anyhow::Result<()> {
    for post in &evaluation.posts {
        let job = DeliverPost {
            tenant_id,
            post_id: post.id,
        };
        if let Err(err) = ctx
            .deliverer
            .queue
            .deliver_at(&job, post.next_attempt_at)
            .await
        {
            tracing::warn!(error = %err, post_id = %post.id, "could not queue an alert's post; reconcile will");
        }
    }
    for (alert, channel) in &evaluation.notify {
        let tx = ctx.db.tenant_read(tenant_id).await?;
        let group = tx
            .get::<qunyun_entity::groups::Entity>(alert.group_id)
            .await?;
        tx.commit().await?;
        let body = alerts::notification_body(alert, group.as_ref());
        let (delivered, detail) =
            alerts::send_notification(&ctx.deliverer.http, channel, &body, alert.id).await;
        let tx = ctx.db.tenant_write(tenant_id).await?;
        alerts::record_notification(&tx, alert.id, delivered, &detail).await?;
        tx.commit().await?;
    }
    let notices: Vec<Notice> = evaluation
        .raised
        .iter()
        .map(|a| Notice {
            tenant_id,
            kind: NoticeKind::AlertRaised,
            id: a.id,
        })
        .collect();
    ctx.notifier.publish(&notices).await;
    Ok(())
}

/// `run-once` from the command line (and tests): the job now, whatever its schedule.
pub async fn run_once_standalone(
    config: &qunyun_core::config::Config,
    db: &Db,
    job: Job,
    now: DateTime<Utc>,
) -> anyhow::Result<Report> {
    run_once_with(
        config,
        db,
        Notifier::new(db.clone()),
        job,
        now,
        Trigger::Manual,
    )
    .await
}

/// `run-once` with the notifier of the process (so, on SQLite, an API in this process hears
/// the alerts) and a trigger (`Full` for a backfill).
pub async fn run_once_with(
    config: &qunyun_core::config::Config,
    db: &Db,
    notifier: Notifier,
    job: Job,
    now: DateTime<Utc>,
    trigger: Trigger,
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
            notifier,
        },
        job,
        now,
        trigger,
    )
    .await
}
