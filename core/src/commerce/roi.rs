//! The ROI aggregation and its reports.
//!
//! `roi_daily` holds, per tenant-local day and currency, the revenue (net of refunds), refunds,
//! orders, clicks and cost of every offer, campaign, group and of the tenant. A pass
//! (`run-once roi`, and hourly) recomputes whole the days touched by orders, refunds and clicks
//! received since the tenant's watermark (less a grace period) — one `INSERT … SELECT …
//! GROUP BY` for all four scopes — so a repeat is harmless and late data corrects its own day;
//! a full pass (the first of a tenant, or `--full`) recomputes every day. Costs are few (an
//! offer's cost on its creation day, a campaign's on its start day, `recordCost` entries on
//! their day) and are rewritten whole on every pass.
//!
//! Costs roll up the way revenue does: an offer's cost counts for the offer, its campaign, its
//! group and the tenant; a campaign's own cost for the campaign and the tenant (it is not split
//! among the campaign's groups); a group's for the group and the tenant. Sums are integers all
//! the way (`SUM` over `bigint`; never a float); a report has one currency.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect,
    Value,
};
use uuid::Uuid;

use qunyun_entity::{
    RoiScope, campaigns, cost_entries, groups, offer_clicks, offers, order_refunds, orders,
    roi_daily, roi_state,
};

use crate::monitoring::rollups::{GRACE, Rollup};
use crate::scope::TenantTx;
use crate::sql::{marks, stmt};
use crate::validate::{Problems, check_currency};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

/// Days recomputed per statement.
const DAYS_PER_STATEMENT: usize = 100;
/// Cost rows upserted per statement.
const COST_ROWS_PER_STATEMENT: usize = 500;
/// The longest range a report sums.
pub const MAX_REPORT_DAYS: i64 = 3660;

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RoiPass {
    pub days: usize,
    pub rows: u64,
    pub cost_rows: usize,
}

/// One pass for one tenant.
pub async fn run(tx: &TenantTx, tz: Tz, mode: Rollup, at: DateTime<Utc>) -> DomainResult<RoiPass> {
    let state = tx.select::<roi_state::Entity>().one(tx.conn()).await?;
    let mode = if state.is_none() { Rollup::Full } else { mode };
    let watermark = state.map(|s| s.watermark);
    let newest = newest_arrival(tx).await?;
    let mut pass = RoiPass::default();
    match mode {
        Rollup::Full => {
            tx.delete_many::<roi_daily::Entity>()
                .exec(tx.conn())
                .await?;
            pass.rows = aggregate(tx, None).await?;
            pass.days = usize::MAX;
        }
        Rollup::Incremental => {
            let since = watermark.unwrap_or(DateTime::<Utc>::MIN_UTC) - GRACE;
            let days: Vec<NaiveDate> = touched_days(tx, since).await?.into_iter().collect();
            pass.days = days.len();
            for part in days.chunks(DAYS_PER_STATEMENT) {
                tx.delete_many::<roi_daily::Entity>()
                    .filter(roi_daily::Column::Day.is_in(part.iter().copied()))
                    .exec(tx.conn())
                    .await?;
                pass.rows += aggregate(tx, Some(part)).await?;
            }
        }
    }
    pass.cost_rows = write_costs(tx, tz).await?;
    // A full pass rewrites the table: fresh statistics, or the planner (trusting the empty
    // table it last sampled) scans every scope's rows of the range for a report.
    if mode == Rollup::Full && tx.backend() == sea_orm::DbBackend::Postgres {
        tx.conn().execute_unprepared("ANALYZE roi_daily").await?;
    }
    let watermark = newest.max(watermark).unwrap_or(at);
    tx.insert_many(vec![roi_state::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        watermark: Set(watermark),
        updated_at: Set(at),
    }])
    .on_conflict(
        OnConflict::column(roi_state::Column::TenantId)
            .update_columns([roi_state::Column::Watermark, roi_state::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(tx.conn())
    .await?;
    Ok(pass)
}

async fn newest_arrival(tx: &TenantTx) -> DomainResult<Option<DateTime<Utc>>> {
    let orders: Option<DateTime<Utc>> = tx
        .select::<orders::Entity>()
        .select_only()
        .column_as(orders::Column::ReceivedAt.max(), "newest")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(tx.conn())
        .await?
        .flatten();
    let refunds: Option<DateTime<Utc>> = tx
        .select::<order_refunds::Entity>()
        .select_only()
        .column_as(order_refunds::Column::ReceivedAt.max(), "newest")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(tx.conn())
        .await?
        .flatten();
    let clicks: Option<DateTime<Utc>> = tx
        .select::<offer_clicks::Entity>()
        .select_only()
        .column_as(offer_clicks::Column::ReceivedAt.max(), "newest")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(tx.conn())
        .await?
        .flatten();
    Ok(orders.max(refunds).max(clicks))
}

/// The local days with orders, refunds or clicks received after `since`.
async fn touched_days(tx: &TenantTx, since: DateTime<Utc>) -> DomainResult<BTreeSet<NaiveDate>> {
    #[derive(FromQueryResult)]
    struct Day {
        day: NaiveDate,
    }
    let t: Value = tx.tenant_id().into();
    let s: Value = since.into();
    let rows = Day::find_by_statement(stmt(
        tx.backend(),
        "SELECT local_day AS day FROM orders WHERE tenant_id = ? AND received_at > ? \
         UNION SELECT local_day AS day FROM offer_clicks WHERE tenant_id = ? AND received_at > ? \
         UNION SELECT o.local_day AS day FROM order_refunds r JOIN orders o \
           ON o.tenant_id = r.tenant_id AND o.order_ref = r.order_ref \
           WHERE r.tenant_id = ? AND r.received_at > ?",
        vec![t.clone(), s.clone(), t.clone(), s.clone(), t, s],
    ))
    .all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(|r| r.day).collect())
}

/// Writes the order and click aggregates of `days` (every day when `None`) for all scopes.
async fn aggregate(tx: &TenantTx, days: Option<&[NaiveDate]>) -> DomainResult<u64> {
    let t: Value = tx.tenant_id().into();
    let (order_days, click_days, day_values) = match days {
        None => (String::new(), String::new(), Vec::new()),
        Some(days) => (
            format!(" AND o.local_day IN ({})", marks(days.len())),
            format!(" AND c.local_day IN ({})", marks(days.len())),
            days.iter().map(|d| Value::from(*d)).collect::<Vec<_>>(),
        ),
    };
    let sums = "CAST(SUM(gross) - SUM(refunded) AS bigint), CAST(SUM(refunded) AS bigint), \
                CAST(SUM(orders) AS bigint), CAST(SUM(refunds) AS bigint), \
                CAST(SUM(clicks) AS bigint), 0";
    let sql = format!(
        "WITH lines AS ( \
           SELECT o.local_day AS day, o.currency AS currency, o.offer_id AS offer_id, \
             o.campaign_id AS campaign_id, o.group_id AS group_id, \
             SUM(o.amount_minor) AS gross, \
             SUM(CASE WHEN r.amount_minor IS NULL THEN 0 \
                      WHEN r.amount_minor > o.amount_minor THEN o.amount_minor \
                      ELSE r.amount_minor END) AS refunded, \
             COUNT(*) AS orders, COUNT(r.order_ref) AS refunds, 0 AS clicks \
           FROM orders o LEFT JOIN order_refunds r ON r.tenant_id = o.tenant_id \
             AND r.order_ref = o.order_ref AND r.currency = o.currency \
           WHERE o.tenant_id = ?{order_days} \
           GROUP BY o.local_day, o.currency, o.offer_id, o.campaign_id, o.group_id \
           UNION ALL \
           SELECT c.local_day, f.currency, c.offer_id, c.campaign_id, c.group_id, \
             0, 0, 0, 0, COUNT(*) \
           FROM offer_clicks c JOIN offers f ON f.tenant_id = c.tenant_id AND f.id = c.offer_id \
           WHERE c.tenant_id = ?{click_days} \
           GROUP BY c.local_day, f.currency, c.offer_id, c.campaign_id, c.group_id \
         ) \
         INSERT INTO roi_daily (tenant_id, scope, scope_id, day, currency, revenue_minor, \
           refunded_minor, orders, refunds, clicks, cost_minor) \
         SELECT ?, 'OFFER', offer_id, day, currency, {sums} FROM lines \
           WHERE offer_id IS NOT NULL GROUP BY offer_id, day, currency \
         UNION ALL SELECT ?, 'CAMPAIGN', campaign_id, day, currency, {sums} FROM lines \
           WHERE campaign_id IS NOT NULL GROUP BY campaign_id, day, currency \
         UNION ALL SELECT ?, 'GROUP', group_id, day, currency, {sums} FROM lines \
           WHERE group_id IS NOT NULL GROUP BY group_id, day, currency \
         UNION ALL SELECT ?, 'TENANT', ?, day, currency, {sums} FROM lines \
           GROUP BY day, currency"
    );
    let mut values = vec![t.clone()];
    values.extend(day_values.iter().cloned());
    values.push(t.clone());
    values.extend(day_values);
    values.extend([t.clone(), t.clone(), t.clone(), t.clone(), t]);
    let done = tx
        .conn()
        .execute_raw(stmt(tx.backend(), &sql, values))
        .await?;
    Ok(done.rows_affected())
}

type CostKey = (RoiScope, Uuid, NaiveDate, String);

fn add_cost(costs: &mut BTreeMap<CostKey, i64>, key: CostKey, amount: i64) -> DomainResult<()> {
    let slot = costs.entry(key).or_insert(0);
    *slot = slot
        .checked_add(amount)
        .ok_or_else(|| DomainError::internal(anyhow::anyhow!("cost sum overflows i64")))?;
    Ok(())
}

/// The cost lines of the tenant, rolled up to every scope they count for.
pub async fn cost_lines(tx: &TenantTx, tz: Tz) -> DomainResult<BTreeMap<CostKey, i64>> {
    let tenant = tx.tenant_id();
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let offers: BTreeMap<Uuid, offers::Model> = tx
        .select::<offers::Entity>()
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut costs = BTreeMap::new();
    let offer_cost = |costs: &mut BTreeMap<CostKey, i64>,
                      offer: &offers::Model,
                      day: NaiveDate,
                      currency: &str,
                      amount: i64|
     -> DomainResult<()> {
        add_cost(
            costs,
            (RoiScope::Offer, offer.id, day, currency.into()),
            amount,
        )?;
        if let Some(c) = offer.campaign_id {
            add_cost(costs, (RoiScope::Campaign, c, day, currency.into()), amount)?;
        }
        if let Some(g) = offer.group_id {
            add_cost(costs, (RoiScope::Group, g, day, currency.into()), amount)?;
        }
        add_cost(
            costs,
            (RoiScope::Tenant, tenant, day, currency.into()),
            amount,
        )
    };
    for offer in offers.values().filter(|o| o.cost_minor > 0) {
        offer_cost(
            &mut costs,
            offer,
            local(offer.created_at),
            &offer.currency,
            offer.cost_minor,
        )?;
    }
    let campaigns = tx
        .select::<campaigns::Entity>()
        .filter(campaigns::Column::CostMinor.gt(0))
        .all(tx.conn())
        .await?;
    for c in campaigns {
        let day = local(c.starts_at);
        add_cost(
            &mut costs,
            (RoiScope::Campaign, c.id, day, c.currency.clone()),
            c.cost_minor,
        )?;
        add_cost(
            &mut costs,
            (RoiScope::Tenant, tenant, day, c.currency),
            c.cost_minor,
        )?;
    }
    let entries = tx.select::<cost_entries::Entity>().all(tx.conn()).await?;
    for e in entries {
        let (day, cur, amount) = (e.incurred_on, e.currency.clone(), e.amount_minor);
        match e.scope {
            RoiScope::Offer => {
                if let Some(offer) = e.offer_id.and_then(|id| offers.get(&id)) {
                    offer_cost(&mut costs, offer, day, &cur, amount)?;
                }
            }
            RoiScope::Campaign => {
                if let Some(c) = e.campaign_id {
                    add_cost(
                        &mut costs,
                        (RoiScope::Campaign, c, day, cur.clone()),
                        amount,
                    )?;
                    add_cost(&mut costs, (RoiScope::Tenant, tenant, day, cur), amount)?;
                }
            }
            RoiScope::Group => {
                if let Some(g) = e.group_id {
                    add_cost(&mut costs, (RoiScope::Group, g, day, cur.clone()), amount)?;
                    add_cost(&mut costs, (RoiScope::Tenant, tenant, day, cur), amount)?;
                }
            }
            RoiScope::Tenant => add_cost(&mut costs, (RoiScope::Tenant, tenant, day, cur), amount)?,
        }
    }
    Ok(costs)
}

/// Rewrites the cost column: zero it, then upsert every cost line.
async fn write_costs(tx: &TenantTx, tz: Tz) -> DomainResult<usize> {
    tx.update_many::<roi_daily::Entity>()
        .col_expr(
            roi_daily::Column::CostMinor,
            sea_orm::sea_query::Expr::value(0i64),
        )
        .filter(roi_daily::Column::CostMinor.ne(0i64))
        .exec(tx.conn())
        .await?;
    let lines = cost_lines(tx, tz).await?;
    let count = lines.len();
    let rows: Vec<roi_daily::ActiveModel> = lines
        .into_iter()
        .map(
            |((scope, scope_id, day, currency), cost)| roi_daily::ActiveModel {
                tenant_id: Set(tx.tenant_id()),
                scope: Set(scope),
                scope_id: Set(scope_id),
                day: Set(day),
                currency: Set(currency),
                revenue_minor: Set(0),
                refunded_minor: Set(0),
                orders: Set(0),
                refunds: Set(0),
                clicks: Set(0),
                cost_minor: Set(cost),
            },
        )
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<_> = rows.by_ref().take(COST_ROWS_PER_STATEMENT).collect();
        tx.insert_many(part)
            .on_conflict(
                OnConflict::columns([
                    roi_daily::Column::TenantId,
                    roi_daily::Column::Scope,
                    roi_daily::Column::ScopeId,
                    roi_daily::Column::Day,
                    roi_daily::Column::Currency,
                ])
                .update_column(roi_daily::Column::CostMinor)
                .to_owned(),
            )
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(count)
}

/// Integer sums of one scope over a range, in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub scope: RoiScope,
    pub scope_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: String,
    /// Net of refunds.
    pub revenue_minor: i64,
    pub refunded_minor: i64,
    pub cost_minor: i64,
    pub orders: i64,
    pub refunds: i64,
    pub clicks: i64,
    /// When the aggregation last ran for the tenant (`None`: never yet).
    pub as_of: Option<DateTime<Utc>>,
}

impl Report {
    /// Revenue / cost; `None` for a zero cost.
    pub fn roi(&self) -> Option<f64> {
        (self.cost_minor != 0).then(|| self.revenue_minor as f64 / self.cost_minor as f64)
    }
    /// Orders / clicks; `None` without clicks.
    pub fn conversion_rate(&self) -> Option<f64> {
        (self.clicks != 0).then(|| self.orders as f64 / self.clicks as f64)
    }
}

#[derive(Debug, FromQueryResult)]
struct Sums {
    currency: String,
    revenue: i64,
    refunded: i64,
    cost: i64,
    orders: i64,
    refunds: i64,
    clicks: i64,
}

fn invalid(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid(vec![FieldError::input(
        field,
        UserErrorCode::Invalid,
        message,
    )])
}

/// The scope's row id and its natural currency (the offer's or campaign's own).
async fn resolve_scope(
    tx: &TenantTx,
    scope: RoiScope,
    id: Option<Uuid>,
) -> DomainResult<(Uuid, Option<String>)> {
    match (scope, id) {
        (RoiScope::Tenant, None) => Ok((tx.tenant_id(), None)),
        (RoiScope::Tenant, Some(id)) if id == tx.tenant_id() => Ok((id, None)),
        (RoiScope::Tenant, Some(_)) => Err(DomainError::NotFound("tenant")),
        (_, None) => Err(invalid("id", "the offer, campaign or group to report on")),
        (RoiScope::Offer, Some(id)) => {
            let o = tx.fetch::<offers::Entity>(id, "offer").await?;
            Ok((o.id, Some(o.currency)))
        }
        (RoiScope::Campaign, Some(id)) => {
            let c = tx.fetch::<campaigns::Entity>(id, "campaign").await?;
            Ok((c.id, Some(c.currency)))
        }
        (RoiScope::Group, Some(id)) => {
            let g = tx.fetch::<groups::Entity>(id, "group").await?;
            Ok((g.id, None))
        }
    }
}

fn check_range(from: NaiveDate, to: NaiveDate) -> DomainResult<()> {
    if from > to {
        return Err(invalid("from", "`from` is after `to`"));
    }
    if (to - from).num_days() >= MAX_REPORT_DAYS {
        return Err(invalid(
            "to",
            format!("a report covers at most {MAX_REPORT_DAYS} days"),
        ));
    }
    Ok(())
}

fn normalise_currency(currency: Option<&str>) -> DomainResult<Option<String>> {
    let Some(raw) = currency else {
        return Ok(None);
    };
    let mut problems = Problems::new();
    let code = check_currency(&mut problems, "currency", raw);
    problems.finish()?;
    Ok(Some(code))
}

/// The sums per currency of one scope's days `from..=to`.
async fn sums(
    tx: &TenantTx,
    scope: RoiScope,
    scope_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<Vec<Sums>> {
    Ok(Sums::find_by_statement(stmt(
        tx.backend(),
        "SELECT currency, CAST(SUM(revenue_minor) AS bigint) AS revenue, \
           CAST(SUM(refunded_minor) AS bigint) AS refunded, CAST(SUM(cost_minor) AS bigint) AS cost, \
           CAST(SUM(orders) AS bigint) AS orders, CAST(SUM(refunds) AS bigint) AS refunds, \
           CAST(SUM(clicks) AS bigint) AS clicks \
         FROM roi_daily WHERE tenant_id = ? AND scope = ? AND scope_id = ? AND day >= ? AND day <= ? \
         GROUP BY currency ORDER BY currency",
        vec![
            tx.tenant_id().into(),
            scope.as_str().into(),
            scope_id.into(),
            from.into(),
            to.into(),
        ],
    ))
    .all(tx.conn())
    .await?)
}

/// The report's currency: the one asked for; else the one the rows have (an error naming them
/// when they have several); else `fallback`.
fn choose_currency(
    rows: &[Sums],
    asked: Option<String>,
    fallback: impl FnOnce() -> String,
) -> DomainResult<String> {
    if let Some(c) = asked {
        return Ok(c);
    }
    match rows {
        [] => Ok(fallback()),
        [one] => Ok(one.currency.clone()),
        many => Err(invalid(
            "currency",
            format!(
                "this scope has amounts in {}: pass `currency` (amounts are never converted)",
                many.iter()
                    .map(|r| r.currency.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// When the aggregation last ran for the tenant.
async fn as_of(tx: &TenantTx) -> DomainResult<Option<DateTime<Utc>>> {
    Ok(tx
        .select::<roi_state::Entity>()
        .one(tx.conn())
        .await?
        .map(|s| s.updated_at))
}

struct Span {
    scope: RoiScope,
    scope_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
}

fn build(span: Span, currency: String, rows: Vec<Sums>, as_of: Option<DateTime<Utc>>) -> Report {
    let row = rows.into_iter().find(|r| r.currency == currency);
    let get = |f: fn(&Sums) -> i64| row.as_ref().map_or(0, f);
    Report {
        scope: span.scope,
        scope_id: span.scope_id,
        from: span.from,
        to: span.to,
        revenue_minor: get(|r| r.revenue),
        refunded_minor: get(|r| r.refunded),
        cost_minor: get(|r| r.cost),
        orders: get(|r| r.orders),
        refunds: get(|r| r.refunds),
        clicks: get(|r| r.clicks),
        currency,
        as_of,
    }
}

/// `roi(scope, id, from, to, currency)`: the sums of the aggregated days. Without `currency`,
/// the one currency the scope has amounts in (an error listing them when it has several; the
/// offer's or campaign's own, or `default_currency`, when it has none).
pub async fn report(
    tx: &TenantTx,
    scope: RoiScope,
    id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
    currency: Option<&str>,
    default_currency: &str,
) -> DomainResult<Report> {
    check_range(from, to)?;
    let currency = normalise_currency(currency)?;
    let (scope_id, own_currency) = resolve_scope(tx, scope, id).await?;
    let rows = sums(tx, scope, scope_id, from, to).await?;
    let chosen = choose_currency(&rows, currency, || {
        own_currency.unwrap_or_else(|| default_currency.to_owned())
    })?;
    let span = Span {
        scope,
        scope_id,
        from,
        to,
    };
    Ok(build(span, chosen, rows, as_of(tx).await?))
}

/// A group's age and its ROI before and after its nurture period.
#[derive(Debug, Clone, PartialEq)]
pub struct NurtureGuard {
    pub group: groups::Model,
    pub created_on: NaiveDate,
    pub age_days: i64,
    pub nurture_days: i64,
    /// The first day after the nurture period.
    pub nurtured_on: NaiveDate,
    pub nurtured: bool,
    /// From the group's first day to the end of its nurture period (or today).
    pub before: Report,
    /// From `nurtured_on` to today; `None` while the group is still being nurtured.
    pub after: Option<Report>,
}

pub async fn nurture_guard(
    tx: &TenantTx,
    tz: Tz,
    group_id: Uuid,
    nurture_days: i64,
    currency: Option<&str>,
    default_currency: &str,
    at: DateTime<Utc>,
) -> DomainResult<NurtureGuard> {
    let currency = normalise_currency(currency)?;
    let group = tx.fetch::<groups::Entity>(group_id, "group").await?;
    let created_on = group.created_at.with_timezone(&tz).date_naive();
    let today = at.with_timezone(&tz).date_naive().max(created_on);
    let nurture_days = nurture_days.max(0);
    let nurtured_on = created_on + Duration::days(nurture_days);
    let nurtured = today >= nurtured_on;
    // One currency for both halves: the one the whole life of the group has.
    let whole = sums(tx, RoiScope::Group, group.id, created_on, today).await?;
    let chosen = choose_currency(&whole, currency, || default_currency.to_owned())?;
    let as_of = as_of(tx).await?;
    let half = |from: NaiveDate, to: NaiveDate| {
        let chosen = chosen.clone();
        async move {
            let rows = sums(tx, RoiScope::Group, group_id, from, to).await?;
            let span = Span {
                scope: RoiScope::Group,
                scope_id: group_id,
                from,
                to,
            };
            DomainResult::Ok(build(span, chosen, rows, as_of))
        }
    };
    let before_end = if nurtured {
        nurtured_on - Duration::days(1)
    } else {
        today
    };
    let before = half(created_on, before_end.max(created_on)).await?;
    let after = if nurtured {
        Some(half(nurtured_on, today).await?)
    } else {
        None
    };
    Ok(NurtureGuard {
        group,
        created_on,
        age_days: (today - created_on).num_days(),
        nurture_days,
        nurtured_on,
        nurtured,
        before,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(revenue: i64, cost: i64, orders: i64, clicks: i64) -> Report {
        Report {
            scope: RoiScope::Tenant,
            scope_id: Uuid::nil(),
            from: NaiveDate::MIN,
            to: NaiveDate::MIN,
            currency: "CNY".into(),
            revenue_minor: revenue,
            refunded_minor: 0,
            cost_minor: cost,
            orders,
            refunds: 0,
            clicks,
            as_of: None,
        }
    }

    #[test]
    fn roi_is_revenue_over_cost_and_null_for_no_cost() {
        assert_eq!(report(43_000, 10_000, 0, 0).roi(), Some(4.3));
        assert_eq!(report(43_000, 0, 0, 0).roi(), None);
        assert_eq!(report(0, 0, 3, 12).conversion_rate(), Some(0.25));
        assert_eq!(report(0, 0, 3, 0).conversion_rate(), None);
    }

    #[test]
    fn cost_sums_refuse_to_overflow() {
        let mut costs = BTreeMap::new();
        let key = (
            RoiScope::Tenant,
            Uuid::nil(),
            NaiveDate::MIN,
            "CNY".to_owned(),
        );
        add_cost(&mut costs, key.clone(), i64::MAX - 1).unwrap();
        add_cost(&mut costs, key.clone(), 1).unwrap();
        assert_eq!(costs[&key], i64::MAX);
        assert!(add_cost(&mut costs, key, 1).is_err());
    }
}
