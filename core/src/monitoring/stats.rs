//! Dashboards as queries: daily group statistics (from the rollups), the weekday × hour
//! activity heatmap, the invite tree, and conversion funnels.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Value};
use uuid::Uuid;

use qunyun_entity::{
    EventKind, PostStatus, campaign_groups, campaigns, events, group_day_stats, group_members,
    groups, offer_clicks, offers, orders, scheduled_posts,
};

use crate::scope::TenantTx;
use crate::sql::{marks, stmt};
use crate::{DomainError, DomainResult, UserErrorCode};

/// The longest range a statistics query covers.
pub const MAX_RANGE_DAYS: i64 = 366;

/// One group's day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    pub date: NaiveDate,
    pub messages: i64,
    pub active_members: i64,
    /// Members at the end of the (local) day.
    pub members: i64,
    pub joins: i64,
    pub exits: i64,
    pub ad_messages: i64,
    pub complaints: i64,
    pub reads: i64,
    pub saves: i64,
    pub clicks: i64,
    pub conversions: i64,
}

impl DayStats {
    pub fn messages_per_member(&self) -> Option<f64> {
        (self.members > 0).then(|| self.messages as f64 / self.members as f64)
    }

    pub fn ad_share(&self) -> Option<f64> {
        (self.messages > 0).then(|| self.ad_messages as f64 / self.messages as f64)
    }

    fn zero(date: NaiveDate) -> Self {
        DayStats {
            date,
            ..Default::default()
        }
    }
}

/// Checks a `from`..=`to` range of days.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> DomainResult<()> {
    if from > to {
        return Err(DomainError::invalid(
            "to",
            UserErrorCode::Invalid,
            "`to` is before `from`",
        ));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(DomainError::invalid(
            "to",
            UserErrorCode::LimitExceeded,
            format!("a range covers at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok(())
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

/// The UTC instant a local day ends (the next local midnight, or the first instant after it
/// when a zone skips midnight).
pub fn day_end(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let next = day + Duration::days(1);
    let midnight = next.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        chrono::LocalResult::None => {
            tz.from_utc_datetime(&midnight).with_timezone(&Utc) - Duration::hours(1)
        }
    }
}

/// The UTC instant a local day starts.
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    day_end(tz, day - Duration::days(1))
}

/// Members of each group at the end of each day of the range, from the memberships.
pub async fn members_at_day_end(
    tx: &TenantTx,
    tz: Tz,
    group_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<HashMap<(Uuid, NaiveDate), i64>> {
    let rows: Vec<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> = tx
        .select::<group_members::Entity>()
        .select_only()
        .column(group_members::Column::GroupId)
        .column(group_members::Column::JoinedAt)
        .column(group_members::Column::LeftAt)
        .filter(group_members::Column::GroupId.is_in(group_ids.iter().copied()))
        .filter(group_members::Column::JoinedAt.lt(day_end(tz, to)))
        .into_tuple()
        .all(tx.conn())
        .await?;
    let mut out = HashMap::new();
    for day in days(from, to) {
        let end = day_end(tz, day);
        for group in group_ids {
            out.insert((*group, day), 0);
        }
        for (group, joined, left) in &rows {
            if *joined < end && left.is_none_or(|l| l >= end) {
                *out.entry((*group, day)).or_insert(0) += 1;
            }
        }
    }
    Ok(out)
}

/// A group's statistics for every day of `from..=to`, zero days included.
pub async fn group_stats(
    tx: &TenantTx,
    tz: Tz,
    group_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<Vec<DayStats>> {
    check_range(from, to)?;
    tx.fetch::<groups::Entity>(group_id, "group").await?;
    let rows = tx
        .select::<group_day_stats::Entity>()
        .filter(group_day_stats::Column::GroupId.eq(group_id))
        .filter(group_day_stats::Column::Day.between(from, to))
        .all(tx.conn())
        .await?;
    let mut by_day: HashMap<NaiveDate, group_day_stats::Model> =
        rows.into_iter().map(|r| (r.day, r)).collect();
    let members = members_at_day_end(tx, tz, &[group_id], from, to).await?;
    Ok(days(from, to)
        .map(|day| {
            let mut stats = match by_day.remove(&day) {
                Some(r) => DayStats {
                    date: day,
                    messages: r.messages,
                    active_members: r.active_members,
                    members: 0,
                    joins: r.joins,
                    exits: r.exits,
                    ad_messages: r.ad_messages,
                    complaints: r.complaints,
                    reads: r.reads,
                    saves: r.saves,
                    clicks: r.clicks,
                    conversions: r.conversions,
                },
                None => DayStats::zero(day),
            };
            stats.members = members.get(&(group_id, day)).copied().unwrap_or(0);
            stats
        })
        .collect())
}

/// One weekday × hour cell of the heatmap, summed over the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatCell {
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    pub hour: u8,
    pub messages: i64,
    /// Distinct members active in the hour, summed over the days of the range.
    pub active_members: i64,
    /// How many such weekday-hours the range holds (to average over).
    pub occurrences: i64,
}

/// The activity heatmap (all 168 cells) of one group, or of every group of the tenant.
pub async fn heatmap(
    tx: &TenantTx,
    group_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<Vec<HeatCell>> {
    check_range(from, to)?;
    let mut filter = String::new();
    let mut values: Vec<Value> = vec![tx.tenant_id().into(), from.into(), to.into()];
    if let Some(group) = group_id {
        tx.fetch::<groups::Entity>(group, "group").await?;
        filter.push_str(" AND group_id = ?");
        values.push(group.into());
    }
    let rows = tx
        .conn()
        .query_all_raw(stmt(
            tx.backend(),
            &format!(
                "SELECT day, hour, CAST(SUM(messages) AS bigint) AS messages, \
                 CAST(SUM(active_members) AS bigint) AS active \
                 FROM group_hour_stats WHERE tenant_id = ? AND day BETWEEN ? AND ?{filter} \
                 GROUP BY day, hour"
            ),
            values,
        ))
        .await?;
    let mut cells: Vec<HeatCell> = (1..=7u8)
        .flat_map(|weekday| {
            (0..24u8).map(move |hour| HeatCell {
                weekday,
                hour,
                messages: 0,
                active_members: 0,
                occurrences: 0,
            })
        })
        .collect();
    let index = |weekday: u32, hour: u32| ((weekday - 1) * 24 + hour) as usize;
    for day in days(from, to) {
        let weekday = day.weekday().number_from_monday();
        for hour in 0..24 {
            cells[index(weekday, hour)].occurrences += 1;
        }
    }
    for row in rows {
        let day: NaiveDate = row.try_get("", "day")?;
        let hour: i32 = row.try_get("", "hour")?;
        let messages: i64 = row.try_get("", "messages")?;
        let active: i64 = row.try_get("", "active")?;
        if let Some(cell) = u32::try_from(hour)
            .ok()
            .filter(|h| *h < 24)
            .and_then(|h| cells.get_mut(index(day.weekday().number_from_monday(), h)))
        {
            cell.messages += messages;
            cell.active_members += active;
        }
    }
    Ok(cells)
}

/// One inviter in a group's invite tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inviter {
    pub member_id: Uuid,
    /// Members this one brought in directly.
    pub direct: i64,
    /// Everyone downstream: the people they brought, whom those brought, and so on.
    pub total: i64,
    /// This inviter's own depth (0 = joined without an inviter).
    pub depth: i64,
}

/// Who brought whom into a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propagation {
    pub members: i64,
    /// Members that joined through an inviter in the group.
    pub invited: i64,
    /// The longest invite chain.
    pub max_depth: i64,
    /// Inviters, most downstream members first.
    pub inviters: Vec<Inviter>,
    /// `(inviter, invitee, joined_at)`, in join order.
    pub edges: Vec<(Uuid, Uuid, DateTime<Utc>)>,
}

/// The invite tree of a group, from the inviter recorded at each join.
pub async fn propagation(tx: &TenantTx, group_id: Uuid) -> DomainResult<Propagation> {
    tx.fetch::<groups::Entity>(group_id, "group").await?;
    let rows: Vec<(Uuid, Option<Uuid>, DateTime<Utc>)> = tx
        .select::<group_members::Entity>()
        .select_only()
        .column(group_members::Column::MemberId)
        .column(group_members::Column::InvitedBy)
        .column(group_members::Column::JoinedAt)
        .filter(group_members::Column::GroupId.eq(group_id))
        .order_by_asc(group_members::Column::JoinedAt)
        .order_by_asc(group_members::Column::MemberId)
        .into_tuple()
        .all(tx.conn())
        .await?;
    Ok(invite_tree(&rows))
}

/// The tree of `(member, inviter, joined_at)` rows; an inviter outside the rows is a root, and a
/// cycle (A invited B, B later re-invited A) is cut where it closes.
pub fn invite_tree(rows: &[(Uuid, Option<Uuid>, DateTime<Utc>)]) -> Propagation {
    let present: HashSet<Uuid> = rows.iter().map(|r| r.0).collect();
    let parent: HashMap<Uuid, Uuid> = rows
        .iter()
        .filter_map(|(m, inviter, _)| {
            inviter
                .filter(|i| *i != *m && present.contains(i))
                .map(|i| (*m, i))
        })
        .collect();
    let mut children: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (child, p) in &parent {
        children.entry(*p).or_default().push(*child);
    }
    // Depth of each member along its inviter chain, cut at a cycle.
    let mut depth: HashMap<Uuid, i64> = HashMap::new();
    for (member, _, _) in rows {
        let mut chain = vec![*member];
        let mut seen: HashSet<Uuid> = HashSet::from([*member]);
        let mut cursor = *member;
        let mut base = 0;
        while let Some(p) = parent.get(&cursor) {
            if let Some(d) = depth.get(p) {
                base = d + 1;
                break;
            }
            if !seen.insert(*p) {
                break;
            }
            chain.push(*p);
            cursor = *p;
        }
        for (offset, m) in chain.iter().rev().enumerate() {
            depth.entry(*m).or_insert(base + offset as i64);
        }
    }
    // Downstream size: count descendants by walking down, guarding against cycles.
    let mut inviters: Vec<Inviter> = children
        .iter()
        .map(|(inviter, direct)| {
            let mut seen: HashSet<Uuid> = HashSet::from([*inviter]);
            let mut stack: Vec<Uuid> = direct.clone();
            while let Some(next) = stack.pop() {
                if seen.insert(next)
                    && let Some(grand) = children.get(&next)
                {
                    stack.extend(grand.iter().copied());
                }
            }
            Inviter {
                member_id: *inviter,
                direct: direct.len() as i64,
                total: seen.len() as i64 - 1,
                depth: depth.get(inviter).copied().unwrap_or(0),
            }
        })
        .collect();
    inviters.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(b.direct.cmp(&a.direct))
            .then(a.member_id.cmp(&b.member_id))
    });
    let edges = rows
        .iter()
        .filter_map(|(m, _, joined)| parent.get(m).map(|p| (*p, *m, *joined)))
        .collect();
    Propagation {
        members: rows.len() as i64,
        invited: parent.len() as i64,
        max_depth: depth.values().copied().max().unwrap_or(0),
        inviters,
        edges,
    }
}

/// What a funnel follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelOf {
    Post(Uuid),
    Campaign(Uuid),
    Offer(Uuid),
}

/// Distinct members at each step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub reached: i64,
    pub read: i64,
    pub clicked: i64,
    pub ordered: i64,
}

/// The conversion funnel (reached → read → clicked → ordered) of a post or a campaign, from the
/// ingested events:
/// - a post reaches the members of its group when it was sent; its readers and clickers are the
///   members whose `message_read` / `link_clicked` events name it (`postId`); its orderers are
///   clickers with an `order_paid` within the attribution window after their click;
/// - a campaign reaches the members of its groups during its run; readers, clickers and orderers
///   are the members with such events in those groups during the run;
/// - an offer reaches the members of its group (else its campaign's groups, else every group)
///   since it was created; its readers are those who read a post there since; its clickers the
///   members known on its tracked link's clicks; its orderers the members of orders attributed
///   to it.
pub async fn funnel(tx: &TenantTx, of: FunnelOf, attribution_days: i64) -> DomainResult<Funnel> {
    match of {
        FunnelOf::Post(id) => {
            let post = tx.fetch::<scheduled_posts::Entity>(id, "post").await?;
            let Some(sent_at) = post.sent_at.filter(|_| post.status == PostStatus::Sent) else {
                return Ok(Funnel::default());
            };
            let reached = tx
                .count(
                    tx.select::<group_members::Entity>()
                        .filter(group_members::Column::GroupId.eq(post.group_id))
                        .filter(group_members::Column::JoinedAt.lte(sent_at))
                        .filter(
                            sea_orm::Condition::any()
                                .add(group_members::Column::LeftAt.is_null())
                                .add(group_members::Column::LeftAt.gt(sent_at)),
                        ),
                )
                .await? as i64;
            let distinct = |kind: EventKind| {
                tx.select::<events::Entity>()
                    .select_only()
                    .column(events::Column::MemberId)
                    .distinct()
                    .filter(events::Column::PostId.eq(id))
                    .filter(events::Column::Kind.eq(kind))
                    .filter(events::Column::MemberId.is_not_null())
            };
            let readers: Vec<Option<Uuid>> = distinct(EventKind::MessageRead)
                .into_tuple()
                .all(tx.conn())
                .await?;
            let clicks: Vec<(Option<Uuid>, DateTime<Utc>)> = tx
                .select::<events::Entity>()
                .select_only()
                .column(events::Column::MemberId)
                .column_as(events::Column::OccurredAt.min(), "first")
                .filter(events::Column::PostId.eq(id))
                .filter(events::Column::Kind.eq(EventKind::LinkClicked))
                .filter(events::Column::MemberId.is_not_null())
                .group_by(events::Column::MemberId)
                .into_tuple()
                .all(tx.conn())
                .await?;
            let ordered = orderers_after(tx, &clicks, attribution_days).await?;
            Ok(Funnel {
                reached,
                read: readers.len() as i64,
                clicked: clicks.len() as i64,
                ordered,
            })
        }
        FunnelOf::Campaign(id) => {
            let campaign = tx.fetch::<campaigns::Entity>(id, "campaign").await?;
            let group_ids: Vec<Uuid> = tx
                .select::<campaign_groups::Entity>()
                .select_only()
                .column(campaign_groups::Column::GroupId)
                .filter(campaign_groups::Column::CampaignId.eq(id))
                .into_tuple()
                .all(tx.conn())
                .await?;
            if group_ids.is_empty() {
                return Ok(Funnel::default());
            }
            let (start, end) = (campaign.starts_at, campaign.ends_at);
            let reached: Vec<Uuid> = tx
                .select::<group_members::Entity>()
                .select_only()
                .column(group_members::Column::MemberId)
                .distinct()
                .filter(group_members::Column::GroupId.is_in(group_ids.clone()))
                .filter(group_members::Column::JoinedAt.lte(end))
                .filter(
                    sea_orm::Condition::any()
                        .add(group_members::Column::LeftAt.is_null())
                        .add(group_members::Column::LeftAt.gt(start)),
                )
                .into_tuple()
                .all(tx.conn())
                .await?;
            let sql = format!(
                "SELECT kind, COUNT(DISTINCT member_id) AS n FROM events \
                 WHERE tenant_id = ? AND group_id IN ({}) AND occurred_at >= ? AND occurred_at <= ? \
                 AND member_id IS NOT NULL AND kind IN ('message_read', 'link_clicked', 'order_paid') \
                 GROUP BY kind",
                marks(group_ids.len())
            );
            let mut values: Vec<Value> = vec![tx.tenant_id().into()];
            values.extend(group_ids.iter().map(|g| Value::from(*g)));
            values.push(start.into());
            values.push(end.into());
            let rows = tx
                .conn()
                .query_all_raw(stmt(tx.backend(), &sql, values))
                .await?;
            let mut funnel = Funnel {
                reached: reached.len() as i64,
                ..Default::default()
            };
            for row in rows {
                let kind: String = row.try_get("", "kind")?;
                let n: i64 = row.try_get("", "n")?;
                match kind.as_str() {
                    "message_read" => funnel.read = n,
                    "link_clicked" => funnel.clicked = n,
                    "order_paid" => funnel.ordered = n,
                    _ => {}
                }
            }
            Ok(funnel)
        }
        FunnelOf::Offer(id) => {
            let offer = tx.fetch::<offers::Entity>(id, "offer").await?;
            let group_ids: Vec<Uuid> = match (offer.group_id, offer.campaign_id) {
                (Some(g), _) => vec![g],
                (None, Some(c)) => {
                    tx.select::<campaign_groups::Entity>()
                        .select_only()
                        .column(campaign_groups::Column::GroupId)
                        .filter(campaign_groups::Column::CampaignId.eq(c))
                        .into_tuple()
                        .all(tx.conn())
                        .await?
                }
                (None, None) => Vec::new(),
            };
            let since = offer.created_at;
            let mut reached = tx
                .select::<group_members::Entity>()
                .select_only()
                .column(group_members::Column::MemberId)
                .distinct()
                .filter(
                    sea_orm::Condition::any()
                        .add(group_members::Column::LeftAt.is_null())
                        .add(group_members::Column::LeftAt.gt(since)),
                );
            let mut readers = tx
                .select::<events::Entity>()
                .select_only()
                .column(events::Column::MemberId)
                .distinct()
                .filter(events::Column::Kind.eq(EventKind::MessageRead))
                .filter(events::Column::OccurredAt.gte(since))
                .filter(events::Column::MemberId.is_not_null());
            if !group_ids.is_empty() {
                reached = reached.filter(group_members::Column::GroupId.is_in(group_ids.clone()));
                readers = readers.filter(events::Column::GroupId.is_in(group_ids));
            }
            let reached: Vec<Uuid> = reached.into_tuple().all(tx.conn()).await?;
            let readers: Vec<Option<Uuid>> = readers.into_tuple().all(tx.conn()).await?;
            let clickers: Vec<Option<Uuid>> = tx
                .select::<offer_clicks::Entity>()
                .select_only()
                .column(offer_clicks::Column::MemberId)
                .distinct()
                .filter(offer_clicks::Column::OfferId.eq(id))
                .filter(offer_clicks::Column::MemberId.is_not_null())
                .into_tuple()
                .all(tx.conn())
                .await?;
            let buyers: Vec<Option<Uuid>> = tx
                .select::<orders::Entity>()
                .select_only()
                .column(orders::Column::MemberId)
                .distinct()
                .filter(orders::Column::OfferId.eq(id))
                .filter(orders::Column::MemberId.is_not_null())
                .into_tuple()
                .all(tx.conn())
                .await?;
            Ok(Funnel {
                reached: reached.len() as i64,
                read: readers.len() as i64,
                clicked: clickers.len() as i64,
                ordered: buyers.len() as i64,
            })
        }
    }
}

/// Clickers with an order within `days` after their first click.
async fn orderers_after(
    tx: &TenantTx,
    clicks: &[(Option<Uuid>, DateTime<Utc>)],
    days: i64,
) -> DomainResult<i64> {
    let first: HashMap<Uuid, DateTime<Utc>> = clicks
        .iter()
        .filter_map(|(m, at)| m.map(|m| (m, *at)))
        .collect();
    if first.is_empty() {
        return Ok(0);
    }
    let mut ordered = HashSet::new();
    let members: Vec<Uuid> = first.keys().copied().collect();
    for part in members.chunks(500) {
        let orders: Vec<(Option<Uuid>, DateTime<Utc>)> = tx
            .select::<events::Entity>()
            .select_only()
            .column(events::Column::MemberId)
            .column(events::Column::OccurredAt)
            .filter(events::Column::Kind.eq(EventKind::OrderPaid))
            .filter(events::Column::MemberId.is_in(part.iter().copied()))
            .into_tuple()
            .all(tx.conn())
            .await?;
        for (member, at) in orders {
            if let Some(member) = member
                && let Some(click) = first.get(&member)
                && at >= *click
                && at <= *click + Duration::days(days)
            {
                ordered.insert(member);
            }
        }
    }
    Ok(ordered.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minute)
    }

    #[test]
    fn invite_tree_depths_and_sizes() {
        // 1 brought 2 and 3; 2 brought 4; 4 brought 5; 6 came alone; 7 names an outsider.
        let rows = vec![
            (id(1), None, t(0)),
            (id(2), Some(id(1)), t(1)),
            (id(3), Some(id(1)), t(2)),
            (id(4), Some(id(2)), t(3)),
            (id(5), Some(id(4)), t(4)),
            (id(6), None, t(5)),
            (id(7), Some(id(99)), t(6)),
        ];
        let p = invite_tree(&rows);
        assert_eq!(p.members, 7);
        assert_eq!(p.invited, 4);
        assert_eq!(p.max_depth, 3);
        assert_eq!(
            p.inviters[0],
            Inviter {
                member_id: id(1),
                direct: 2,
                total: 4,
                depth: 0
            }
        );
        let two = p.inviters.iter().find(|i| i.member_id == id(2)).unwrap();
        assert_eq!((two.direct, two.total, two.depth), (1, 2, 1));
        assert_eq!(p.edges.len(), 4);
        assert_eq!(p.edges[0], (id(1), id(2), t(1)));
    }

    #[test]
    fn invite_cycles_terminate() {
        let rows = vec![(id(1), Some(id(2)), t(0)), (id(2), Some(id(1)), t(1))];
        let p = invite_tree(&rows);
        assert_eq!(p.members, 2);
        assert!(p.inviters.iter().all(|i| i.total == 1));
    }

    #[test]
    fn ranges_are_checked() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_range(d("2026-01-02"), d("2026-01-01")).is_err());
        assert!(check_range(d("2026-01-01"), d("2026-12-31")).is_ok());
        assert!(check_range(d("2026-01-01"), d("2027-01-02")).is_err());
    }

    #[test]
    fn local_day_bounds() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(day_start(tz, day).to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(day_end(tz, day).to_rfc3339(), "2026-12-01T16:00:00+00:00");
    }
}
