//! Member layers and automatic tags, recomputed daily from the last 30 days (tenant settings).
//!
//! Layers (per group membership), from the member's messages in that group in the window:
//! CORE at `coreMinMessages` (30, about one a day) or more, ACTIVE at `activeMinMessages` (3)
//! or more, LURKER otherwise (reads only). Two set-based statements per tenant.
//!
//! Automatic tags (per member, replacing the previous automatic tags; manual tags untouched):
//! - `slot:HH-HH` — the two-hour slot of the tenant's local day in which the member wrote most,
//!   once they wrote `slotMinMessages` (5) messages in the window;
//! - `prefers:<kind>` — the content kind (`tutorial`, `offer`, …) the member read or saved most;
//! - `local` / `non-local` — the member's city (from a `城市-姓名-行业` nickname) against the
//!   home city of their groups: a group's home city is the city of more than half of its current
//!   members that have one;
//! - `device:<device>` when the platform reported it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use qunyun_entity::{EventKind, group_members, members};

use crate::DomainResult;
use crate::defaults::MemberDefaults;
use crate::scope::TenantTx;
use crate::sql::{stmt, update_by_id};

/// Recomputes the layers and automatic tags of one tenant; returns memberships changed.
pub async fn run(
    tx: &TenantTx,
    settings: &MemberDefaults,
    timezone: Tz,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let since = now - Duration::days(settings.layer_window_days);
    let backend = tx.backend();
    let reset = tx
        .conn()
        .execute_raw(stmt(
            backend,
            "UPDATE group_members SET layer = 'LURKER' WHERE tenant_id = ? AND layer <> 'LURKER'",
            vec![tx.tenant_id().into()],
        ))
        .await?;
    let ranked = tx
        .conn()
        .execute_raw(stmt(
            backend,
            "UPDATE group_members SET layer = CASE WHEN c.n >= ? THEN 'CORE' WHEN c.n >= ? THEN 'ACTIVE' ELSE 'LURKER' END \
             FROM (SELECT group_id, member_id, COUNT(*) AS n FROM events \
                   WHERE tenant_id = ? AND kind = 'message' AND member_id IS NOT NULL AND occurred_at >= ? \
                   GROUP BY group_id, member_id) AS c \
             WHERE group_members.tenant_id = ? AND group_members.group_id = c.group_id AND group_members.member_id = c.member_id",
            vec![
                settings.core_min_messages.into(),
                settings.active_min_messages.into(),
                tx.tenant_id().into(),
                since.into(),
                tx.tenant_id().into(),
            ],
        ))
        .await?;
    tag(tx, settings, timezone, since).await?;
    Ok(reset.rows_affected().max(ranked.rows_affected()))
}

async fn tag(
    tx: &TenantTx,
    settings: &MemberDefaults,
    timezone: Tz,
    since: DateTime<Utc>,
) -> DomainResult<()> {
    let mut tags: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();

    // Active slot, from message times in the tenant's zone.
    let times: Vec<(Option<Uuid>, DateTime<Utc>)> = tx
        .select::<qunyun_entity::events::Entity>()
        .select_only()
        .column(qunyun_entity::events::Column::MemberId)
        .column(qunyun_entity::events::Column::OccurredAt)
        .filter(qunyun_entity::events::Column::Kind.eq(EventKind::Message))
        .filter(qunyun_entity::events::Column::OccurredAt.gte(since))
        .into_tuple()
        .all(tx.conn())
        .await?;
    let mut slots: HashMap<Uuid, [i64; 12]> = HashMap::new();
    for (member, at) in times {
        let Some(member) = member else { continue };
        let hour = at.with_timezone(&timezone).hour() as usize;
        slots.entry(member).or_insert([0; 12])[hour / 2] += 1;
    }
    for (member, counts) in slots {
        let total: i64 = counts.iter().sum();
        if total < settings.slot_min_messages {
            continue;
        }
        // The busiest slot; the earliest on a tie.
        let (slot, _) =
            counts.iter().enumerate().fold(
                (0, 0),
                |best, (i, n)| if *n > best.1 { (i, *n) } else { best },
            );
        tags.entry(member)
            .or_default()
            .push(format!("slot:{:02}-{:02}", slot * 2, slot * 2 + 2));
    }

    // Content preference: the kind of content the member read or saved most.
    let rows = tx
        .conn()
        .query_all_raw(stmt(
            tx.backend(),
            PREFERENCE_SQL,
            vec![tx.tenant_id().into(), since.into()],
        ))
        .await?;
    let mut best: HashMap<Uuid, (String, i64)> = HashMap::new();
    for row in rows {
        let member: Uuid = row.try_get("", "member_id")?;
        let kind: String = row.try_get("", "kind")?;
        let n: i64 = row.try_get("", "n")?;
        let entry = best.entry(member).or_insert((kind.clone(), n));
        if n > entry.1 || (n == entry.1 && kind < entry.0) {
            *entry = (kind, n);
        }
    }
    for (member, (kind, _)) in best {
        tags.entry(member)
            .or_default()
            .push(format!("prefers:{}", kind.to_lowercase()));
    }

    // Local or not: members' cities against their groups' home cities.
    let people = tx.select::<members::Entity>().all(tx.conn()).await?;
    let city_of: HashMap<Uuid, String> = people
        .iter()
        .filter_map(|m| m.city.clone().map(|c| (m.id, c)))
        .collect();
    let memberships = tx
        .select::<group_members::Entity>()
        .filter(group_members::Column::LeftAt.is_null())
        .all(tx.conn())
        .await?;
    let mut cities_by_group: HashMap<Uuid, HashMap<&str, usize>> = HashMap::new();
    for m in &memberships {
        if let Some(city) = city_of.get(&m.member_id) {
            *cities_by_group
                .entry(m.group_id)
                .or_default()
                .entry(city.as_str())
                .or_insert(0) += 1;
        }
    }
    let home: HashMap<Uuid, &str> = cities_by_group
        .iter()
        .filter_map(|(group, cities)| {
            let total: usize = cities.values().sum();
            let (city, n) = cities
                .iter()
                .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))?;
            (*n * 2 > total).then_some((*group, *city))
        })
        .collect();
    let mut homes_of: HashMap<Uuid, Vec<&str>> = HashMap::new();
    for m in &memberships {
        if let Some(city) = home.get(&m.group_id) {
            homes_of.entry(m.member_id).or_default().push(city);
        }
    }
    for member in &people {
        let (Some(city), Some(homes)) = (member.city.as_deref(), homes_of.get(&member.id)) else {
            continue;
        };
        let tag = if homes.contains(&city) {
            "local"
        } else {
            "non-local"
        };
        tags.entry(member.id).or_default().push(tag.to_owned());
    }
    for member in &people {
        if let Some(device) = &member.device {
            tags.entry(member.id)
                .or_default()
                .push(format!("device:{}", device.to_lowercase()));
        }
    }

    // Write the tags that changed.
    let current: HashMap<Uuid, Vec<String>> = people
        .iter()
        .map(|m| (m.id, crate::members::auto_tags(m)))
        .collect();
    let mut rows = Vec::new();
    for member in &people {
        let new = tags.remove(&member.id).unwrap_or_default();
        if current.get(&member.id) != Some(&new) {
            rows.push((member.id, sea_orm::Value::from(json!(new).to_string())));
        }
    }
    let cast = if tx.backend() == sea_orm::DbBackend::Postgres {
        "jsonb"
    } else {
        "text"
    };
    update_by_id(tx, "members", "auto_tags", cast, rows, None).await?;
    Ok(())
}

/// Reads and saves per member and content kind, through the post each event names.
const PREFERENCE_SQL: &str = "SELECT e.member_id AS member_id, c.kind AS kind, COUNT(*) AS n \
    FROM events e \
    JOIN scheduled_posts p ON p.tenant_id = e.tenant_id AND p.id = e.post_id \
    JOIN contents c ON c.tenant_id = p.tenant_id AND c.id = p.content_id \
    WHERE e.tenant_id = ? AND e.kind IN ('message_read', 'content_saved') AND e.occurred_at >= ? \
      AND e.member_id IS NOT NULL \
    GROUP BY e.member_id, c.kind";
