//! The churn job on a generated tenant history (both backends): a model is trained on the
//! tenant's own members once there is enough labelled history, its held-out AUC is stored,
//! and the members going quiet now rank above the steady ones; with too little history the
//! heuristic scores instead.
//!
//! The history: members of one group over five months. Those who are going to leave go quiet
//! (few or no messages, no reads) in the two to three weeks before they leave; those who stay
//! keep posting and reading at their own (varied) rates; a few current members went quiet in
//! the last weeks and have not left (yet). Rows go straight into `members`, `group_members`
//! (`joined_at`, `left_at`, `removed`) and `events` (`message` / `message_read` with
//! `occurred_at`), in multi-row inserts — the tables and columns the churn features read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use qunyun_core::churn_model::{self, Features};
use qunyun_core::db::Db;
use qunyun_core::defaults;
use qunyun_core::groups;
use qunyun_core::ids::new_id;
use qunyun_core::monitoring::churn;
use qunyun_core::scope::TenantTx;
use qunyun_core::tenancy;
use qunyun_core::testing::TestDb;
use qunyun_entity::{
    AdmissionPolicy, EventKind, GroupKind, MemberLayer, Platform, TenantKind, churn_models,
    churn_scores, events, group_members, members, users,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::json;
use uuid::Uuid;

/// Rows per multi-row insert (14 columns × 1000 stays under SQLite's bound-parameter limit).
const CHUNK: usize = 1000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 4, 0, 0).unwrap()
}

fn days(d: f64) -> Duration {
    Duration::seconds((d * 86_400.0) as i64)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Stays and keeps posting.
    Stays,
    /// Goes quiet at `quiet_from`, leaves at `left_at`.
    Leaves {
        quiet_from: DateTime<Utc>,
        left_at: DateTime<Utc>,
    },
    /// Went quiet at `quiet_from` and is still a member.
    GoingQuiet { quiet_from: DateTime<Utc> },
    /// Removed by an admin at `left_at` while active (not churn).
    Removed { left_at: DateTime<Utc> },
}

struct Planned {
    id: Uuid,
    joined_at: DateTime<Utc>,
    fate: Fate,
    /// Messages and reads per day while engaged.
    messages: f64,
    reads: f64,
    /// Share of `messages` still sent once quiet (0 for most).
    quiet_messages: f64,
    /// A stayer's break of a week or two (holidays), after which they come back.
    away: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Planned {
    fn left_at(&self) -> Option<DateTime<Utc>> {
        match self.fate {
            Fate::Leaves { left_at, .. } | Fate::Removed { left_at } => Some(left_at),
            _ => None,
        }
    }

    fn removed(&self) -> bool {
        matches!(self.fate, Fate::Removed { .. })
    }

    fn quiet_from(&self) -> Option<DateTime<Utc>> {
        match self.fate {
            Fate::Stays | Fate::Removed { .. } => None,
            Fate::Leaves { quiet_from, .. } | Fate::GoingQuiet { quiet_from } => Some(quiet_from),
        }
    }
}

/// Log-uniform in `[lo, hi]`: rates vary over an order of magnitude.
fn log_uniform(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp()
}

/// Poisson(`lambda`) by Knuth's method (small lambdas only).
fn poisson(rng: &mut StdRng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p = rng.random::<f64>();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// `stayers` members who keep posting (one in five takes a break of one to two weeks and comes
/// back), `leavers` who leave over the last ~100 days after going quiet 15–22 days before (one
/// in ten leaves abruptly, without going quiet), and `quiet` current members silent for the last
/// 10–21 days; and `removed` active members an admin removed over the last ~100 days. The history
/// starts 150 days before now.
fn plan(
    rng: &mut StdRng,
    stayers: usize,
    leavers: usize,
    quiet: usize,
    removed: usize,
) -> Vec<Planned> {
    let now = now();
    let start = now - Duration::days(150);
    let mut out = Vec::new();
    for _ in 0..stayers {
        let joined_at = start + days(rng.random_range(0.0..110.0));
        let away = rng.random_bool(0.2).then(|| {
            let latest = now - Duration::days(20);
            let from = joined_at + days(rng.random::<f64>() * days_between(joined_at, latest));
            (from, from + days(rng.random_range(7.0..14.0)))
        });
        out.push(Planned {
            id: new_id(),
            joined_at,
            fate: Fate::Stays,
            messages: log_uniform(rng, 0.4, 3.0),
            reads: log_uniform(rng, 0.5, 2.0),
            quiet_messages: 0.0,
            away,
        });
    }
    for _ in 0..leavers {
        let left_at = now - days(rng.random_range(1.0..105.0));
        let earliest = start.max(left_at - Duration::days(110));
        let latest = left_at - Duration::days(30);
        let joined_at = earliest + days(rng.random::<f64>() * days_between(earliest, latest));
        let quiet_from = if rng.random_bool(0.1) {
            left_at
        } else {
            left_at - days(rng.random_range(15.0..22.0))
        };
        out.push(Planned {
            id: new_id(),
            joined_at,
            fate: Fate::Leaves {
                quiet_from,
                left_at,
            },
            messages: log_uniform(rng, 0.4, 3.0),
            reads: log_uniform(rng, 0.5, 2.0),
            quiet_messages: if rng.random_bool(0.5) { 0.0 } else { 0.1 },
            away: None,
        });
    }
    for _ in 0..quiet {
        out.push(Planned {
            id: new_id(),
            joined_at: start + days(rng.random_range(0.0..90.0)),
            fate: Fate::GoingQuiet {
                quiet_from: now - days(rng.random_range(10.0..21.0)),
            },
            messages: log_uniform(rng, 0.4, 3.0),
            reads: log_uniform(rng, 0.5, 2.0),
            quiet_messages: 0.0,
            away: None,
        });
    }
    for _ in 0..removed {
        let left_at = now - days(rng.random_range(1.0..100.0));
        out.push(Planned {
            id: new_id(),
            joined_at: start
                + days(rng.random::<f64>() * days_between(start, left_at - Duration::days(20))),
            fate: Fate::Removed { left_at },
            messages: log_uniform(rng, 0.4, 3.0),
            reads: log_uniform(rng, 0.5, 2.0),
            quiet_messages: 0.0,
            away: None,
        });
    }
    out
}

/// A member whose features at now are known exactly: joined 120 days ago, a message a day for
/// the last 20 days (the latest an hour ago), a read a day for the last 10.
fn steady(group: Uuid, tz: Tz) -> (Planned, Vec<events::ActiveModel>, Features) {
    let now = now();
    let member = Planned {
        id: new_id(),
        joined_at: now - Duration::days(120),
        fate: Fate::Stays,
        messages: 0.0,
        reads: 0.0,
        quiet_messages: 0.0,
        away: None,
    };
    let mut events = Vec::new();
    for i in 0..20 {
        let at = now - Duration::hours(1) - Duration::days(i);
        events.push(event(group, member.id, EventKind::Message, at, tz));
    }
    for i in 0..10 {
        let at = now - Duration::hours(2) - Duration::days(i);
        events.push(event(group, member.id, EventKind::MessageRead, at, tz));
    }
    let features = Features {
        days_since_last_message: 1.0 / 24.0,
        messages_7d: 7.0,
        messages_30d: 20.0,
        reads_30d: 10.0,
        checkin_streak: 0.0,
        tenure_days: 120.0,
        // 20 messages in 30 days: ACTIVE (3 or more), not CORE (30 or more).
        layer: 1.0,
    };
    (member, events, features)
}

/// The labelled examples the pass should build: at each weekly snapshot (the last one a
/// horizon before now), every membership present then, less those an admin removed within the
/// horizon after it.
fn expected_examples(planned: &[Planned], settings: &defaults::TenantDefaults) -> usize {
    let horizon = Duration::days(settings.monitoring.churn_horizon_days);
    (0..settings.monitoring.churn_snapshots)
        .map(|k| {
            let at = now() - horizon - Duration::days(7 * k);
            planned
                .iter()
                .filter(|p| p.joined_at <= at && p.left_at().is_none_or(|l| l > at))
                .filter(|p| !(p.removed() && p.left_at().is_some_and(|l| l <= at + horizon)))
                .count()
        })
        .sum()
}

fn days_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_seconds().max(0) as f64 / 86_400.0
}

/// One event row (`received_at` = `occurred_at`, local day and hour in `tz`).
fn event(
    group: Uuid,
    member: Uuid,
    kind: EventKind,
    at: DateTime<Utc>,
    tz: Tz,
) -> events::ActiveModel {
    let local = at.with_timezone(&tz);
    let id = new_id();
    events::ActiveModel {
        tenant_id: Set(Uuid::nil()),
        id: Set(id),
        source_id: Set(id.simple().to_string()),
        kind: Set(kind),
        group_id: Set(group),
        member_id: Set(Some(member)),
        occurred_at: Set(at),
        received_at: Set(at),
        text: Set((kind == EventKind::Message).then(|| "今天的分享很有用".to_owned())),
        local_day: Set(Some(local.date_naive())),
        local_hour: Set(Some(local.hour() as i32)),
        post_id: Set(None),
        data: Set(json!({})),
        flagged: Set(false),
    }
}

/// The planned members' events: each day of their membership, Poisson counts of messages and
/// reads at their rate (the quiet rate once quiet, none while away), at random times of the
/// day; and their join and leave events.
fn events_of(
    rng: &mut StdRng,
    group: Uuid,
    tz: Tz,
    planned: &[Planned],
) -> Vec<events::ActiveModel> {
    let now = now();
    let mut out = Vec::new();
    for p in planned {
        let end = p.left_at().unwrap_or(now);
        out.push(event(group, p.id, EventKind::MemberJoined, p.joined_at, tz));
        if let Some(left) = p.left_at() {
            out.push(event(group, p.id, EventKind::MemberLeft, left, tz));
        }
        let mut day = p.joined_at;
        while day < end {
            let quiet = p.quiet_from().is_some_and(|q| day >= q);
            let away = p.away.is_some_and(|(from, to)| day >= from && day < to);
            let (messages, reads) = if away {
                (0.0, 0.0)
            } else if quiet {
                (p.messages * p.quiet_messages, 0.0)
            } else {
                (p.messages, p.reads)
            };
            for (kind, lambda) in [
                (EventKind::Message, messages),
                (EventKind::MessageRead, reads),
            ] {
                for _ in 0..poisson(rng, lambda) {
                    let at = day + Duration::seconds(rng.random_range(0..86_400));
                    if at < end && at > p.joined_at {
                        out.push(event(group, p.id, kind, at, tz));
                    }
                }
            }
            day += Duration::days(1);
        }
    }
    out
}

struct Tenant {
    id: Uuid,
    group: Uuid,
    tz: Tz,
}

async fn tenant(db: &Db) -> Tenant {
    let user = users::ActiveModel {
        id: Set(new_id()),
        email: Set("churn@example.com".into()),
        password_hash: Set("x".into()),
        display_name: Set("churn".into()),
        created_at: Set(now()),
    }
    .insert(db.global())
    .await
    .unwrap();
    let tenant = tenancy::create_tenant(
        db,
        user.id,
        tenancy::NewTenant {
            name: "churn",
            slug: "churn",
            kind: TenantKind::Brand,
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
            name: "读书会".into(),
            platform: Platform::Wecom,
            external_id: None,
            kind: GroupKind::Interest,
            admission: AdmissionPolicy::Open,
            positioning: None,
            member_cap: Some(10_000),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Tenant {
        id: tenant.id,
        group: group.id,
        tz: tenancy::timezone_of(&tenant),
    }
}

/// Members, their memberships and their events, in multi-row inserts.
async fn store(tx: &TenantTx, group: Uuid, planned: &[Planned], events: Vec<events::ActiveModel>) {
    let member_rows: Vec<members::ActiveModel> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| members::ActiveModel {
            tenant_id: Set(Uuid::nil()),
            id: Set(p.id),
            platform: Set(Platform::Wecom),
            platform_user_id: Set(format!("wm-{i}-{}", p.id.simple())),
            display_name: Set(Some(format!("上海-成员{i}-教育"))),
            city: Set(None),
            device: Set(None),
            tags: Set(json!([])),
            auto_tags: Set(json!([])),
            blacklisted: Set(false),
            blacklisted_at: Set(None),
            first_seen_at: Set(p.joined_at),
            last_active_at: Set(None),
        })
        .collect();
    for part in member_rows.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .exec_without_returning(tx.conn())
            .await
            .unwrap();
    }
    let memberships: Vec<group_members::ActiveModel> = planned
        .iter()
        .map(|p| group_members::ActiveModel {
            tenant_id: Set(Uuid::nil()),
            group_id: Set(group),
            member_id: Set(p.id),
            joined_at: Set(p.joined_at),
            left_at: Set(p.left_at()),
            removed: Set(p.removed()),
            invited_by: Set(None),
            layer: Set(MemberLayer::Active),
            muted_until: Set(None),
            over_capacity: Set(false),
        })
        .collect();
    for part in memberships.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .exec_without_returning(tx.conn())
            .await
            .unwrap();
    }
    for part in events.chunks(CHUNK) {
        tx.insert_many(part.to_vec())
            .exec_without_returning(tx.conn())
            .await
            .unwrap();
    }
}

async fn scores(tx: &TenantTx) -> HashMap<Uuid, churn_scores::Model> {
    tx.select::<churn_scores::Entity>()
        .all(tx.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.member_id, s))
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

#[tokio::test]
async fn a_model_is_trained_on_the_tenants_history_and_ranks_the_quiet_members_first() {
    let test = TestDb::new().await;
    let t = tenant(&test.db).await;
    let mut rng = StdRng::seed_from_u64(20260601);
    let mut planned = plan(&mut rng, 260, 150, 40, 15);
    let mut events = events_of(&mut rng, t.group, t.tz, &planned);
    let (steady, steady_events, steady_features) = steady(t.group, t.tz);
    let steady_id = steady.id;
    planned.push(steady);
    events.extend(steady_events);
    let event_count = events.len();
    let tx = test.db.tenant_write(t.id).await.unwrap();
    store(&tx, t.group, &planned, events).await;
    tx.commit().await.unwrap();

    // As the worker runs it.
    let tx = test.db.tenant_write(t.id).await.unwrap();
    let settings = defaults::for_tenant(&tx).await.unwrap();
    let pass = churn::run(&tx, &settings, t.tz, now()).await.unwrap();
    tx.commit().await.unwrap();

    let tx = test.db.tenant_read(t.id).await.unwrap();
    let stored = pass
        .model
        .clone()
        .expect("a model is trained, not the heuristic");
    let models = tx
        .select::<churn_models::Entity>()
        .all(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        models,
        vec![stored.clone()],
        "one model row, the one the pass returned"
    );
    assert_eq!(stored.examples as usize, pass.examples);
    assert_eq!(pass.examples, expected_examples(&planned, &settings));
    let auc = stored.auc.expect("a held-out AUC is stored");
    let model: churn_model::Model = serde_json::from_value(stored.model.clone()).unwrap();
    // (The JSON round trip may move a float by an ulp.)
    assert!(
        model.auc.is_some_and(|a| (a - auc).abs() < 1e-12),
        "{:?}",
        model.auc
    );
    assert!(model.trained_on > pass.examples * 3 / 4 && model.trained_on < pass.examples);
    println!(
        "{event_count} events, {} examples, held-out AUC {auc:.3}, {} scored",
        pass.examples, pass.scored
    );
    assert!(auc > 0.8, "held-out AUC {auc}");

    // Every current membership is scored, with the trained model, in [0, 1].
    let scores = scores(&tx).await;
    let current: Vec<&Planned> = planned.iter().filter(|p| p.left_at().is_none()).collect();
    assert_eq!(pass.scored, current.len());
    assert_eq!(scores.len(), current.len());
    assert!(current.iter().all(|p| scores.contains_key(&p.id)));
    for s in scores.values() {
        assert!((0.0..=1.0).contains(&s.risk), "risk {}", s.risk);
        assert_eq!(s.model_id, Some(stored.id));
        assert_eq!(s.scored_at, now());
        assert_eq!(s.group_id, t.group);
    }

    // The members going quiet now rank above the steady active ones.
    let risk_of = |fate: fn(&Fate) -> bool| -> Vec<f64> {
        current
            .iter()
            .filter(|p| fate(&p.fate))
            .map(|p| scores[&p.id].risk)
            .collect()
    };
    let quiet = risk_of(|f| matches!(f, Fate::GoingQuiet { .. }));
    let active = risk_of(|f| matches!(f, Fate::Stays));
    assert_eq!((quiet.len(), active.len()), (40, 261));
    let pairs_ranked = quiet
        .iter()
        .flat_map(|q| active.iter().map(move |a| q > a))
        .filter(|above| *above)
        .count() as f64
        / (quiet.len() * active.len()) as f64;
    println!(
        "mean risk: quiet {:.3}, active {:.3}; quiet above active in {:.1}% of pairs",
        mean(&quiet),
        mean(&active),
        pairs_ranked * 100.0
    );
    assert!(
        mean(&quiet) > mean(&active) + 0.2,
        "{} vs {}",
        mean(&quiet),
        mean(&active)
    );
    assert!(pairs_ranked > 0.9, "{pairs_ranked}");
    // The quiet members' explanation starts with what changed.
    for p in current
        .iter()
        .filter(|p| matches!(p.fate, Fate::GoingQuiet { .. }))
    {
        let top = scores[&p.id].top_features.as_array().unwrap().clone();
        assert_eq!(top.len(), churn_model::TOP_K);
        assert!(top[0]["contribution"].as_f64().unwrap() > 0.0, "{top:?}");
    }
    // The stored score is the trained model's (not the heuristic's) on the features at now.
    let expected = model.score(&steady_features);
    let got = scores[&steady_id].risk;
    assert!(
        (got - expected.risk).abs() < 1e-9,
        "{got} vs {}",
        expected.risk
    );
    assert!((got - churn_model::heuristic(&steady_features).risk).abs() > 1e-6);
}

#[tokio::test]
async fn with_too_few_leavers_the_heuristic_scores() {
    let test = TestDb::new().await;
    let t = tenant(&test.db).await;
    let mut rng = StdRng::seed_from_u64(7);
    // 3 leavers: at most 6 positive examples (two weekly snapshots within 14 days of a
    // leave), under the 10 per class a model needs; hundreds of negatives.
    let mut planned = plan(&mut rng, 30, 3, 2, 0);
    let mut events = events_of(&mut rng, t.group, t.tz, &planned);
    let (steady, steady_events, steady_features) = steady(t.group, t.tz);
    let steady_id = steady.id;
    planned.push(steady);
    events.extend(steady_events);
    let now = now();
    let tx = test.db.tenant_write(t.id).await.unwrap();
    store(&tx, t.group, &planned, events).await;
    tx.commit().await.unwrap();

    let tx = test.db.tenant_write(t.id).await.unwrap();
    let settings = defaults::for_tenant(&tx).await.unwrap();
    let pass = churn::run(&tx, &settings, t.tz, now).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(pass.examples, expected_examples(&planned, &settings));
    assert!(
        pass.examples >= churn_model::MIN_EXAMPLES,
        "enough examples, too few of one class: {}",
        pass.examples
    );
    assert_eq!(pass.model, None, "no model with {} examples", pass.examples);
    let tx = test.db.tenant_read(t.id).await.unwrap();
    assert!(churn::latest_model(&tx).await.unwrap().is_none());
    let scores = scores(&tx).await;
    let current = planned.iter().filter(|p| p.left_at().is_none()).count();
    assert_eq!((pass.scored, scores.len()), (current, current));
    for s in scores.values() {
        assert!((0.0..=1.0).contains(&s.risk), "risk {}", s.risk);
        assert_eq!(s.model_id, None);
    }
    // The heuristic's score, from the features at now.
    let expected = churn_model::heuristic(&steady_features);
    let got = scores[&steady_id].risk;
    assert!(
        (got - expected.risk).abs() < 1e-9,
        "{got} vs {}",
        expected.risk
    );
    let top: Vec<&str> = scores[&steady_id]
        .top_features
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["feature"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        expected.top.iter().map(|c| c.feature).collect::<Vec<_>>()
    );
    // The two members silent for weeks score above the steady one.
    for p in planned
        .iter()
        .filter(|p| matches!(p.fate, Fate::GoingQuiet { .. }))
    {
        assert!(scores[&p.id].risk > got, "{} vs {got}", scores[&p.id].risk);
    }
}
