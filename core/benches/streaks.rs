//! The midnight streak job over many members, on Postgres.
//!
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p qunyun-core --bench streaks`
//! (`BENCH_MEMBERS`, default 100000; a year of check-ins each, about two days in three.)
//!
//! The data is generated in SQL (`generate_series`); the timed part is one
//! `campaigns::streaks::midnight` pass — set-based statements for the whole tenant — and a
//! second pass over unchanged data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use qunyun_core::ids::{new_id, now};
use qunyun_core::testing::TestDb;
use qunyun_core::{campaigns, defaults, groups, tenancy};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbBackend, Statement};

#[tokio::main]
async fn main() {
    if qunyun_core::testing::postgres_admin_url().is_none() {
        println!("streaks bench skipped: set TEST_DATABASE_URL to a Postgres admin URL");
        return;
    }
    let members: i64 = std::env::var("BENCH_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
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
    let tx = db.tenant_write(tenant.id).await.unwrap();
    let group = groups::create(
        &tx,
        groups::NewGroup {
            name: "g".into(),
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
    let start = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    let today = start + Duration::days(365);
    let campaign = campaigns::create(
        &tx,
        &defaults::TenantDefaults::default(),
        campaigns::NewCampaign {
            name: "a year".into(),
            kind: qunyun_entity::CampaignKind::CheckinChallenge,
            group_ids: vec![group.id],
            starts_at: Utc.with_ymd_and_hms(2025, 11, 30, 16, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap(),
            target_days: Some(21),
            keyword: None,
            milestones: None,
            cost_minor: None,
            currency: None,
        },
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let generated = Instant::now();
    let tx = db.tenant_write(tenant.id).await.unwrap();
    let run = |sql: String| Statement::from_string(DbBackend::Postgres, sql);
    tx.conn()
        .execute_raw(run(format!(
            "INSERT INTO members (tenant_id, id, platform, platform_user_id, tags, auto_tags, blacklisted, first_seen_at)
             SELECT '{t}', gen_random_uuid(), 'WECOM', 'm' || g, '[]', '[]', false, now() FROM generate_series(1, {members}) g",
            t = tenant.id
        )))
        .await
        .unwrap();
    // About two days in three, in runs: a member skips day d when (d * 7 + member) % 3 = 0.
    let rows = tx
        .conn()
        .execute_raw(run(format!(
            "INSERT INTO checkins (tenant_id, id, campaign_id, member_id, group_id, local_date, occurred_at, source, created_at)
             SELECT '{t}', gen_random_uuid(), '{c}', m.id, '{g}', DATE '{start}' + d, TIMESTAMPTZ '{start} 00:00:00+08' + d * interval '1 day',
                    'message', now()
             FROM (SELECT id, row_number() OVER () AS n FROM members WHERE tenant_id = '{t}') m
             CROSS JOIN generate_series(0, 364) d
             WHERE (d * 7 + m.n) % 3 <> 0",
            t = tenant.id,
            c = campaign.id,
            g = group.id,
        )))
        .await
        .unwrap()
        .rows_affected();
    tx.commit().await.unwrap();
    db.global().execute_unprepared("ANALYZE").await.unwrap();
    let generated = generated.elapsed();

    let at = chrono_tz::Asia::Shanghai
        .from_local_datetime(&today.and_hms_opt(0, 5, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let timed = Instant::now();
    let tx = db.tenant_write(tenant.id).await.unwrap();
    let written = campaigns::streaks::midnight(&tx, today, at).await.unwrap();
    tx.commit().await.unwrap();
    let first = timed.elapsed();
    let timed = Instant::now();
    let tx = db.tenant_write(tenant.id).await.unwrap();
    campaigns::streaks::midnight(&tx, today, at).await.unwrap();
    tx.commit().await.unwrap();
    let second = timed.elapsed();
    println!(
        "streaks bench: {members} members, {rows} check-ins over a year, Postgres (generated in {generated:.1?})"
    );
    println!(
        "  midnight pass: {first:.2?} ({written} streaks written; milestones and badges included)"
    );
    println!("  again, nothing new: {second:.2?}");
}
