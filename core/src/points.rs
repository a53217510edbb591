//! Points and badges: an append-only ledger (a balance is a sum), redemption that never takes a
//! balance below zero (also under concurrent requests), badges with criteria, leaderboards.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use qunyun_entity::{badges, member_badges, members, points_ledger};

use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::scope::TenantTx;
use crate::sql::stmt;
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub const MAX_POINTS: i64 = 1_000_000;

/// One ledger entry to write.
pub struct Entry<'a> {
    pub member_id: Uuid,
    pub delta: i64,
    pub reason: &'a str,
    pub source: &'a str,
    /// With `source`, unique: the entry is written at most once.
    pub source_id: Option<String>,
    pub group_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
}

pub fn entry_model(
    tx: &TenantTx,
    entry: Entry<'_>,
    at: DateTime<Utc>,
) -> points_ledger::ActiveModel {
    points_ledger::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        member_id: Set(entry.member_id),
        group_id: Set(entry.group_id),
        campaign_id: Set(entry.campaign_id),
        delta: Set(entry.delta),
        reason: Set(entry.reason.to_owned()),
        source: Set(entry.source.to_owned()),
        source_id: Set(entry.source_id),
        created_at: Set(at),
    }
}

/// Writes entries; one whose (source, source id) exists is skipped.
pub async fn write(tx: &TenantTx, entries: Vec<points_ledger::ActiveModel>) -> DomainResult<()> {
    for part in entries.chunks(500) {
        tx.insert_many(part.to_vec())
            .on_conflict_do_nothing_on([
                points_ledger::Column::TenantId,
                points_ledger::Column::Source,
                points_ledger::Column::SourceId,
            ])
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn balance(tx: &TenantTx, member_id: Uuid) -> DomainResult<i64> {
    Ok(crate::members::balances(tx, &[member_id])
        .await?
        .get(&member_id)
        .copied()
        .unwrap_or(0))
}

fn check_amount(problems: &mut Problems, points: i64) {
    if !(1..=MAX_POINTS).contains(&points) {
        problems.push(FieldError::input(
            "points",
            UserErrorCode::Invalid,
            format!("points is 1 to {MAX_POINTS}"),
        ));
    }
}

fn check_reason(problems: &mut Problems, reason: &str) -> Option<String> {
    problems
        .take(Name::parse("reason", reason, 200))
        .map(|n| n.into_inner())
}

/// Locks the member's row so that concurrent redemptions of one member take turns (Postgres;
/// SQLite write transactions are serialised already).
async fn lock_member(tx: &TenantTx, member_id: Uuid) -> DomainResult<()> {
    if tx.backend() == DbBackend::Postgres {
        tx.conn()
            .query_one_raw(stmt(
                DbBackend::Postgres,
                "SELECT id FROM members WHERE tenant_id = ? AND id = ? FOR UPDATE",
                vec![tx.tenant_id().into(), member_id.into()],
            ))
            .await?;
    }
    Ok(())
}

/// Spends points; refused (`LIMIT_EXCEEDED`) when the balance is short. Returns the new balance.
pub async fn redeem(
    tx: &TenantTx,
    member_id: Uuid,
    points: i64,
    reason: &str,
) -> DomainResult<i64> {
    let mut problems = Problems::new();
    check_amount(&mut problems, points);
    let reason = check_reason(&mut problems, reason);
    problems.finish()?;
    tx.fetch::<members::Entity>(member_id, "member").await?;
    lock_member(tx, member_id).await?;
    let current = balance(tx, member_id).await?;
    if current < points {
        return Err(DomainError::invalid(
            "points",
            UserErrorCode::LimitExceeded,
            format!("the balance is {current}, short of {points}"),
        ));
    }
    let reason = reason.unwrap_or_default();
    tx.insert(entry_model(
        tx,
        Entry {
            member_id,
            delta: -points,
            reason: &reason,
            source: "redemption",
            source_id: None,
            group_id: None,
            campaign_id: None,
        },
        now(),
    ))
    .await?;
    Ok(current - points)
}

/// An operator's award (positive) or deduction (negative), never below zero.
pub async fn adjust(tx: &TenantTx, member_id: Uuid, delta: i64, reason: &str) -> DomainResult<i64> {
    let mut problems = Problems::new();
    if delta == 0 || delta.abs() > MAX_POINTS {
        problems.push(FieldError::input(
            "delta",
            UserErrorCode::Invalid,
            format!("delta is non-zero, within ±{MAX_POINTS}"),
        ));
    }
    let reason = check_reason(&mut problems, reason);
    problems.finish()?;
    if delta < 0 {
        return redeem(tx, member_id, -delta, &reason.unwrap_or_default()).await;
    }
    tx.fetch::<members::Entity>(member_id, "member").await?;
    let reason = reason.unwrap_or_default();
    tx.insert(entry_model(
        tx,
        Entry {
            member_id,
            delta,
            reason: &reason,
            source: "manual",
            source_id: None,
            group_id: None,
            campaign_id: None,
        },
        now(),
    ))
    .await?;
    balance(tx, member_id).await
}

pub async fn ledger(
    tx: &TenantTx,
    member_id: Uuid,
    page: PageRequest,
) -> DomainResult<Page<points_ledger::Model>> {
    let select = tx
        .select::<points_ledger::Entity>()
        .filter(points_ledger::Column::MemberId.eq(member_id));
    Ok(keyset(tx.conn(), select, points_ledger::Column::Id, page).await?)
}

/// What earns a badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criteria {
    /// A streak of `days` in a campaign (or any campaign).
    Streak {
        days: i32,
        campaign_id: Option<Uuid>,
    },
    /// A balance of at least this many points.
    Points { at_least: i64 },
    /// This many check-ins in all.
    Checkins { count: i64 },
}

pub fn parse_criteria(value: &Value) -> Result<Criteria, String> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("criteria.kind is STREAK, POINTS or CHECKINS")?;
    let int = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_i64)
            .filter(|n| *n > 0)
            .ok_or(format!("criteria.{key} is a positive integer"))
    };
    match kind {
        "STREAK" => Ok(Criteria::Streak {
            days: i32::try_from(int("days")?).map_err(|_| "criteria.days is too large")?,
            campaign_id: value
                .get("campaignId")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok()),
        }),
        "POINTS" => Ok(Criteria::Points {
            at_least: int("atLeast")?,
        }),
        "CHECKINS" => Ok(Criteria::Checkins {
            count: int("count")?,
        }),
        _ => Err("criteria.kind is STREAK, POINTS or CHECKINS".into()),
    }
}

pub async fn create_badge(
    tx: &TenantTx,
    name: &str,
    description: Option<String>,
    criteria: Value,
    campaign_id: Option<Uuid>,
) -> DomainResult<badges::Model> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", name, 100));
    if let Err(why) = parse_criteria(&criteria) {
        problems.push(FieldError::input("criteria", UserErrorCode::Invalid, why));
    }
    problems.finish()?;
    let name =
        name.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?;
    Ok(tx
        .insert(badges::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            name: Set(name.into_inner()),
            description: Set(description.map(|d| d.chars().take(1000).collect())),
            criteria: Set(criteria),
            campaign_id: Set(campaign_id),
            created_at: Set(now()),
        })
        .await?)
}

pub async fn badges(tx: &TenantTx) -> DomainResult<Vec<badges::Model>> {
    Ok(tx
        .select::<badges::Entity>()
        .order_by_asc(badges::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Badges a member holds, with when they were awarded.
pub async fn badges_of(
    tx: &TenantTx,
    member_id: Uuid,
) -> DomainResult<Vec<(badges::Model, DateTime<Utc>)>> {
    let held = tx
        .select::<member_badges::Entity>()
        .filter(member_badges::Column::MemberId.eq(member_id))
        .all(tx.conn())
        .await?;
    let ids: Vec<Uuid> = held.iter().map(|h| h.badge_id).collect();
    let found = tx
        .select::<badges::Entity>()
        .filter(badges::Column::Id.is_in(ids))
        .all(tx.conn())
        .await?;
    let mut out: Vec<(badges::Model, DateTime<Utc>)> = found
        .into_iter()
        .filter_map(|b| {
            held.iter()
                .find(|h| h.badge_id == b.id)
                .map(|h| (b, h.awarded_at))
        })
        .collect();
    out.sort_by_key(|(b, at)| (*at, b.id));
    Ok(out)
}

/// A fresh row id inside set-based SQL.
pub fn sql_new_id(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "gen_random_uuid()",
        _ => "randomblob(16)",
    }
}

/// Awards every badge of the tenant whose criteria a member meets, once (set-based: one
/// statement per badge).
pub async fn award_badges(tx: &TenantTx, at: DateTime<Utc>) -> DomainResult<u64> {
    let mut awarded = 0;
    for badge in badges(tx).await? {
        let Ok(criteria) = parse_criteria(&badge.criteria) else {
            continue;
        };
        let (source, mut values): (String, Vec<sea_orm::Value>) = match criteria {
            Criteria::Streak { days, campaign_id } => {
                let campaign = if campaign_id.is_some() { " AND campaign_id = ?" } else { "" };
                let mut values = vec![tx.tenant_id().into(), days.into()];
                values.extend(campaign_id.map(Into::into));
                (format!("SELECT DISTINCT member_id FROM streaks WHERE tenant_id = ? AND longest >= ?{campaign}"), values)
            }
            Criteria::Points { at_least } => (
                "SELECT member_id FROM points_ledger WHERE tenant_id = ? GROUP BY member_id HAVING SUM(delta) >= ?".to_owned(),
                vec![tx.tenant_id().into(), at_least.into()],
            ),
            Criteria::Checkins { count } => (
                "SELECT member_id FROM checkins WHERE tenant_id = ? GROUP BY member_id HAVING COUNT(*) >= ?".to_owned(),
                vec![tx.tenant_id().into(), count.into()],
            ),
        };
        let sql = format!(
            "INSERT INTO member_badges (tenant_id, badge_id, member_id, awarded_at) \
             SELECT ?, ?, q.member_id, ? FROM ({source}) q WHERE true \
             ON CONFLICT (tenant_id, badge_id, member_id) DO NOTHING"
        );
        let mut all: Vec<sea_orm::Value> = vec![tx.tenant_id().into(), badge.id.into(), at.into()];
        all.append(&mut values);
        awarded += tx
            .conn()
            .execute_raw(stmt(tx.backend(), &sql, all))
            .await?
            .rows_affected();
    }
    Ok(awarded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn criteria() {
        assert_eq!(
            parse_criteria(&json!({"kind": "POINTS", "atLeast": 100})),
            Ok(Criteria::Points { at_least: 100 })
        );
        assert_eq!(
            parse_criteria(&json!({"kind": "STREAK", "days": 7})),
            Ok(Criteria::Streak {
                days: 7,
                campaign_id: None
            })
        );
        assert!(parse_criteria(&json!({"kind": "STREAK", "days": 0})).is_err());
        assert!(parse_criteria(&json!({"kind": "FAME"})).is_err());
        assert!(parse_criteria(&json!([])).is_err());
    }
}

/// Whose points a leaderboard counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    Campaign(Uuid),
    Group(Uuid),
}

/// Members by points earned in a campaign or a group, best first.
pub async fn leaderboard(
    tx: &TenantTx,
    board: Board,
    limit: u64,
) -> DomainResult<Vec<(Uuid, i64)>> {
    let (column, id) = match board {
        Board::Campaign(id) => ("campaign_id", id),
        Board::Group(id) => ("group_id", id),
    };
    let rows = tx
        .conn()
        .query_all_raw(stmt(
            tx.backend(),
            &format!(
                "SELECT member_id, CAST(SUM(delta) AS BIGINT) AS total FROM points_ledger \
                 WHERE tenant_id = ? AND {column} = ? GROUP BY member_id ORDER BY total DESC, member_id LIMIT ?"
            ),
            vec![tx.tenant_id().into(), id.into(), (limit as i64).into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push((
            row.try_get::<Uuid>("", "member_id")?,
            row.try_get::<i64>("", "total")?,
        ));
    }
    Ok(out)
}
