//! The job queue on Postgres.
//!
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p qunyun-worker --bench queue`
//!
//! 1. Throughput of no-op jobs through the apalis Postgres storage (push, then one worker with
//!    16 concurrent handlers drains the queue) against a bare `FOR UPDATE SKIP LOCKED` loop
//!    (16 concurrent claimers, one transaction per job) on a copy of the same table in the same
//!    database.
//! 2. Latency from `scheduledAt` to the first delivery attempt, through the real worker
//!    (`qunyun_worker::run`) and the real delivery path, to a local HTTP receiver.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use apalis::prelude::*;
use apalis_postgres::{Config as PgConfig, PostgresStorage};
use qunyun_core::testing::TestDb;
use qunyun_worker::TickStrategy;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

const JOBS: usize = 5_000;
const CONCURRENCY: usize = 16;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Noop {
    n: usize,
}

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

async fn noop(_job: Noop, counter: Data<Counter>) -> Result<(), BoxDynError> {
    counter.0.0.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

async fn push_noops(pool: &sqlx::PgPool, queue: &str) {
    let mut conn = pool.acquire().await.unwrap();
    for chunk in (0..JOBS).collect::<Vec<_>>().chunks(1000) {
        let tasks = chunk
            .iter()
            .map(|n| TaskBuilder::new(serde_json::to_vec(&Noop { n: *n }).unwrap()).build())
            .collect();
        apalis_postgres::queries::push_tasks(&mut *conn, queue, tasks)
            .await
            .unwrap();
    }
}

async fn apalis_throughput(pool: &sqlx::PgPool) -> f64 {
    let queue = "bench.noop";
    push_noops(pool, queue).await;
    let counter = Counter(Arc::new(AtomicUsize::new(0)));
    let storage: PostgresStorage<Noop> =
        PostgresStorage::new(pool).with_config(PgConfig::default().queue(queue).batch_size(100));
    let started = Instant::now();
    let watched = counter.clone();
    let worker = WorkerBuilder::new("bench-noop")
        .backend(storage.poll_with_strategy(TickStrategy::new(Duration::from_millis(10))))
        .data(counter)
        .concurrency(CONCURRENCY)
        .build(noop);
    let done = async move {
        while watched.0.load(Ordering::SeqCst) < JOBS {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok::<(), WorkerError>(())
    };
    worker.run_until(done).await.unwrap();
    JOBS as f64 / started.elapsed().as_secs_f64()
}

async fn bare_throughput(pool: &sqlx::PgPool) -> f64 {
    sqlx::raw_sql(
        "CREATE TABLE bench_jobs (LIKE apalis.jobs INCLUDING DEFAULTS INCLUDING INDEXES);
         INSERT INTO bench_jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority)
         SELECT 'b' || g, 'bench.bare', '{}'::bytea, 'Pending', 0, 25, now() - interval '1 second', 0
         FROM generate_series(1, 5000) g;",
    )
    .execute(pool)
    .await
    .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let mut tx = pool.begin().await.unwrap();
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT id FROM bench_jobs WHERE job_type = 'bench.bare' AND status = 'Pending' AND run_at <= now() \
                     ORDER BY priority DESC, run_at ASC LIMIT 1 FOR UPDATE SKIP LOCKED",
                )
                .fetch_optional(&mut *tx)
                .await
                .unwrap();
                let Some((id,)) = row else { break };
                sqlx::query("UPDATE bench_jobs SET status = 'Done', attempts = attempts + 1, done_at = now() WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    JOBS as f64 / started.elapsed().as_secs_f64()
}

/// The same loop claiming 100 jobs a transaction (as apalis fetches batches), each marked done
/// by its own statement.
async fn bare_batched_throughput(pool: &sqlx::PgPool) -> f64 {
    sqlx::raw_sql(
        "INSERT INTO bench_jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority)
         SELECT 'c' || g, 'bench.batched', '{}'::bytea, 'Pending', 0, 25, now() - interval '1 second', 0
         FROM generate_series(1, 5000) g;",
    )
    .execute(pool)
    .await
    .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let claimed: Vec<(String,)> = sqlx::query_as(
                    "UPDATE bench_jobs SET status = 'Running', lock_at = now() WHERE id IN ( \
                       SELECT id FROM bench_jobs WHERE job_type = 'bench.batched' AND status = 'Pending' AND run_at <= now() \
                       ORDER BY priority DESC, run_at ASC LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING id",
                )
                .fetch_all(&pool)
                .await
                .unwrap();
                if claimed.is_empty() {
                    break;
                }
                for (id,) in claimed {
                    sqlx::query("UPDATE bench_jobs SET status = 'Done', attempts = attempts + 1, done_at = now() WHERE id = $1")
                        .bind(id)
                        .execute(&pool)
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    JOBS as f64 / started.elapsed().as_secs_f64()
}

async fn latency(test: &TestDb) -> (Duration, Duration, Duration) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    // A receiver that notes when each post's request arrives.
    let arrivals: Arc<std::sync::Mutex<Vec<(String, Instant)>>> = Arc::default();
    let seen = arrivals.clone();
    let app = axum::Router::new().fallback(move |body: String| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push((body, Instant::now()));
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });

    let db = &test.db;
    let user = qunyun_entity::users::ActiveModel {
        id: Set(qunyun_core::ids::new_id()),
        email: Set("bench@example.com".into()),
        password_hash: Set("x".into()),
        display_name: Set("bench".into()),
        created_at: Set(qunyun_core::ids::now()),
    }
    .insert(db.global())
    .await
    .unwrap();
    let tenant = qunyun_core::tenancy::create_tenant(
        db,
        user.id,
        qunyun_core::tenancy::NewTenant {
            name: "b",
            slug: "bench",
            kind: qunyun_entity::TenantKind::Brand,
            timezone: None,
            parent_id: None,
        },
    )
    .await
    .unwrap();
    let tx = db.tenant_write(tenant.id).await.unwrap();
    let group = qunyun_core::groups::create(
        &tx,
        qunyun_core::groups::NewGroup {
            name: "g".into(),
            platform: qunyun_entity::Platform::Wecom,
            external_id: None,
            kind: qunyun_entity::GroupKind::Interest,
            admission: qunyun_entity::AdmissionPolicy::Open,
            positioning: None,
            member_cap: None,
        },
    )
    .await
    .unwrap();
    let channel = qunyun_core::channels::create(
        &tx,
        qunyun_core::channels::NewChannel {
            name: "hook",
            kind: qunyun_entity::ChannelKind::Webhook,
            url: &url,
            secret: Some("bench-secret-0123456789"),
            chat_id: None,
        },
    )
    .await
    .unwrap();
    let content = qunyun_core::content::create(
        &tx,
        "t",
        "b",
        qunyun_entity::ContentKind::Other,
        qunyun_entity::ContentMix::Value,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let settings = qunyun_core::config::Settings {
        database_url: secrecy::SecretString::from(test.url.clone()),
        ..Default::default()
    };
    let config = settings.into_config().unwrap();
    let shutdown = CancellationToken::new();
    let worker = tokio::spawn(qunyun_worker::run(
        config.clone(),
        db.clone(),
        qunyun_core::notify::Notifier::new(db.clone()),
        shutdown.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(2)).await;

    let queue = qunyun_core::queue::Queue::open(&config, db).await.unwrap();
    let defaults = qunyun_core::defaults::TenantDefaults::default();
    let start = Instant::now();
    let start_utc = chrono::Utc::now();
    let mut due: Vec<(String, Instant)> = Vec::new();
    const POSTS: usize = 60;
    for i in 0..POSTS {
        // Spread over 30 s, at odd fractions of a second.
        let offset = Duration::from_millis(2_000 + i as u64 * 487);
        let at = start_utc + chrono::Duration::from_std(offset).unwrap();
        let tx = db.tenant_write(tenant.id).await.unwrap();
        let scheduled = qunyun_core::posts::schedule(
            &tx,
            &defaults,
            chrono_tz::Asia::Shanghai,
            qunyun_core::posts::NewPost {
                group_id: group.id,
                content_id: content.id,
                channel_id: channel.id,
                scheduled_at: at,
                recurrence: None,
                force: true,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        queue
            .deliver_at(
                &qunyun_core::queue::DeliverPost {
                    tenant_id: tenant.id,
                    post_id: scheduled.post.id,
                },
                at,
            )
            .await
            .unwrap();
        due.push((scheduled.post.delivery_id.to_string(), start + offset));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().unwrap().len() < POSTS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    worker.await.unwrap().unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    let mut lags: Vec<Duration> = due
        .iter()
        .filter_map(|(id, due_at)| {
            let (_, at) = arrivals
                .iter()
                .find(|(body, _)| body.contains(id.as_str()))?;
            Some(at.saturating_duration_since(*due_at))
        })
        .collect();
    assert_eq!(lags.len(), POSTS, "every post arrived");
    lags.sort();
    let pick = |q: f64| lags[((lags.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5), pick(0.99), lags[lags.len() - 1])
}

#[tokio::main]
async fn main() {
    if qunyun_core::testing::postgres_admin_url().is_none() {
        println!("queue bench skipped: set TEST_DATABASE_URL to a Postgres admin URL");
        return;
    }
    let test = TestDb::new().await;
    let pool = test.db.global().get_postgres_connection_pool().clone();
    let apalis = apalis_throughput(&pool).await;
    let bare = bare_throughput(&pool).await;
    let batched = bare_batched_throughput(&pool).await;
    println!("queue bench: {JOBS} no-op jobs, {CONCURRENCY} concurrent, Postgres");
    println!("  apalis PostgresStorage      : {apalis:>8.0} jobs/s");
    println!("  bare FOR UPDATE SKIP LOCKED : {bare:>8.0} jobs/s");
    println!("  bare, 100 claimed a tx      : {batched:>8.0} jobs/s");
    println!(
        "  ratio                       : {:.0}% of the bare loop, {:.0}% of the batched one (target ≥ 50%)",
        100.0 * apalis / bare,
        100.0 * apalis / batched
    );
    let (p50, p99, max) = latency(&test).await;
    println!("delivery latency, scheduledAt → request at the receiver (60 posts, real worker):");
    println!("  p50 {p50:?}   p99 {p99:?}   max {max:?}   (target: first attempt within 2 s)");
}
