//! Members: one platform identity within a tenant, in any number of groups; profile, manual and
//! automatic tags, blacklist, points balance (the sum of the ledger).

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, FromQueryResult, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use qunyun_entity::{
    OutboundKind, OutboundStatus, group_members, members, outbound_actions, points_ledger,
};

use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::scope::TenantTx;
use crate::validate::Problems;
use crate::{DomainResult, FieldError, UserErrorCode};

pub const MAX_TAGS: usize = 50;

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub fn manual_tags(member: &members::Model) -> Vec<String> {
    strings(&member.tags)
}

pub fn auto_tags(member: &members::Model) -> Vec<String> {
    strings(&member.auto_tags)
}

/// Manual tags, then automatic ones not already among them.
pub fn all_tags(member: &members::Model) -> Vec<String> {
    let mut tags = manual_tags(member);
    for tag in auto_tags(member) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

pub async fn by_ids(tx: &TenantTx, ids: &[Uuid]) -> DomainResult<Vec<members::Model>> {
    Ok(tx
        .select::<members::Entity>()
        .filter(members::Column::Id.is_in(ids.iter().copied()))
        .all(tx.conn())
        .await?)
}

pub async fn list(
    tx: &TenantTx,
    search: Option<&str>,
    blacklisted: Option<bool>,
    page: PageRequest,
) -> DomainResult<Page<members::Model>> {
    let mut select = tx.select::<members::Entity>();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", search.replace(['%', '_'], ""));
        select = select.filter(
            Condition::any()
                .add(members::Column::DisplayName.like(pattern.clone()))
                .add(members::Column::PlatformUserId.like(pattern)),
        );
    }
    if let Some(blacklisted) = blacklisted {
        select = select.filter(members::Column::Blacklisted.eq(blacklisted));
    }
    Ok(keyset(tx.conn(), select, members::Column::Id, page).await?)
}

/// Adds and removes manual tags.
pub async fn tag(
    tx: &TenantTx,
    id: Uuid,
    add: &[String],
    remove: &[String],
) -> DomainResult<members::Model> {
    let member = tx.fetch::<members::Entity>(id, "member").await?;
    let mut problems = Problems::new();
    let mut tags = manual_tags(&member);
    for (i, tag) in add.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > 40 || tag.chars().any(char::is_control) {
            problems.push(FieldError::new(
                &["input", "add", &i.to_string()],
                UserErrorCode::Invalid,
                "a tag is 1 to 40 characters",
            ));
        } else if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags.retain(|t| !remove.iter().any(|r| r.trim() == t));
    if tags.len() > MAX_TAGS {
        problems.push(FieldError::input(
            "add",
            UserErrorCode::LimitExceeded,
            format!("a member has at most {MAX_TAGS} tags"),
        ));
    }
    problems.finish()?;
    let mut model = member.into_active_model();
    model.tags = Set(json!(tags));
    Ok(tx.update(model).await?)
}

/// Blacklists (or clears) a member in every group of the tenant; blacklisting queues a removal
/// from each group the member is in.
pub async fn set_blacklisted(
    tx: &TenantTx,
    id: Uuid,
    blacklisted: bool,
) -> DomainResult<members::Model> {
    let member = tx.fetch::<members::Entity>(id, "member").await?;
    if member.blacklisted == blacklisted {
        return Ok(member);
    }
    let at = now();
    let mut model = member.into_active_model();
    model.blacklisted = Set(blacklisted);
    model.blacklisted_at = Set(blacklisted.then_some(at));
    let member = tx.update(model).await?;
    if blacklisted {
        let memberships = tx
            .select::<group_members::Entity>()
            .filter(group_members::Column::MemberId.eq(id))
            .filter(group_members::Column::LeftAt.is_null())
            .all(tx.conn())
            .await?;
        let actions: Vec<_> = memberships
            .iter()
            .map(|m| outbound_actions::ActiveModel {
                tenant_id: Set(tx.tenant_id()),
                id: Set(new_id()),
                group_id: Set(m.group_id),
                member_id: Set(id),
                kind: Set(OutboundKind::Remove),
                minutes: Set(None),
                reason: Set("blacklisted".into()),
                case_id: Set(None),
                status: Set(OutboundStatus::Pending),
                error: Set(None),
                created_at: Set(at),
                updated_at: Set(at),
            })
            .collect();
        if !actions.is_empty() {
            tx.insert_many(actions)
                .exec_without_returning(tx.conn())
                .await?;
        }
    }
    Ok(member)
}

#[derive(FromQueryResult)]
struct Balance {
    member_id: Uuid,
    balance: Option<i64>,
}

/// Points balances (sums of the ledger) of the members.
pub async fn balances(tx: &TenantTx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, i64>> {
    let rows = tx
        .select::<points_ledger::Entity>()
        .select_only()
        .column(points_ledger::Column::MemberId)
        .column_as(Expr::cust("CAST(SUM(delta) AS BIGINT)"), "balance")
        .filter(points_ledger::Column::MemberId.is_in(ids.iter().copied()))
        .group_by(points_ledger::Column::MemberId)
        .into_model::<Balance>()
        .all(tx.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.member_id, r.balance.unwrap_or(0)))
        .collect())
}
