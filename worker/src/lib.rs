//! The background worker: apalis workers on the job queue (deliveries, sweeps) and apalis-cron
//! schedules that queue the sweeps. The same code runs inside `qunyun-api` (by default) and as
//! the `qunyun-worker` binary; any number of processes may run against one Postgres.
//!
//! - A cron tick does not do the work: it queues a sweep job keyed by job name and tick time,
//!   so when several processes tick at once the queue keeps one (apalis's unique idempotency
//!   key), and one worker runs it.
//! - Deliveries and sweeps are claimed by one worker each (`FOR UPDATE SKIP LOCKED` inside
//!   apalis-postgres); the rows they concern make a repeated job a no-op (`qunyun_core::delivery`).
//! - Shutdown: workers stop fetching, finish the jobs in flight (up to 20 s) and hand queued
//!   ones back; a delivery interrupted anyway is picked up by the next `reconcile` sweep once its
//!   lease ends.

pub mod jobs;

use std::str::FromStr;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use qunyun_core::config::Config;
use qunyun_core::db::Db;
use qunyun_core::delivery::{Deliverer, RetryPolicy};
use qunyun_core::notify::Notifier;
use qunyun_core::queue::{DELIVER, DeliverPost, Queue, SWEEP, Sweep};
use tokio_util::sync::CancellationToken;

use jobs::{Job, JobContext};

/// How often an idle worker looks for due jobs.
pub const POLL: Duration = Duration::from_millis(500);
const HEARTBEAT: Duration = Duration::from_secs(5);
const MISSED_HEARTBEATS: usize = 3;
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
const DELIVERY_CONCURRENCY: usize = 4;

/// Polls on a fixed period, re-arming every time (apalis's interval strategy can stall).
pub struct TickStrategy(tokio::time::Interval);

impl TickStrategy {
    pub fn new(period: Duration) -> Self {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        TickStrategy(interval)
    }
}

impl PollStrategy for TickStrategy {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut fired = false;
        while self.0.poll_tick(cx).is_ready() {
            fired = true;
        }
        if fired {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

/// What the job handlers share.
#[derive(Clone)]
pub struct WorkerState {
    pub jobs: JobContext,
}

/// Where a cron tick queues its sweep.
#[derive(Clone)]
struct CronTarget {
    queue: Queue,
    job: Job,
}

async fn deliver(job: DeliverPost, state: Data<WorkerState>) -> Result<(), BoxDynError> {
    let outcome = state
        .jobs
        .deliverer
        .deliver(&job)
        .await
        .map_err(|e| -> BoxDynError { Box::new(e) })?;
    tracing::debug!(tenant_id = %job.tenant_id, post_id = %job.post_id, ?outcome, "delivery");
    Ok(())
}

async fn sweep(job: Sweep, state: Data<WorkerState>) -> Result<(), BoxDynError> {
    let Some(which) = Job::from_name(&job.job) else {
        tracing::warn!(job = %job.job, "unknown sweep job ignored");
        return Ok(());
    };
    let at = chrono::DateTime::from_timestamp(job.tick, 0)
        .unwrap_or_else(chrono::Utc::now)
        .max(chrono::Utc::now());
    jobs::run_once(&state.jobs, which, at, jobs::Trigger::Schedule)
        .await
        .map_err(|e| -> BoxDynError { e.into() })?;
    Ok(())
}

async fn on_tick(tick: Tick, target: Data<CronTarget>) -> Result<(), BoxDynError> {
    let at = tick.get_timestamp() as i64;
    let key = format!("{}:{at}", target.job.name());
    let sweep = Sweep {
        job: target.job.name().to_owned(),
        tick: at,
    };
    target
        .queue
        .push(SWEEP, &sweep, chrono::Utc::now(), Some(&key))
        .await
        .map_err(|e| -> BoxDynError { Box::new(e) })?;
    Ok(())
}

fn worker_name(queue: &str) -> String {
    format!("{queue}-{}", ulid::Ulid::generate())
}

/// Registers the deliver and sweep workers on one storage kind.
macro_rules! queue_workers {
    ($monitor:expr, $storage:ident, $config:ident, $pool:expr, $state:expr) => {{
        let config = |queue: &str| {
            $config::default()
                .queue(queue)
                .batch_size(DELIVERY_CONCURRENCY)
                .heartbeat_interval(HEARTBEAT)
                .missed_heartbeats(MISSED_HEARTBEATS)
        };
        let deliveries: $storage<DeliverPost> = $storage::new($pool).with_config(config(DELIVER));
        let sweeps: $storage<Sweep> = $storage::new($pool).with_config(config(SWEEP));
        let (a, b) = ($state.clone(), $state.clone());
        $monitor
            .register(move |_| {
                WorkerBuilder::new(worker_name(DELIVER))
                    .backend(
                        deliveries
                            .clone()
                            .poll_with_strategy(TickStrategy::new(POLL)),
                    )
                    .data(a.clone())
                    .concurrency(DELIVERY_CONCURRENCY)
                    .build(deliver)
            })
            .register(move |_| {
                WorkerBuilder::new(worker_name(SWEEP))
                    .backend(sweeps.clone().poll_with_strategy(TickStrategy::new(POLL)))
                    .data(b.clone())
                    .concurrency(1)
                    .build(sweep)
            })
    }};
}

/// Runs the worker until `shutdown` is cancelled. `notifier` announces raised alerts (the API's
/// own when the worker runs in its process).
pub async fn run(
    config: Config,
    db: Db,
    notifier: Notifier,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let queue = Queue::open(&config, &db).await?;
    let deliverer = Deliverer::new(db.clone(), queue.clone(), RetryPolicy::from_config(&config));
    let state = WorkerState {
        jobs: JobContext {
            db: db.clone(),
            deliverer,
            notifier,
        },
    };
    let mut monitor = Monitor::new();
    monitor = match &queue {
        Queue::Postgres(pool) => {
            use apalis_postgres::{Config as PgConfig, PostgresStorage};
            queue_workers!(monitor, PostgresStorage, PgConfig, pool, state)
        }
        Queue::Sqlite(pool) => {
            use apalis_sqlite::{Config as SqliteConfig, SqliteStorage};
            queue_workers!(monitor, SqliteStorage, SqliteConfig, pool, state)
        }
    };
    for job in Job::SCHEDULED {
        let Some(expression) = job.schedule() else {
            continue;
        };
        let schedule = cron::Schedule::from_str(expression)?;
        let target = CronTarget {
            queue: queue.clone(),
            job,
        };
        monitor = monitor.register(move |_| {
            WorkerBuilder::new(format!(
                "cron-{}-{}",
                target.job.name(),
                ulid::Ulid::generate()
            ))
            .backend(CronScheduler::new(schedule.clone()))
            .data(target.clone())
            .build(on_tick)
        });
    }
    tracing::info!("worker started");
    monitor
        .on_event(|ctx, event| {
            if let Event::Error(err) = event {
                tracing::warn!(worker = ctx.name(), error = %err, "worker error");
            }
        })
        .should_restart(|_, _| true)
        .shutdown_timeout(SHUTDOWN_TIMEOUT)
        .run_with_signal(async move {
            shutdown.cancelled().await;
            Ok(())
        })
        .await?;
    tracing::info!("worker stopped");
    Ok(())
}
