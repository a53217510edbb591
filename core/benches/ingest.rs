//! Ingestion throughput on Postgres against a bare multi-row INSERT into the same table.
//!
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p qunyun-core --bench ingest`
//!
//! A fresh database; one tenant with an INTEREST group (its default rules: keyword lists, links,
//! QR codes, rate limit, daily points) and a keyword list of 1000 terms. Then batches of 500
//! message events from 200 members go through the whole ingestion path (validation, dedupe,
//! member upsert, rules and keyword matching, insert, memberships, activity, cases), one
//! transaction per batch; and the same number of rows through a bare `INSERT … VALUES (…), …`
//! of 500 rows per statement, one transaction per batch, in the same tenant transaction setup.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use qunyun_core::ids::{new_id, now};
use qunyun_core::ingest;
use qunyun_core::risk::MatcherCache;
use qunyun_core::testing::TestDb;
use qunyun_core::{groups, risk, tenancy};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};
use uuid::Uuid;

const BATCH: usize = 500;
const BATCHES: usize = 20;
const MEMBERS: usize = 200;
const TERMS: usize = 1000;

const SENTENCES: &[&str] = &[
    "今天的分享太有用了，谢谢老师",
    "请问这个课程什么时候开始？",
    "打卡第12天，坚持就是胜利",
    "周末有人一起去爬山吗",
    "大家觉得这个方案怎么样",
    "I think the new feature is great, thanks for sharing",
    "收到，明天准时参加",
    "这个问题我也遇到过，可以试试重启",
];

fn terms() -> Vec<String> {
    (0..TERMS).map(|i| format!("违禁词{i:04}")).collect()
}

fn batch(round: usize, group: &str) -> Vec<Value> {
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    (0..BATCH)
        .map(|i| {
            let n = round * BATCH + i;
            let mut text = SENTENCES[n % SENTENCES.len()].to_owned();
            if n.is_multiple_of(50) {
                text.push_str(&format!(" 违禁词{:04}", n % TERMS));
            }
            json!({
                "id": format!("bench-{round}-{i}"),
                "type": "message",
                "group": group,
                "member": {"platformUserId": format!("member-{}", n % MEMBERS), "displayName": format!("上海-成员{}-教育", n % MEMBERS)},
                "occurredAt": (start + chrono::Duration::seconds(n as i64 * 7)).to_rfc3339(),
                "text": text,
            })
        })
        .collect()
}

fn rate(rows: usize, elapsed: Duration) -> f64 {
    rows as f64 / elapsed.as_secs_f64()
}

#[tokio::main]
async fn main() {
    if qunyun_core::testing::postgres_admin_url().is_none() {
        println!("ingest bench skipped: set TEST_DATABASE_URL to a Postgres admin URL");
        return;
    }
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
            name: "bench",
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
            name: "bench".into(),
            platform: qunyun_entity::Platform::Wecom,
            external_id: Some("bench-chat".into()),
            kind: qunyun_entity::GroupKind::Interest,
            admission: qunyun_entity::AdmissionPolicy::Open,
            positioning: None,
            member_cap: Some(10_000),
        },
    )
    .await
    .unwrap();
    risk::keywords::upsert(&tx, None, "bench", &terms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let matchers = MatcherCache::default();

    let ingest_batch = |values: Vec<Value>| {
        let (db, tenant, matchers) = (db, &tenant, &matchers);
        async move {
            let (events, rejected) = ingest::parse_batch(&values, now());
            let (tx, settings, timezone) = ingest::begin(db, tenant).await.unwrap();
            let ctx = ingest::Context {
                matchers,
                settings: &settings,
                timezone,
            };
            let outcome = ingest::ingest(&ctx, &tx, events, rejected).await.unwrap();
            tx.commit().await.unwrap();
            outcome
        }
    };
    // Warm-up: members exist, the matcher is compiled.
    let warm = ingest_batch(batch(BATCHES + 1, "wecom:bench-chat")).await;
    assert_eq!(warm.accepted, BATCH);

    let started = Instant::now();
    let mut accepted = 0;
    for round in 0..BATCHES {
        accepted += ingest_batch(batch(round, "wecom:bench-chat"))
            .await
            .accepted;
    }
    let ingest_time = started.elapsed();
    assert_eq!(accepted, BATCH * BATCHES);

    // The bare write: the same shape of rows into the same table.
    let members: Vec<Uuid> = {
        let tx = db.tenant_read(tenant.id).await.unwrap();
        use sea_orm::QuerySelect;
        tx.select::<qunyun_entity::members::Entity>()
            .select_only()
            .column(qunyun_entity::members::Column::Id)
            .into_tuple()
            .all(tx.conn())
            .await
            .unwrap()
    };
    let pool = db.global().get_postgres_connection_pool().clone();
    let started = Instant::now();
    for round in 0..BATCHES {
        let values = batch(round, "x");
        let mut conn = pool.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant.id.to_string())
            .execute(&mut *conn)
            .await
            .unwrap();
        let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "INSERT INTO events (tenant_id, id, source_id, kind, group_id, member_id, occurred_at, received_at, text, data, flagged) ",
        );
        insert.push_values(values.iter().enumerate(), |mut row, (i, v)| {
            row.push_bind(tenant.id)
                .push_bind(Uuid::now_v7())
                .push_bind(format!("bare-{}", v["id"].as_str().unwrap()))
                .push_bind("message")
                .push_bind(group.id)
                .push_bind(members[i % members.len()])
                .push_bind(
                    chrono::DateTime::parse_from_rfc3339(v["occurredAt"].as_str().unwrap())
                        .unwrap()
                        .with_timezone(&Utc),
                )
                .push_bind(Utc::now())
                .push_bind(v["text"].as_str().unwrap().to_owned())
                .push_bind(json!({}))
                .push_bind(false);
        });
        insert.build().execute(&mut *conn).await.unwrap();
        conn.commit().await.unwrap();
    }
    let bare_time = started.elapsed();

    let rows = BATCH * BATCHES;
    let (ours, bare) = (rate(rows, ingest_time), rate(rows, bare_time));
    println!(
        "ingest bench: {BATCHES} batches of {BATCH} message events, {MEMBERS} members, {TERMS} keyword terms, Postgres"
    );
    println!(
        "  ingestion path : {ours:>9.0} rows/s  ({:.1} ms a batch)",
        ingest_time.as_secs_f64() * 1000.0 / BATCHES as f64
    );
    println!(
        "  bare INSERT    : {bare:>9.0} rows/s  ({:.1} ms a batch)",
        bare_time.as_secs_f64() * 1000.0 / BATCHES as f64
    );
    println!(
        "  ratio          : {:.0}% of the bare write (target ≥ 30%)",
        100.0 * ours / bare
    );
}
