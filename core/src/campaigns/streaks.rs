//! Check-in streaks: consecutive local days with a check-in, per member and campaign.
//!
//! Reading a streak computes it from the check-ins themselves (always correct). The midnight
//! job (`streaks`, at each tenant's local midnight) writes the same numbers for every member in
//! a handful of set-based statements — gaps and islands over the check-in days — resets broken
//! streaks, marks members who reached the target days completed, and awards milestone points
//! and badges exactly once (unique ledger keys and badge rows), however often it runs.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use qunyun_entity::{CampaignKind, badges, campaigns, checkins};

use crate::DomainResult;
use crate::points::sql_new_id;
use crate::scope::TenantTx;
use crate::sql::stmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streak {
    pub current: i32,
    pub longest: i32,
    pub last_checkin_on: Option<NaiveDate>,
}

/// A streak from its check-in days (any order). `current` counts the run ending on the last
/// day if that day is `today` or yesterday (a streak breaks after a whole missed day).
pub fn from_days(days: &[NaiveDate], today: NaiveDate) -> Streak {
    let mut days = days.to_vec();
    days.sort();
    days.dedup();
    let Some(last) = days.last().copied() else {
        return Streak::default();
    };
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for day in &days {
        run = match previous {
            Some(p) if *day - p == Duration::days(1) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*day);
    }
    let current = if today - last <= Duration::days(1) {
        run
    } else {
        0
    };
    Streak {
        current,
        longest,
        last_checkin_on: Some(last),
    }
}

/// One member's streak in a campaign, from the check-ins, as of now in the tenant's zone.
pub async fn read(
    tx: &TenantTx,
    tz: Tz,
    campaign_id: Uuid,
    member_id: Uuid,
    at: DateTime<Utc>,
) -> DomainResult<Streak> {
    let days: Vec<NaiveDate> = tx
        .select::<checkins::Entity>()
        .select_only()
        .column(checkins::Column::LocalDate)
        .filter(checkins::Column::CampaignId.eq(campaign_id))
        .filter(checkins::Column::MemberId.eq(member_id))
        .order_by_asc(checkins::Column::LocalDate)
        .into_tuple()
        .all(tx.conn())
        .await?;
    Ok(from_days(&days, at.with_timezone(&tz).date_naive()))
}

/// The island key of a check-in day: constant along a run of consecutive days.
fn island(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "local_date - CAST(ROW_NUMBER() OVER (PARTITION BY campaign_id, member_id ORDER BY local_date) AS integer)"
        }
        _ => {
            "julianday(local_date) - ROW_NUMBER() OVER (PARTITION BY campaign_id, member_id ORDER BY local_date)"
        }
    }
}

/// `campaign_id, member_id, current, longest, last_day` for every member with check-ins in the
/// tenant (optionally one campaign), as of the local day `today`; binds: tenant, [campaign],
/// yesterday.
fn streaks_sql(backend: DbBackend, one_campaign: bool) -> String {
    let campaign = if one_campaign {
        " AND campaign_id = ?"
    } else {
        ""
    };
    format!(
        "WITH days AS ( \
           SELECT campaign_id, member_id, local_date, {island} AS island \
           FROM checkins WHERE tenant_id = ?{campaign} \
         ), runs AS ( \
           SELECT campaign_id, member_id, COUNT(*) AS len, MAX(local_date) AS last_day, \
                  ROW_NUMBER() OVER (PARTITION BY campaign_id, member_id ORDER BY MAX(local_date) DESC) AS recent \
           FROM days GROUP BY campaign_id, member_id, island \
         ) \
         SELECT campaign_id, member_id, \
                CAST(MAX(CASE WHEN recent = 1 AND last_day >= ? THEN len ELSE 0 END) AS integer) AS current, \
                CAST(MAX(len) AS integer) AS longest, MAX(last_day) AS last_day \
         FROM runs GROUP BY campaign_id, member_id",
        island = island(backend)
    )
}

/// The midnight pass for one tenant whose local day is `today`; returns streak rows written.
pub async fn midnight(tx: &TenantTx, today: NaiveDate, at: DateTime<Utc>) -> DomainResult<u64> {
    let backend = tx.backend();
    let yesterday = today - Duration::days(1);
    // 1. Every streak, from the check-ins.
    let upsert = format!(
        "INSERT INTO streaks (tenant_id, campaign_id, member_id, current, longest, last_checkin_on, completed_at, updated_at) \
         SELECT ?, s.campaign_id, s.member_id, s.current, s.longest, s.last_day, NULL, ? FROM ({}) s WHERE true \
         ON CONFLICT (tenant_id, campaign_id, member_id) DO UPDATE SET \
           current = excluded.current, longest = excluded.longest, last_checkin_on = excluded.last_checkin_on, \
           updated_at = excluded.updated_at",
        streaks_sql(backend, false)
    );
    let written = tx
        .conn()
        .execute_raw(stmt(
            backend,
            &upsert,
            vec![
                tx.tenant_id().into(),
                at.into(),
                tx.tenant_id().into(),
                yesterday.into(),
            ],
        ))
        .await?
        .rows_affected();
    // 2. Completed at the target.
    tx.conn()
        .execute_raw(stmt(
            backend,
            "UPDATE streaks SET completed_at = ? \
             WHERE tenant_id = ? AND completed_at IS NULL AND EXISTS ( \
               SELECT 1 FROM campaigns c WHERE c.tenant_id = streaks.tenant_id AND c.id = streaks.campaign_id \
               AND c.target_days IS NOT NULL AND streaks.longest >= c.target_days)",
            vec![at.into(), tx.tenant_id().into()],
        ))
        .await?;
    // 3. Milestones: points and the milestone's badge, once each.
    let campaigns = tx
        .select::<campaigns::Entity>()
        .filter(campaigns::Column::Kind.eq(CampaignKind::CheckinChallenge))
        .all(tx.conn())
        .await?;
    let milestone_badges = tx
        .select::<badges::Entity>()
        .filter(badges::Column::CampaignId.is_not_null())
        .all(tx.conn())
        .await?;
    for campaign in &campaigns {
        for days in super::milestones_of(campaign) {
            if campaign.points_per_milestone > 0 {
                let sql = format!(
                    "INSERT INTO points_ledger (tenant_id, id, member_id, group_id, campaign_id, delta, reason, source, source_id, created_at) \
                     SELECT tenant_id, {id}, member_id, NULL, campaign_id, ?, ?, 'milestone', ? || member_id_text, ? \
                     FROM (SELECT tenant_id, member_id, campaign_id, {text} AS member_id_text FROM streaks \
                           WHERE tenant_id = ? AND campaign_id = ? AND longest >= ?) s WHERE true \
                     ON CONFLICT (tenant_id, source, source_id) DO NOTHING",
                    id = sql_new_id(backend),
                    text = member_id_text(backend),
                );
                tx.conn()
                    .execute_raw(stmt(
                        backend,
                        &sql,
                        vec![
                            campaign.points_per_milestone.into(),
                            format!("{days}-day streak").into(),
                            format!("{}:{days}:", campaign.id).into(),
                            at.into(),
                            tx.tenant_id().into(),
                            campaign.id.into(),
                            days.into(),
                        ],
                    ))
                    .await?;
            }
            let badge = milestone_badges.iter().find(|b| {
                b.campaign_id == Some(campaign.id)
                    && crate::points::parse_criteria(&b.criteria).ok()
                        == Some(crate::points::Criteria::Streak {
                            days,
                            campaign_id: Some(campaign.id),
                        })
            });
            if let Some(badge) = badge {
                tx.conn()
                    .execute_raw(stmt(
                        backend,
                        "INSERT INTO member_badges (tenant_id, badge_id, member_id, awarded_at) \
                         SELECT tenant_id, ?, member_id, ? FROM streaks WHERE tenant_id = ? AND campaign_id = ? AND longest >= ? \
                         ON CONFLICT (tenant_id, badge_id, member_id) DO NOTHING",
                        vec![badge.id.into(), at.into(), tx.tenant_id().into(), campaign.id.into(), days.into()],
                    ))
                    .await?;
            }
        }
    }
    // 4. Other badges whose criteria members now meet.
    crate::points::award_badges(tx, at).await?;
    Ok(written)
}

/// The member id as text, for ledger keys made in SQL.
fn member_id_text(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "CAST(member_id AS text)",
        _ => "lower(hex(member_id))",
    }
}

/// Everyone's streaks in one campaign, from the check-ins (leaderboards).
pub async fn of_campaign(
    tx: &TenantTx,
    campaign_id: Uuid,
    today: NaiveDate,
) -> DomainResult<Vec<(Uuid, Streak)>> {
    let rows = tx
        .conn()
        .query_all_raw(stmt(
            tx.backend(),
            &streaks_sql(tx.backend(), true),
            vec![
                tx.tenant_id().into(),
                campaign_id.into(),
                (today - Duration::days(1)).into(),
            ],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let member: Uuid = row.try_get("", "member_id")?;
        let current: i32 = row.try_get("", "current")?;
        let longest: i32 = row.try_get("", "longest")?;
        let last: NaiveDate = row.try_get("", "last_day")?;
        out.push((
            member,
            Streak {
                current,
                longest,
                last_checkin_on: Some(last),
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn runs_and_breaks() {
        let days = [
            d("2026-11-01"),
            d("2026-11-02"),
            d("2026-11-03"),
            d("2026-11-05"),
            d("2026-11-06"),
        ];
        assert_eq!(
            from_days(&days, d("2026-11-06")),
            Streak {
                current: 2,
                longest: 3,
                last_checkin_on: Some(d("2026-11-06"))
            }
        );
        assert_eq!(
            from_days(&days, d("2026-11-07")).current,
            2,
            "yesterday still counts"
        );
        assert_eq!(
            from_days(&days, d("2026-11-08")).current,
            0,
            "a whole missed day breaks it"
        );
        assert_eq!(from_days(&[], d("2026-11-08")), Streak::default());
        assert_eq!(
            from_days(&[d("2026-11-01"), d("2026-11-01")], d("2026-11-01")).longest,
            1
        );
    }
}
