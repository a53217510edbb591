//! The rollups against raw aggregation over the events, on Postgres.
//!
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p qunyun-core --bench rollups`
//! (`BENCH_EVENTS`, default 10000000 message events over 90 days; `BENCH_GROUPS`, default 20
//! groups of `BENCH_GROUP_MEMBERS`, default 1000, members.)
//!
//! The events are generated in SQL (`generate_series`) straight into `events`, with their local
//! day and hour, in time order (as ingest stores them), one group in turn, members picked with a
//! skew (a few post a lot). Timed:
//!
//! 1. a full recompute, `rollups::run(…, Rollup::Full, …)`;
//! 2. one more hour of events (1/2000 of the total), then an incremental pass — the target is at
//!    most 2% of the full recompute;
//! 3. the dashboard: `stats::group_stats` of one group over 30 days (and `stats::heatmap`),
//!    each 50 times, one read transaction per call as a request would, against the same
//!    answers by a raw `GROUP BY` over the events — the target is at least 20x faster and a p95
//!    under 50 ms. The answers are compared (per-day messages and active members; heatmap
//!    cells) and must agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use qunyun_core::db::Db;
use qunyun_core::ids::{new_id, now};
use qunyun_core::monitoring::rollups::{self, Rollup};
use qunyun_core::monitoring::stats;
use qunyun_core::testing::TestDb;
use qunyun_core::{groups, tenancy};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

/// Events generated per statement (and transaction).
const CHUNK: i64 = 1_000_000;
const DASHBOARD_RUNS: usize = 50;
const RAW_RUNS: usize = 7;
const RANGE_DAYS: i64 = 30;

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn sql(sql: String) -> Statement {
    Statement::from_string(DbBackend::Postgres, sql)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `q`-quantile (nearest rank) of some durations.
fn quantile(times: &[Duration], q: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `INSERT … SELECT … FROM generate_series(lo, hi - 1)`: event `n` is a message in group
/// `n % groups` at `start + (n - base) * step`, from one of that group's members (member
/// `g + groups * k`, `k` skewed to the low end), received a second later.
#[allow(clippy::too_many_arguments)]
fn events_sql(
    tenant: Uuid,
    group_ids: &[Uuid],
    per_group: i64,
    tz: &str,
    lo: i64,
    hi: i64,
    base: i64,
    start: DateTime<Utc>,
    step_us: f64,
) -> String {
    let groups = group_ids
        .iter()
        .map(|g| format!("'{g}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let n_groups = group_ids.len();
    format!(
        "INSERT INTO events (tenant_id, id, source_id, kind, group_id, member_id, occurred_at, received_at, \
                             text, local_day, local_hour, post_id, data, flagged)
         SELECT '{tenant}', lpad(to_hex(n), 32, '0')::uuid, 'bench-' || n, 'message',
                (ARRAY[{groups}]::uuid[])[n % {n_groups} + 1],
                md5('m' || (n % {n_groups} + {n_groups} * floor({per_group} * power(random(), 2))::bigint))::uuid,
                ts, ts + interval '1 second', '今天的分享很有用，谢谢老师',
                (ts AT TIME ZONE '{tz}')::date, extract(hour FROM ts AT TIME ZONE '{tz}')::int,
                NULL, '{{}}'::jsonb, n % 50 = 0
         FROM (SELECT n, TIMESTAMPTZ '{start}' + make_interval(secs => (n - {base}) * {step_s}::float8) AS ts
               FROM generate_series({lo}::bigint, {hi}::bigint - 1) n) s",
        start = start.to_rfc3339(),
        step_s = step_us / 1e6,
    )
}

/// Messages and active members per local day, straight from the events.
const RAW_DAYS: &str = "SELECT local_day, COUNT(*) AS messages, COUNT(DISTINCT member_id) AS active \
     FROM events WHERE tenant_id = $1 AND group_id = $2 AND kind = 'message' \
     AND local_day BETWEEN $3 AND $4 GROUP BY local_day";
/// The heatmap's per-day-and-hour figures, straight from the events.
const RAW_HOURS: &str = "SELECT local_day, local_hour, COUNT(*) AS messages, COUNT(DISTINCT member_id) AS active \
     FROM events WHERE tenant_id = $1 AND group_id = $2 AND kind = 'message' \
     AND local_day BETWEEN $3 AND $4 AND local_hour IS NOT NULL GROUP BY local_day, local_hour";

async fn raw_days(
    db: &Db,
    tenant: Uuid,
    group: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, (i64, i64)> {
    let tx = db.tenant_read(tenant).await.unwrap();
    let rows = tx
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            RAW_DAYS,
            [tenant.into(), group.into(), from.into(), to.into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let day: NaiveDate = r.try_get("", "local_day").unwrap();
            let messages: i64 = r.try_get("", "messages").unwrap();
            let active: i64 = r.try_get("", "active").unwrap();
            (day, (messages, active))
        })
        .collect()
}

/// `(weekday, hour) → (messages, active members summed over the days)`.
async fn raw_heatmap(
    db: &Db,
    tenant: Uuid,
    group: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<(u8, u8), (i64, i64)> {
    let tx = db.tenant_read(tenant).await.unwrap();
    let rows = tx
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            RAW_HOURS,
            [tenant.into(), group.into(), from.into(), to.into()],
        ))
        .await
        .unwrap();
    let mut cells = BTreeMap::new();
    for r in rows {
        let day: NaiveDate = r.try_get("", "local_day").unwrap();
        let hour: i32 = r.try_get("", "local_hour").unwrap();
        let messages: i64 = r.try_get("", "messages").unwrap();
        let active: i64 = r.try_get("", "active").unwrap();
        let cell = cells
            .entry((day.weekday().number_from_monday() as u8, hour as u8))
            .or_insert((0, 0));
        cell.0 += messages;
        cell.1 += active;
    }
    cells
}

async fn explain(db: &Db, tenant: Uuid, sql: &str, values: Vec<Value>) -> String {
    let tx = db.tenant_read(tenant).await.unwrap();
    let rows = tx
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
            values,
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| format!("      {}", r.try_get_by_index::<String>(0).unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::main]
async fn main() {
    if qunyun_core::testing::postgres_admin_url().is_none() {
        println!("rollups bench skipped: set TEST_DATABASE_URL to a Postgres admin URL");
        return;
    }
    let total = env("BENCH_EVENTS", 10_000_000).max(2_000);
    let n_groups = env("BENCH_GROUPS", 20).max(1);
    let per_group = env("BENCH_GROUP_MEMBERS", 1_000).max(1);
    let test = TestDb::new().await;
    let db = &test.db;
    let user = qunyun_entity::users::ActiveModel {
        id: Set(new_id()),
        email: Set("bench@example.com".into()),
        password_hash: Set("x".into()),
        display_name: Set("bench".into()),
        created_at: Set(now()),
    }
    .insert(db.global())
    .await
    .unwrap();
    let tenant = tenancy::create_tenant(
        db,
        user.id,
        tenancy::NewTenant {
            name: "b",
            slug: "bench",
            kind: qunyun_entity::TenantKind::Brand,
            timezone: None,
            parent_id: None,
        },
    )
    .await
    .unwrap();
    let tz = tenancy::timezone_of(&tenant);
    let t = tenant.id;
    let tx = db.tenant_write(t).await.unwrap();
    let mut group_ids = Vec::new();
    for i in 0..n_groups {
        let group = groups::create(
            &tx,
            groups::NewGroup {
                name: format!("g{i}"),
                platform: qunyun_entity::Platform::Wecom,
                external_id: None,
                kind: qunyun_entity::GroupKind::Interest,
                admission: qunyun_entity::AdmissionPolicy::Open,
                positioning: None,
                member_cap: Some(100_000),
            },
        )
        .await
        .unwrap();
        group_ids.push(group.id);
    }
    tx.commit().await.unwrap();

    // 90 days of events ending at `end` (08:00 in Shanghai), then one more hour.
    let start = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let end = start + chrono::Duration::days(90);
    let step_us = 90.0 * 86_400e6 / total as f64;
    let generated = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    let members = n_groups * per_group;
    let groups_array = group_ids
        .iter()
        .map(|g| format!("'{g}'"))
        .collect::<Vec<_>>()
        .join(", ");
    tx.conn()
        .execute_raw(sql(format!(
            "INSERT INTO members (tenant_id, id, platform, platform_user_id, tags, auto_tags, blacklisted, first_seen_at)
             SELECT '{t}', md5('m' || i)::uuid, 'WECOM', 'm' || i, '[]', '[]', false, TIMESTAMPTZ '{start}'
             FROM generate_series(0, {members} - 1) i",
            start = start.to_rfc3339()
        )))
        .await
        .unwrap();
    tx.conn()
        .execute_raw(sql(format!(
            "INSERT INTO group_members (tenant_id, group_id, member_id, joined_at, left_at, removed, layer, over_capacity)
             SELECT '{t}', (ARRAY[{groups_array}]::uuid[])[i % {n_groups} + 1], md5('m' || i)::uuid,
                    TIMESTAMPTZ '{start}' + (i % 60) * interval '1 day',
                    CASE WHEN i % 10 = 0 THEN TIMESTAMPTZ '{start}' + (60 + i % 30) * interval '1 day' END,
                    false, 'ACTIVE', false
             FROM generate_series(0, {members} - 1) i",
            start = start.to_rfc3339()
        )))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut lo = 0;
    while lo < total {
        let hi = (lo + CHUNK).min(total);
        let tx = db.tenant_write(t).await.unwrap();
        tx.conn()
            .execute_raw(sql(events_sql(
                t,
                &group_ids,
                per_group,
                tz.name(),
                lo,
                hi,
                0,
                start,
                step_us,
            )))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        lo = hi;
        eprintln!("  … {hi} events ({:.0?})", generated.elapsed());
    }
    db.global().execute_unprepared("ANALYZE").await.unwrap();
    let generated = generated.elapsed();
    let size: String = db
        .global()
        .query_one_raw(sql(
            "SELECT pg_size_pretty(pg_total_relation_size('events'))".into(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();

    // (1) Full recompute.
    let timed = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    let full_rows = rollups::run(&tx, tz, Rollup::Full, end).await.unwrap();
    tx.commit().await.unwrap();
    let full = timed.elapsed();

    // (2) One more hour of events, then an incremental pass.
    let hour_events = (total / 2000).max(1);
    let tx = db.tenant_write(t).await.unwrap();
    tx.conn()
        .execute_raw(sql(events_sql(
            t,
            &group_ids,
            per_group,
            tz.name(),
            total,
            total + hour_events,
            total,
            end,
            3_600e6 / hour_events as f64,
        )))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let at = end + chrono::Duration::hours(1) + chrono::Duration::seconds(1);
    let timed = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    let incremental_rows = rollups::run(&tx, tz, Rollup::Incremental, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let incremental = timed.elapsed();
    // And a pass with nothing new.
    let timed = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    let idle_rows = rollups::run(&tx, tz, Rollup::Incremental, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let idle = timed.elapsed();

    // (3) The dashboard against raw aggregation, on the first group, 30 days to today.
    let group = group_ids[0];
    let to = at.with_timezone(&tz).date_naive();
    let from = to - chrono::Duration::days(RANGE_DAYS - 1);
    let mut dashboard = Vec::new();
    let mut answer = Vec::new();
    for i in 0..=DASHBOARD_RUNS {
        let timed = Instant::now();
        let tx = db.tenant_read(t).await.unwrap();
        let days = stats::group_stats(&tx, tz, group, from, to).await.unwrap();
        drop(tx);
        if i > 0 {
            dashboard.push(timed.elapsed());
        }
        answer = days;
    }
    let mut heat = Vec::new();
    let mut heat_answer = Vec::new();
    for i in 0..=DASHBOARD_RUNS {
        let timed = Instant::now();
        let tx = db.tenant_read(t).await.unwrap();
        let cells = stats::heatmap(&tx, Some(group), from, to).await.unwrap();
        drop(tx);
        if i > 0 {
            heat.push(timed.elapsed());
        }
        heat_answer = cells;
    }
    let mut raw = Vec::new();
    let mut raw_answer = BTreeMap::new();
    for i in 0..=RAW_RUNS {
        let timed = Instant::now();
        raw_answer = raw_days(db, t, group, from, to).await;
        if i > 0 {
            raw.push(timed.elapsed());
        }
    }
    let mut raw_heat = Vec::new();
    let mut raw_heat_answer = BTreeMap::new();
    for i in 0..=RAW_RUNS {
        let timed = Instant::now();
        raw_heat_answer = raw_heatmap(db, t, group, from, to).await;
        if i > 0 {
            raw_heat.push(timed.elapsed());
        }
    }

    // The answers agree.
    let rolled: BTreeMap<NaiveDate, (i64, i64)> = answer
        .iter()
        .filter(|d| d.messages > 0 || d.active_members > 0)
        .map(|d| (d.date, (d.messages, d.active_members)))
        .collect();
    let days_agree = rolled == raw_answer && answer.len() == RANGE_DAYS as usize;
    let rolled_heat: BTreeMap<(u8, u8), (i64, i64)> = heat_answer
        .iter()
        .filter(|c| c.messages > 0 || c.active_members > 0)
        .map(|c| ((c.weekday, c.hour), (c.messages, c.active_members)))
        .collect();
    let heat_agree = rolled_heat == raw_heat_answer;
    let messages_in_range: i64 = raw_answer.values().map(|(m, _)| m).sum();

    let ratio = incremental.as_secs_f64() / full.as_secs_f64();
    let (d50, d95) = (quantile(&dashboard, 0.5), quantile(&dashboard, 0.95));
    let (h50, h95) = (quantile(&heat, 0.5), quantile(&heat, 0.95));
    let (r50, rh50) = (quantile(&raw, 0.5), quantile(&raw_heat, 0.5));
    let speedup = r50.as_secs_f64() / d50.as_secs_f64();
    let heat_speedup = rh50.as_secs_f64() / h50.as_secs_f64();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "rollups bench: {total} message events over 90 days, {n_groups} groups × {per_group} members, Postgres \
         (generated and analysed in {generated:.1?}; events table {size})"
    );
    println!("  full recompute:        {full:>10.2?}  ({full_rows} group-days)");
    println!(
        "  incremental, +1 hour:  {incremental:>10.2?}  ({incremental_rows} group-days, {hour_events} new events) \
         = {:.3}% of full — target ≤ 2%: {}",
        ratio * 100.0,
        verdict(ratio <= 0.02)
    );
    println!("  incremental, nothing new: {idle:>7.2?}  ({idle_rows} group-days)");
    println!(
        "  dashboard group_stats, {RANGE_DAYS} days ({DASHBOARD_RUNS} runs): p50 {:.2} ms, p95 {:.2} ms — target p95 < 50 ms: {}",
        ms(d50),
        ms(d95),
        verdict(d95 < Duration::from_millis(50))
    );
    println!(
        "  raw GROUP BY over the events ({RAW_RUNS} runs, {messages_in_range} messages): p50 {:.2} ms \
         → rollups {speedup:.1}x faster — target ≥ 20x: {}",
        ms(r50),
        verdict(speedup >= 20.0)
    );
    println!(
        "  heatmap ({DASHBOARD_RUNS} runs): p50 {:.2} ms, p95 {:.2} ms; raw p50 {:.2} ms → {heat_speedup:.1}x faster",
        ms(h50),
        ms(h95),
        ms(rh50)
    );
    println!(
        "  answers agree: daily messages and active members {}, heatmap {}",
        if days_agree { "yes" } else { "NO" },
        if heat_agree { "yes" } else { "NO" }
    );
    if !days_agree || !heat_agree {
        for d in &answer {
            println!(
                "    {}: rollup {:?}, raw {:?}",
                d.date,
                (d.messages, d.active_members),
                raw_answer.get(&d.date)
            );
        }
    }
    if std::env::var("BENCH_EXPLAIN").is_ok() || speedup < 20.0 {
        let values = vec![t.into(), group.into(), from.into(), to.into()];
        println!(
            "  raw query plan:\n{}",
            explain(db, t, RAW_DAYS, values).await
        );
    }
    assert!(days_agree, "the rollups and the raw GROUP BY disagree");
    assert!(heat_agree, "the hour rollups and the raw GROUP BY disagree");
}
