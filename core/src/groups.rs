//! Groups: positioning, admission, member cap, status; their memberships and layer pyramid.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, FromQueryResult, IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use qunyun_entity::{
    AdmissionPolicy, GroupKind, GroupStatus, MemberLayer, Platform, group_members, groups,
};

use crate::defaults::{self, Pyramid};
use crate::error::on_unique;
use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::rules;
use crate::scope::TenantTx;
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub const MAX_MEMBER_CAP: i32 = 100_000;

pub struct NewGroup {
    pub name: String,
    pub platform: Platform,
    pub external_id: Option<String>,
    pub kind: GroupKind,
    pub admission: AdmissionPolicy,
    pub positioning: Option<String>,
    pub member_cap: Option<i32>,
}

#[derive(Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub kind: Option<GroupKind>,
    pub admission: Option<AdmissionPolicy>,
    pub positioning: Option<String>,
    pub member_cap: Option<i32>,
    pub status: Option<GroupStatus>,
}

fn check_cap(problems: &mut Problems, cap: i32) {
    if !(1..=MAX_MEMBER_CAP).contains(&cap) {
        problems.push(FieldError::input(
            "memberCap",
            UserErrorCode::Invalid,
            format!("memberCap must be between 1 and {MAX_MEMBER_CAP}"),
        ));
    }
}

fn check_external_id(problems: &mut Problems, external_id: &Option<String>) -> Option<String> {
    let value = external_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())?;
    if value.len() > 256 || value.chars().any(char::is_control) {
        problems.push(FieldError::input(
            "externalId",
            UserErrorCode::Invalid,
            "externalId is at most 256 printable characters",
        ));
        return None;
    }
    Some(value.to_owned())
}

fn check_positioning(problems: &mut Problems, positioning: &Option<String>) -> Option<String> {
    let value = positioning
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())?;
    if value.chars().count() > 2000 {
        problems.push(FieldError::input(
            "positioning",
            UserErrorCode::Invalid,
            "positioning is at most 2000 characters",
        ));
    }
    Some(value.to_owned())
}

/// Creates a group with the default rule set of its kind.
pub async fn create(tx: &TenantTx, input: NewGroup) -> DomainResult<groups::Model> {
    let settings = defaults::for_tenant(tx).await?;
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", &input.name, 200));
    let external_id = check_external_id(&mut problems, &input.external_id);
    let positioning = check_positioning(&mut problems, &input.positioning);
    let member_cap = input.member_cap.unwrap_or(settings.groups.member_cap);
    check_cap(&mut problems, member_cap);
    problems.finish()?;
    let name =
        name.ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?;
    let at = now();
    let group = tx
        .insert(groups::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(new_id()),
            name: Set(name.into_inner()),
            platform: Set(input.platform),
            external_id: Set(external_id),
            kind: Set(input.kind),
            admission: Set(input.admission),
            positioning: Set(positioning),
            member_cap: Set(member_cap),
            status: Set(GroupStatus::Active),
            strict_filter: Set(false),
            created_at: Set(at),
            updated_at: Set(at),
            archived_at: Set(None),
        })
        .await
        .map_err(on_unique(
            "externalId",
            "this tenant already has a group with this platform and externalId",
        ))?;
    rules::create_defaults(tx, &group).await?;
    Ok(group)
}

pub async fn update(tx: &TenantTx, id: Uuid, changes: GroupChanges) -> DomainResult<groups::Model> {
    let group = tx.fetch::<groups::Entity>(id, "group").await?;
    let mut problems = Problems::new();
    let name = changes
        .name
        .as_deref()
        .and_then(|n| problems.take(Name::parse("name", n, 200)));
    let positioning = changes
        .positioning
        .as_ref()
        .map(|p| check_positioning(&mut problems, &Some(p.clone())));
    if let Some(cap) = changes.member_cap {
        check_cap(&mut problems, cap);
    }
    problems.finish()?;

    let at = now();
    let mut model = group.clone().into_active_model();
    if let Some(name) = name {
        model.name = Set(name.into_inner());
    }
    if let Some(kind) = changes.kind {
        model.kind = Set(kind);
    }
    if let Some(admission) = changes.admission {
        model.admission = Set(admission);
    }
    if let Some(positioning) = positioning {
        model.positioning = Set(positioning);
    }
    if let Some(cap) = changes.member_cap {
        model.member_cap = Set(cap);
    }
    if let Some(status) = changes.status {
        if status != group.status {
            model.archived_at = Set(match status {
                GroupStatus::Archived => Some(at),
                GroupStatus::Active => None,
            });
        }
        model.status = Set(status);
    }
    model.updated_at = Set(at);
    Ok(tx.update(model).await?)
}

/// Archives a group (a WeCom `dismiss`): history stays.
pub async fn archive(tx: &TenantTx, group: &groups::Model) -> DomainResult<()> {
    if group.status == GroupStatus::Archived {
        return Ok(());
    }
    update(
        tx,
        group.id,
        GroupChanges {
            status: Some(GroupStatus::Archived),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

pub async fn list(
    tx: &TenantTx,
    status: Option<GroupStatus>,
    page: PageRequest,
) -> DomainResult<Page<groups::Model>> {
    let mut select = tx.select::<groups::Entity>();
    if let Some(status) = status {
        select = select.filter(groups::Column::Status.eq(status));
    }
    Ok(keyset(tx.conn(), select, groups::Column::Id, page).await?)
}

pub async fn by_ids(tx: &TenantTx, ids: &[Uuid]) -> DomainResult<Vec<groups::Model>> {
    Ok(tx
        .select::<groups::Entity>()
        .filter(groups::Column::Id.is_in(ids.iter().copied()))
        .all(tx.conn())
        .await?)
}

pub async fn find_by_external(
    tx: &TenantTx,
    platform: Platform,
    external_id: &str,
) -> DomainResult<Option<groups::Model>> {
    Ok(tx
        .select::<groups::Entity>()
        .filter(groups::Column::Platform.eq(platform))
        .filter(groups::Column::ExternalId.eq(external_id))
        .one(tx.conn())
        .await?)
}

#[derive(FromQueryResult)]
struct LayerCount {
    group_id: Uuid,
    layer: MemberLayer,
    members: i64,
}

/// Current (not left) members per group and layer.
pub async fn layer_counts(
    tx: &TenantTx,
    group_ids: &[Uuid],
) -> DomainResult<HashMap<Uuid, HashMap<MemberLayer, i64>>> {
    let rows = tx
        .select::<group_members::Entity>()
        .select_only()
        .column(group_members::Column::GroupId)
        .column(group_members::Column::Layer)
        .column_as(
            Expr::from(Func::count(Expr::col(group_members::Column::MemberId))),
            "members",
        )
        .filter(group_members::Column::GroupId.is_in(group_ids.iter().copied()))
        .filter(group_members::Column::LeftAt.is_null())
        .group_by(group_members::Column::GroupId)
        .group_by(group_members::Column::Layer)
        .into_model::<LayerCount>()
        .all(tx.conn())
        .await?;
    let mut out: HashMap<Uuid, HashMap<MemberLayer, i64>> = HashMap::new();
    for row in rows {
        out.entry(row.group_id)
            .or_default()
            .insert(row.layer, row.members);
    }
    Ok(out)
}

/// A layer's actual share beside its target.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerShare {
    pub layer: MemberLayer,
    pub members: i64,
    pub share: f64,
    pub target_share: f64,
}

/// The actual pyramid beside the mature-group target (DOMAIN.md: 15 / 30 / 55).
pub fn pyramid(counts: &HashMap<MemberLayer, i64>, target: &Pyramid) -> Vec<LayerShare> {
    let total: i64 = counts.values().sum();
    [
        (MemberLayer::Core, target.core),
        (MemberLayer::Active, target.active),
        (MemberLayer::Lurker, target.lurker),
    ]
    .into_iter()
    .map(|(layer, target_share)| {
        let members = counts.get(&layer).copied().unwrap_or(0);
        LayerShare {
            layer,
            members,
            share: if total == 0 {
                0.0
            } else {
                members as f64 / total as f64
            },
            target_share,
        }
    })
    .collect()
}

/// A page of a group's members (current ones, and former ones with `left_at`), by member id,
/// optionally of one layer.
pub async fn members_page(
    tx: &TenantTx,
    group_id: Uuid,
    layer: Option<MemberLayer>,
    request: PageRequest,
) -> DomainResult<Page<group_members::Model>> {
    let mut select = tx
        .select::<group_members::Entity>()
        .filter(group_members::Column::GroupId.eq(group_id));
    if let Some(layer) = layer {
        select = select
            .filter(group_members::Column::Layer.eq(layer))
            .filter(group_members::Column::LeftAt.is_null());
    }
    Ok(keyset(tx.conn(), select, group_members::Column::MemberId, request).await?)
}

/// The same page of members for many groups at once (a DataLoader batch): one windowed query
/// for the rows and one for the totals, whatever the number of groups.
pub async fn members_pages(
    tx: &TenantTx,
    group_ids: &[Uuid],
    layer: Option<MemberLayer>,
    request: PageRequest,
) -> DomainResult<HashMap<Uuid, Page<group_members::Model>>> {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let mut out: HashMap<Uuid, Page<group_members::Model>> = group_ids
        .iter()
        .map(|g| {
            (
                *g,
                Page {
                    items: Vec::new(),
                    has_next: false,
                    has_previous: request.after.is_some(),
                    total: 0,
                },
            )
        })
        .collect();
    if group_ids.is_empty() {
        return Ok(out);
    }
    let mut filter = format!(
        "tenant_id = ? AND group_id IN ({})",
        crate::sql::marks(group_ids.len())
    );
    let mut values: Vec<sea_orm::Value> = vec![tx.tenant_id().into()];
    values.extend(group_ids.iter().map(|g| (*g).into()));
    if let Some(layer) = layer {
        filter.push_str(" AND layer = ? AND left_at IS NULL");
        values.push(layer.as_str().into());
    }
    let totals = tx
        .conn()
        .query_all_raw(crate::sql::stmt(
            tx.backend(),
            &format!("SELECT group_id, COUNT(*) AS total FROM group_members WHERE {filter} GROUP BY group_id"),
            values.clone(),
        ))
        .await?;
    for row in totals {
        let group_id: Uuid = row.try_get("", "group_id")?;
        let total: i64 = row.try_get("", "total")?;
        if let Some(page) = out.get_mut(&group_id) {
            page.total = total as u64;
        }
    }
    let mut page_filter = filter;
    if let Some(after) = request.after {
        page_filter.push_str(" AND member_id > ?");
        values.push(after.into());
    }
    values.push(((request.first + 1) as i64).into());
    let sql = format!(
        "SELECT * FROM (SELECT group_members.*, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY member_id) AS rn \
         FROM group_members WHERE {page_filter}) ranked WHERE rn <= ? ORDER BY group_id, member_id"
    );
    let rows = group_members::Entity::find()
        .from_raw_sql(crate::sql::stmt(tx.backend(), &sql, values))
        .all(tx.conn())
        .await?;
    for row in rows {
        if let Some(page) = out.get_mut(&row.group_id) {
            if page.items.len() as u64 == request.first {
                page.has_next = true;
            } else {
                page.items.push(row);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyramid_shares() {
        let counts = HashMap::from([
            (MemberLayer::Core, 1),
            (MemberLayer::Active, 1),
            (MemberLayer::Lurker, 2),
        ]);
        let target = Pyramid {
            core: 0.15,
            active: 0.30,
            lurker: 0.55,
        };
        let shares = pyramid(&counts, &target);
        assert_eq!(shares[0].share, 0.25);
        assert_eq!(shares[2].members, 2);
        assert_eq!(shares[2].target_share, 0.55);
        assert!(
            pyramid(&HashMap::new(), &target)
                .iter()
                .all(|s| s.share == 0.0)
        );
    }
}
