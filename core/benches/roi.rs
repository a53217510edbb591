//! The ROI aggregation over many orders and clicks, on Postgres.
//!
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p qunyun-core --bench roi`
//! (`BENCH_ORDERS`, default 1000000; `BENCH_CLICKS`, default 10000000; spread over a year,
//! 200 offers in 20 groups, a fifth of the orders without an offer, 2% refunded.)
//!
//! Timed: the full pass (every day of every offer, campaign, group and the tenant), then an
//! incremental pass after one more hour of orders and clicks arrives, then a pass with nothing
//! new, then `roi::report` for the tenant over the year.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use qunyun_core::commerce::{self, roi};
use qunyun_core::ids::{new_id, now};
use qunyun_core::monitoring::rollups::Rollup;
use qunyun_core::testing::TestDb;
use qunyun_core::{campaigns, defaults, groups, tenancy};
use qunyun_entity::RoiScope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbBackend, Statement};

fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(samples: &mut [StdDuration], p: f64) -> StdDuration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    if qunyun_core::testing::postgres_admin_url().is_none() {
        println!("roi bench skipped: set TEST_DATABASE_URL to a Postgres admin URL");
        return;
    }
    let orders = env_or("BENCH_ORDERS", 1_000_000);
    let clicks = env_or("BENCH_CLICKS", 10_000_000);
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
    let end = Utc::now() - Duration::hours(1);
    let start = end - Duration::days(365);

    // 20 groups, 5 campaigns with a cost, 200 offers (a quarter in a campaign).
    let tx = db.tenant_write(tenant.id).await.unwrap();
    let mut group_ids = Vec::new();
    for i in 0..20 {
        let g = groups::create(
            &tx,
            groups::NewGroup {
                name: format!("g{i}"),
                platform: qunyun_entity::Platform::Wecom,
                external_id: None,
                kind: qunyun_entity::GroupKind::ProductService,
                admission: qunyun_entity::AdmissionPolicy::Open,
                positioning: None,
                member_cap: None,
            },
        )
        .await
        .unwrap();
        group_ids.push(g.id);
    }
    let mut campaign_ids = Vec::new();
    for (i, group_id) in group_ids.iter().take(5).enumerate() {
        let c = campaigns::create(
            &tx,
            &defaults::TenantDefaults::default(),
            campaigns::NewCampaign {
                name: format!("c{i}"),
                kind: qunyun_entity::CampaignKind::FlashSale,
                group_ids: vec![*group_id],
                starts_at: start + Duration::days(i as i64 * 60),
                ends_at: start + Duration::days(i as i64 * 60 + 30),
                target_days: None,
                keyword: None,
                milestones: None,
                cost_minor: Some(500_000),
                currency: None,
            },
            now(),
        )
        .await
        .unwrap();
        campaign_ids.push(c.id);
    }
    for i in 0..200 {
        commerce::create_offer(
            &tx,
            commerce::NewOffer {
                title: format!("offer {i}"),
                kind: qunyun_entity::OfferKind::FlashSale,
                price_minor: 9_900,
                currency: "CNY".into(),
                target_url: format!("https://shop.example.com/item/{i}"),
                campaign_id: (i % 4 == 0).then(|| campaign_ids[i % 5]),
                group_id: Some(group_ids[i % 20]),
                cost_minor: Some(100_000),
            },
            now(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let generated = Instant::now();
    let t = tenant.id;
    let span = (end - start).num_seconds();
    let run = |sql: String| Statement::from_string(DbBackend::Postgres, sql);
    let offers_k = format!(
        "(SELECT id, campaign_id, group_id, row_number() OVER (ORDER BY id) - 1 AS k FROM offers WHERE tenant_id = '{t}')"
    );
    let tx = db.tenant_write(t).await.unwrap();
    let insert_clicks = |n: i64, from: chrono::DateTime<Utc>, secs: i64, received: &str| {
        format!(
            "INSERT INTO offer_clicks (tenant_id, id, offer_id, campaign_id, group_id, member_id, platform_user_id, source, clicked_at, local_day, received_at)
             SELECT '{t}', gen_random_uuid(), o.id, o.campaign_id, o.group_id, NULL, NULL, 'LINK', s.ts,
                    (s.ts AT TIME ZONE 'Asia/Shanghai')::date, {received}
             FROM (SELECT TIMESTAMPTZ '{from}' + (g::float8 * {secs} / {n}) * interval '1 second' AS ts, g % 200 AS k
                   FROM generate_series(1, {n}) g) s
             JOIN {offers_k} o ON o.k = s.k",
            from = from.to_rfc3339(),
        )
    };
    let insert_orders = |n: i64,
                         first: i64,
                         from: chrono::DateTime<Utc>,
                         secs: i64,
                         received: &str| {
        format!(
            "INSERT INTO orders (tenant_id, id, order_ref, offer_id, campaign_id, group_id, member_id, amount_minor, currency, paid_at, local_day, attribution, event_id, received_at)
             SELECT '{t}', gen_random_uuid(), 'o' || s.g,
                    CASE WHEN s.g % 5 = 0 THEN NULL ELSE o.id END,
                    CASE WHEN s.g % 5 = 0 THEN NULL ELSE o.campaign_id END,
                    o.group_id, NULL, 1000 + (s.g::bigint * 7919) % 100000, 'CNY', s.ts,
                    (s.ts AT TIME ZONE 'Asia/Shanghai')::date,
                    CASE WHEN s.g % 5 = 0 THEN 'NONE' ELSE 'CODE' END, gen_random_uuid(), {received}
             FROM (SELECT g, TIMESTAMPTZ '{from}' + ((g - {first})::float8 * {secs} / {n}) * interval '1 second' AS ts, g % 200 AS k
                   FROM generate_series({first}, {first} + {n} - 1) g) s
             JOIN {offers_k} o ON o.k = s.k",
            from = from.to_rfc3339(),
        )
    };
    let click_rows = tx
        .conn()
        .execute_raw(run(insert_clicks(clicks, start, span, "s.ts")))
        .await
        .unwrap()
        .rows_affected();
    let order_rows = tx
        .conn()
        .execute_raw(run(insert_orders(orders, 1, start, span, "s.ts")))
        .await
        .unwrap()
        .rows_affected();
    let refund_rows = tx
        .conn()
        .execute_raw(run(format!(
            "INSERT INTO order_refunds (tenant_id, order_ref, amount_minor, currency, refunded_at, event_id, received_at)
             SELECT tenant_id, order_ref, amount_minor / 2, currency, paid_at + interval '1 day', gen_random_uuid(), paid_at + interval '1 day'
             FROM orders WHERE tenant_id = '{t}' AND amount_minor % 50 = 0"
        )))
        .await
        .unwrap()
        .rows_affected();
    tx.commit().await.unwrap();
    db.global().execute_unprepared("ANALYZE").await.unwrap();
    let generated = generated.elapsed();

    let timed = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    let full = roi::run(&tx, tz, Rollup::Full, Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    let full_time = timed.elapsed();

    // One more hour arrives: a year's orders and clicks / 8760.
    let hour_orders = (orders / 8760).max(1);
    let hour_clicks = (clicks / 8760).max(1);
    let tx = db.tenant_write(t).await.unwrap();
    tx.conn()
        .execute_raw(run(insert_clicks(hour_clicks, end, 3600, "now()")))
        .await
        .unwrap();
    tx.conn()
        .execute_raw(run(insert_orders(
            hour_orders,
            orders + 1,
            end,
            3600,
            "now()",
        )))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let timed = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    let incremental = roi::run(&tx, tz, Rollup::Incremental, Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let incremental_time = timed.elapsed();
    let timed = Instant::now();
    let tx = db.tenant_write(t).await.unwrap();
    roi::run(&tx, tz, Rollup::Incremental, Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let idle_time = timed.elapsed();

    // The report the dashboard asks for: the tenant over the year.
    let today = Utc::now().with_timezone(&tz).date_naive();
    let mut samples = Vec::new();
    let mut report = None;
    for _ in 0..50 {
        let timed = Instant::now();
        let tx = db.tenant_read(t).await.unwrap();
        report = Some(
            roi::report(
                &tx,
                RoiScope::Tenant,
                None,
                today - Duration::days(366),
                today,
                None,
                "CNY",
            )
            .await
            .unwrap(),
        );
        tx.commit().await.unwrap();
        samples.push(timed.elapsed());
    }
    let report = report.unwrap();
    // The same revenue straight from the orders, to check the aggregate.
    #[derive(sea_orm::FromQueryResult)]
    struct Raw {
        gross: i64,
        refunded: i64,
    }
    let tx = db.tenant_read(t).await.unwrap();
    let raw: Raw = <Raw as sea_orm::FromQueryResult>::find_by_statement(run(format!(
        "SELECT CAST(SUM(o.amount_minor) AS bigint) AS gross,
                CAST(COALESCE(SUM(LEAST(COALESCE(r.amount_minor, 0), o.amount_minor)), 0) AS bigint) AS refunded
         FROM orders o LEFT JOIN order_refunds r ON r.tenant_id = o.tenant_id AND r.order_ref = o.order_ref
         WHERE o.tenant_id = '{t}'"
    )))
    .one(tx.conn())
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();

    println!(
        "roi bench: {order_rows} orders ({refund_rows} refunded), {click_rows} clicks over a year, 200 offers, 20 groups, Postgres (generated in {generated:.1?})"
    );
    println!(
        "  full pass:        {full_time:.2?} ({} rows, {} cost rows)",
        full.rows, full.cost_rows
    );
    println!(
        "  incremental pass: {incremental_time:.2?} after one more hour ({hour_orders} orders, {hour_clicks} clicks; {} days, {} rows) = {:.2}% of the full pass",
        incremental.days,
        incremental.rows,
        incremental_time.as_secs_f64() / full_time.as_secs_f64() * 100.0
    );
    println!("  nothing new:      {idle_time:.2?}");
    println!(
        "  roi(TENANT) over the year: p50 {:.2?}, p95 {:.2?} (revenue {} = orders' {} − refunds' {}: {})",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95),
        report.revenue_minor,
        raw.gross,
        raw.refunded,
        if report.revenue_minor == raw.gross - raw.refunded {
            "agrees"
        } else {
            "DISAGREES"
        }
    );
}
