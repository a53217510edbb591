//! The rollups job: daily and hourly group statistics from the events, incrementally.
//!
//! Every event carries its tenant-local day and hour (set at ingest). A pass finds the
//! `(group, local day)` pairs touched by events received since the tenant's watermark (less a
//! grace period, for ingest transactions that committed late) and recomputes those days whole
//! from the events — one `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE` per group — so
//! today is refreshed through the day, closed days stay final, and a late event corrects the
//! day it belongs to. Recomputing (never adding deltas) makes a repeated pass harmless and keeps
//! distinct counts (active members) exact.
//!
//! A full pass (`Rollup::Full`: the first pass of a tenant, or a backfill) fills the local day
//! and hour of events stored before they existed, then recomputes every day of every group.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};
use uuid::Uuid;

use qunyun_entity::{events, rollup_state};

use crate::DomainResult;
use crate::scope::TenantTx;
use crate::sql::{marks, stmt, update_by_id};

/// Events received this long before the watermark are looked at again: an ingest transaction
/// stamps `received_at` before it commits.
pub const GRACE: Duration = Duration::minutes(5);
/// Days recomputed per statement.
const DAYS_PER_STATEMENT: usize = 200;
/// Events given their local day per statement during a backfill.
const BACKFILL_BATCH: u64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollup {
    /// Only the days touched by events received since the watermark.
    Incremental,
    /// Every day (and the local day of events stored without one).
    Full,
}

/// The day columns, in the order of [`DAY_AGGREGATES`].
const DAY_COLUMNS: &str = "messages, active_members, joins, exits, ad_messages, complaints, reads, saves, clicks, conversions";
const DAY_AGGREGATES: &str = "SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END), \
     COUNT(DISTINCT CASE WHEN kind = 'message' THEN member_id END), \
     SUM(CASE WHEN kind = 'member_joined' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'member_left' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'message' AND flagged THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'message_read' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'content_saved' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'link_clicked' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN kind = 'order_paid' THEN 1 ELSE 0 END)";

/// One pass for one tenant; returns the `(group, day)` rows recomputed.
pub async fn run(tx: &TenantTx, tz: Tz, mode: Rollup, at: DateTime<Utc>) -> DomainResult<u64> {
    let state = tx.select::<rollup_state::Entity>().one(tx.conn()).await?;
    let mode = if state.is_none() { Rollup::Full } else { mode };
    let watermark = state.map(|s| s.watermark);
    let newest: Option<DateTime<Utc>> = tx
        .select::<events::Entity>()
        .select_only()
        .column_as(events::Column::ReceivedAt.max(), "newest")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(tx.conn())
        .await?
        .flatten();
    let written = match mode {
        Rollup::Full => {
            backfill_local_time(tx, tz).await?;
            recompute(tx, None).await?
        }
        Rollup::Incremental => {
            let since = watermark.unwrap_or(DateTime::<Utc>::MIN_UTC) - GRACE;
            let touched = touched_days(tx, since).await?;
            recompute(tx, Some(&touched)).await?
        }
    };
    // A full pass rewrites the tables: fresh statistics for the dashboards' plans.
    if mode == Rollup::Full && tx.backend() == sea_orm::DbBackend::Postgres {
        tx.conn()
            .execute_unprepared("ANALYZE group_day_stats, group_hour_stats")
            .await?;
    }
    let watermark = newest.max(watermark).unwrap_or(at);
    tx.insert_many(vec![rollup_state::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        watermark: Set(watermark),
        updated_at: Set(at),
    }])
    .on_conflict(
        OnConflict::column(rollup_state::Column::TenantId)
            .update_columns([
                rollup_state::Column::Watermark,
                rollup_state::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx.conn())
    .await?;
    Ok(written)
}

/// The `(group, day)` pairs with events received after `since`.
async fn touched_days(
    tx: &TenantTx,
    since: DateTime<Utc>,
) -> DomainResult<BTreeMap<Uuid, BTreeSet<NaiveDate>>> {
    let pairs: Vec<(Uuid, Option<NaiveDate>)> = tx
        .select::<events::Entity>()
        .select_only()
        .column(events::Column::GroupId)
        .column(events::Column::LocalDay)
        .distinct()
        .filter(events::Column::ReceivedAt.gt(since))
        .into_tuple()
        .all(tx.conn())
        .await?;
    let mut out: BTreeMap<Uuid, BTreeSet<NaiveDate>> = BTreeMap::new();
    for (group, day) in pairs {
        if let Some(day) = day {
            out.entry(group).or_default().insert(day);
        }
    }
    Ok(out)
}

/// Recomputes the day and hour rows of `days` (every day when `None`).
async fn recompute(
    tx: &TenantTx,
    days: Option<&BTreeMap<Uuid, BTreeSet<NaiveDate>>>,
) -> DomainResult<u64> {
    let Some(days) = days else {
        return upsert(tx, "", Vec::new()).await;
    };
    let mut written = 0;
    for (group, days) in days {
        let days: Vec<NaiveDate> = days.iter().copied().collect();
        for part in days.chunks(DAYS_PER_STATEMENT) {
            let filter = format!(" AND group_id = ? AND local_day IN ({})", marks(part.len()));
            let mut values: Vec<Value> = vec![(*group).into()];
            values.extend(part.iter().map(|d| Value::from(*d)));
            written += upsert(tx, &filter, values).await?;
        }
    }
    Ok(written)
}

/// Writes the day and hour rows of the events matching `filter` (bound by `values`).
async fn upsert(tx: &TenantTx, filter: &str, values: Vec<Value>) -> DomainResult<u64> {
    let backend = tx.backend();
    let updates = |columns: &str| {
        columns
            .split(", ")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tenant: Value = tx.tenant_id().into();
    let mut day_values = vec![crate::ids::now().into(), tenant.clone()];
    day_values.extend(values.iter().cloned());
    let day = tx
        .conn()
        .execute_raw(stmt(
            backend,
            &format!(
                "INSERT INTO group_day_stats (updated_at, tenant_id, group_id, day, {DAY_COLUMNS}) \
                 SELECT ?, tenant_id, group_id, local_day, {DAY_AGGREGATES} FROM events \
                 WHERE tenant_id = ? AND local_day IS NOT NULL{filter} \
                 GROUP BY tenant_id, group_id, local_day \
                 ON CONFLICT (tenant_id, group_id, day) DO UPDATE SET updated_at = excluded.updated_at, {}",
                updates(DAY_COLUMNS)
            ),
            day_values,
        ))
        .await?;
    let mut hour_values = vec![tenant];
    hour_values.extend(values);
    tx.conn()
        .execute_raw(stmt(
            backend,
            &format!(
                "INSERT INTO group_hour_stats (tenant_id, group_id, day, hour, messages, active_members) \
                 SELECT tenant_id, group_id, local_day, local_hour, COUNT(*), COUNT(DISTINCT member_id) FROM events \
                 WHERE tenant_id = ? AND kind = 'message' AND local_day IS NOT NULL AND local_hour IS NOT NULL{filter} \
                 GROUP BY tenant_id, group_id, local_day, local_hour \
                 ON CONFLICT (tenant_id, group_id, day, hour) DO UPDATE SET {}",
                updates("messages, active_members")
            ),
            hour_values,
        ))
        .await?;
    Ok(day.rows_affected())
}

/// Gives events stored before local days existed their local day and hour, in batches.
async fn backfill_local_time(tx: &TenantTx, tz: Tz) -> DomainResult<u64> {
    let mut filled = 0;
    loop {
        let batch: Vec<(Uuid, DateTime<Utc>)> = tx
            .select::<events::Entity>()
            .select_only()
            .column(events::Column::Id)
            .column(events::Column::OccurredAt)
            .filter(events::Column::LocalDay.is_null())
            .order_by_asc(events::Column::Id)
            .limit(BACKFILL_BATCH)
            .into_tuple()
            .all(tx.conn())
            .await?;
        if batch.is_empty() {
            return Ok(filled);
        }
        filled += batch.len() as u64;
        let (mut days, mut hours) = (Vec::new(), Vec::new());
        for (id, occurred_at) in batch {
            let local = occurred_at.with_timezone(&tz);
            days.push((id, Value::from(local.date_naive())));
            hours.push((id, Value::from(local.hour() as i32)));
        }
        update_by_id(tx, "events", "local_hour", "integer", hours, None).await?;
        update_by_id(tx, "events", "local_day", "date", days, None).await?;
    }
}
