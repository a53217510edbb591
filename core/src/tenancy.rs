//! Tenants, roles and what each role may do.
//!
//! | permission   | OWNER | ADMIN | OPERATOR | ANALYST | key READ | key WRITE |
//! |--------------|-------|-------|----------|---------|----------|-----------|
//! | Read         | yes   | yes   | yes      | yes     | yes      | yes       |
//! | Operate      | yes   | yes   | yes      |         |          | yes       |
//! | Administer   | yes   | yes   |          |         |          |           |
//! | Own          | yes   |       |          |         |          |           |
//!
//! A role held in an AGENCY tenant applies, unchanged, to its client tenants (`inherited`), and
//! to nothing else: not to the agency's parent (it has none), not to sibling agencies.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use qunyun_entity::{ApiKeyScope, Role, TenantKind, memberships, tenants, users};

use crate::auth::api_keys::ApiKeyPrincipal;
use crate::db::Db;
use crate::defaults::TenantDefaults;
use crate::error::on_unique;
use crate::ids::{new_id, now};
use crate::page::{Page, PageRequest, keyset};
use crate::validate::{Email, Name, Problems, Slug, TimeZone};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the tenant's data.
    Read,
    /// Write operational data: groups, content, posts, campaigns, moderation.
    Operate,
    /// Manage roles, API keys, connectors and channels.
    Administer,
    /// Everything, including granting OWNER.
    Own,
}

impl Permission {
    fn describe(self) -> &'static str {
        match self {
            Permission::Read => "read this tenant's data",
            Permission::Operate => "change this tenant's operational data",
            Permission::Administer => "administer this tenant (roles, keys, connectors, channels)",
            Permission::Own => "do what only an owner may",
        }
    }
}

pub fn role_allows(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::Read => true,
        Permission::Operate => matches!(role, Role::Owner | Role::Admin | Role::Operator),
        Permission::Administer => matches!(role, Role::Owner | Role::Admin),
        Permission::Own => role == Role::Owner,
    }
}

pub fn scopes_allow(scopes: &[ApiKeyScope], permission: Permission) -> bool {
    match permission {
        Permission::Read => scopes
            .iter()
            .any(|s| matches!(s, ApiKeyScope::Read | ApiKeyScope::Write)),
        Permission::Operate => scopes.contains(&ApiKeyScope::Write),
        Permission::Administer | Permission::Own => false,
    }
}

/// Who acts in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        user_id: Uuid,
        role: Role,
        inherited: bool,
    },
    ApiKey {
        key_id: Uuid,
        scopes: Vec<ApiKeyScope>,
    },
}

/// A caller's standing in one tenant, established once per request from its credentials.
#[derive(Debug, Clone)]
pub struct TenantAccess {
    pub tenant: tenants::Model,
    pub actor: Actor,
}

impl TenantAccess {
    pub fn tenant_id(&self) -> Uuid {
        self.tenant.id
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::User { user_id, .. } => Some(user_id),
            Actor::ApiKey { .. } => None,
        }
    }

    pub fn allows(&self, permission: Permission) -> bool {
        match &self.actor {
            Actor::User { role, .. } => role_allows(*role, permission),
            Actor::ApiKey { scopes, .. } => scopes_allow(scopes, permission),
        }
    }

    pub fn require(&self, permission: Permission) -> DomainResult<()> {
        if self.allows(permission) {
            return Ok(());
        }
        let who = match &self.actor {
            Actor::User { role, .. } => format!("the role {}", role_name(*role)),
            Actor::ApiKey { .. } => "this API key".to_owned(),
        };
        Err(DomainError::forbidden(format!(
            "{who} may not {}",
            permission.describe()
        )))
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "OWNER",
        Role::Admin => "ADMIN",
        Role::Operator => "OPERATOR",
        Role::Analyst => "ANALYST",
    }
}

/// A user's effective role in a tenant: direct, or inherited from the tenant's agency parent;
/// the stronger when both (direct on a tie).
pub async fn effective_role(
    db: &Db,
    user_id: Uuid,
    tenant: &tenants::Model,
) -> DomainResult<Option<(Role, bool)>> {
    let mut ids = vec![tenant.id];
    ids.extend(tenant.parent_id);
    let rows = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::TenantId.is_in(ids))
        .all(db.global())
        .await?;
    let direct = rows
        .iter()
        .find(|m| m.tenant_id == tenant.id)
        .map(|m| m.role);
    let inherited = rows
        .iter()
        .find(|m| Some(m.tenant_id) == tenant.parent_id)
        .map(|m| m.role);
    Ok(stronger(direct, inherited))
}

fn stronger(direct: Option<Role>, inherited: Option<Role>) -> Option<(Role, bool)> {
    match (direct, inherited) {
        (Some(d), Some(i)) if i.rank() > d.rank() => Some((i, true)),
        (Some(d), _) => Some((d, false)),
        (None, Some(i)) => Some((i, true)),
        (None, None) => None,
    }
}

/// The tenant's time zone (validated when stored; Asia/Shanghai should it ever not parse).
pub fn timezone_of(tenant: &tenants::Model) -> chrono_tz::Tz {
    tenant.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

pub async fn find_tenant(db: &Db, id: Uuid) -> DomainResult<Option<tenants::Model>> {
    Ok(tenants::Entity::find_by_id(id).one(db.global()).await?)
}

/// The access of a user in a tenant; `None` if the tenant does not exist or the user holds no
/// role there (the caller cannot tell which).
pub async fn access_for_user(
    db: &Db,
    user_id: Uuid,
    tenant_id: Uuid,
) -> DomainResult<Option<TenantAccess>> {
    let Some(tenant) = find_tenant(db, tenant_id).await? else {
        return Ok(None);
    };
    Ok(effective_role(db, user_id, &tenant)
        .await?
        .map(|(role, inherited)| TenantAccess {
            tenant,
            actor: Actor::User {
                user_id,
                role,
                inherited,
            },
        }))
}

pub async fn access_for_key(db: &Db, key: &ApiKeyPrincipal) -> DomainResult<Option<TenantAccess>> {
    Ok(find_tenant(db, key.tenant_id)
        .await?
        .map(|tenant| TenantAccess {
            tenant,
            actor: Actor::ApiKey {
                key_id: key.key_id,
                scopes: key.scopes.clone(),
            },
        }))
}

/// A membership as the API shows it.
#[derive(Debug, Clone)]
pub struct MembershipView {
    pub tenant: tenants::Model,
    pub role: Role,
    pub inherited: bool,
}

/// Every tenant the user can act in: direct memberships, and the clients of agencies where the
/// user holds a role.
pub async fn memberships_of(db: &Db, user_id: Uuid) -> DomainResult<Vec<MembershipView>> {
    let direct = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .all(db.global())
        .await?;
    let roles: HashMap<Uuid, Role> = direct.iter().map(|m| (m.tenant_id, m.role)).collect();
    let tenant_ids: Vec<Uuid> = roles.keys().copied().collect();
    let mut views: HashMap<Uuid, MembershipView> = HashMap::new();
    let mut agency_roles: HashMap<Uuid, Role> = HashMap::new();
    for tenant in tenants_by_ids(db, &tenant_ids).await? {
        let Some(role) = roles.get(&tenant.id).copied() else {
            continue;
        };
        if tenant.kind == TenantKind::Agency {
            agency_roles.insert(tenant.id, role);
        }
        views.insert(
            tenant.id,
            MembershipView {
                tenant,
                role,
                inherited: false,
            },
        );
    }
    if !agency_roles.is_empty() {
        let clients = tenants::Entity::find()
            .filter(tenants::Column::ParentId.is_in(agency_roles.keys().copied()))
            .all(db.global())
            .await?;
        for client in clients {
            let Some(inherited) = client.parent_id.and_then(|p| agency_roles.get(&p)).copied()
            else {
                continue;
            };
            let direct = views.get(&client.id).map(|v| v.role);
            if let Some((role, is_inherited)) = stronger(direct, Some(inherited)) {
                views.insert(
                    client.id,
                    MembershipView {
                        tenant: client,
                        role,
                        inherited: is_inherited,
                    },
                );
            }
        }
    }
    let mut list: Vec<MembershipView> = views.into_values().collect();
    list.sort_by_key(|v| v.tenant.id);
    Ok(list)
}

pub struct NewTenant<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub kind: TenantKind,
    pub timezone: Option<&'a str>,
    pub parent_id: Option<Uuid>,
}

/// Creates a tenant with the caller as its OWNER; with a parent, as a client of that agency,
/// which needs the caller to be OWNER or ADMIN there.
pub async fn create_tenant(
    db: &Db,
    user_id: Uuid,
    input: NewTenant<'_>,
) -> DomainResult<tenants::Model> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", input.name, 100));
    let slug = problems.take(Slug::parse("slug", input.slug));
    let default_zone = TenantDefaults::default().timezone;
    let timezone = problems.take(TimeZone::parse(
        "timezone",
        input.timezone.unwrap_or(&default_zone),
    ));
    if let Some(parent_id) = input.parent_id {
        match find_tenant(db, parent_id).await? {
            None => problems.push(FieldError::input(
                "parentId",
                UserErrorCode::NotFound,
                "no such agency tenant",
            )),
            Some(parent) => {
                let role = effective_role(db, user_id, &parent).await?;
                if role.is_none() {
                    problems.push(FieldError::input(
                        "parentId",
                        UserErrorCode::NotFound,
                        "no such agency tenant",
                    ));
                } else if !role.is_some_and(|(r, _)| role_allows(r, Permission::Administer)) {
                    problems.push(FieldError::input(
                        "parentId",
                        UserErrorCode::Forbidden,
                        "only an OWNER or ADMIN of the agency may add clients to it",
                    ));
                } else if parent.kind != TenantKind::Agency {
                    problems.push(FieldError::input(
                        "parentId",
                        UserErrorCode::Invalid,
                        "the parent must be an AGENCY tenant",
                    ));
                } else if input.kind != TenantKind::Brand {
                    problems.push(FieldError::input(
                        "kind",
                        UserErrorCode::Invalid,
                        "an agency's client must be a BRAND",
                    ));
                }
            }
        }
    }
    problems.finish()?;
    let (Some(name), Some(slug), Some(timezone)) = (name, slug, timezone) else {
        return Err(DomainError::internal(anyhow::anyhow!(
            "validated tenant input missing"
        )));
    };

    let tx = db.begin_write().await?;
    let at = now();
    let tenant = tenants::ActiveModel {
        id: Set(new_id()),
        slug: Set(slug.into_inner()),
        name: Set(name.into_inner()),
        kind: Set(input.kind),
        timezone: Set(timezone.name().to_owned()),
        parent_id: Set(input.parent_id),
        created_at: Set(at),
    }
    .insert(&tx)
    .await
    .map_err(on_unique("slug", "a tenant with this slug exists"))?;
    memberships::ActiveModel {
        tenant_id: Set(tenant.id),
        user_id: Set(user_id),
        role: Set(Role::Owner),
        granted_by: Set(Some(user_id)),
        created_at: Set(at),
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    // The tenant starts with the default alert rules (the alerts pass creates them too, should
    // this fail).
    let seeded = async {
        let tx = db.tenant_write(tenant.id).await?;
        let settings = crate::defaults::for_tenant(&tx).await?;
        crate::monitoring::alerts::ensure_default_rules(&tx, &settings, at).await?;
        tx.commit().await?;
        Ok::<_, DomainError>(())
    }
    .await;
    if let Err(err) = seeded {
        tracing::warn!(error = %err, tenant_id = %tenant.id, "could not create the default alert rules yet");
    }
    Ok(tenant)
}

/// Gives the user with this e-mail a role in the tenant (or changes it).
pub async fn grant_role(
    db: &Db,
    access: &TenantAccess,
    email: &str,
    role: Role,
) -> DomainResult<MembershipView> {
    access.require(Permission::Administer)?;
    let email = Email::parse("email", email).map_err(|e| DomainError::Invalid(vec![e]))?;
    if role == Role::Owner && !access.allows(Permission::Own) {
        return Err(DomainError::invalid(
            "role",
            UserErrorCode::Forbidden,
            "only an OWNER may grant OWNER",
        ));
    }
    let Some(user) = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db.global())
        .await?
    else {
        return Err(DomainError::invalid(
            "email",
            UserErrorCode::NotFound,
            "no user with this e-mail address; they must sign up first",
        ));
    };
    let tx = db.tenant_write(access.tenant_id()).await?;
    let existing = tx
        .select::<memberships::Entity>()
        .filter(memberships::Column::UserId.eq(user.id))
        .one(tx.conn())
        .await?;
    let at = now();
    match existing {
        Some(current) if current.role == role => {}
        Some(current) => {
            if current.role == Role::Owner {
                if !access.allows(Permission::Own) {
                    return Err(DomainError::invalid(
                        "role",
                        UserErrorCode::Forbidden,
                        "only an OWNER may change an owner's role",
                    ));
                }
                let owners = tx
                    .select::<memberships::Entity>()
                    .filter(memberships::Column::Role.eq(Role::Owner))
                    .count(tx.conn())
                    .await?;
                if owners <= 1 {
                    return Err(DomainError::invalid(
                        "role",
                        UserErrorCode::Conflict,
                        "a tenant keeps at least one OWNER",
                    ));
                }
            }
            let mut model: memberships::ActiveModel = current.into();
            model.role = Set(role);
            model.granted_by = Set(access.user_id());
            tx.update(model).await?;
        }
        None => {
            tx.insert(memberships::ActiveModel {
                tenant_id: Set(access.tenant_id()),
                user_id: Set(user.id),
                role: Set(role),
                granted_by: Set(access.user_id()),
                created_at: Set(at),
            })
            .await?;
        }
    }
    tx.commit().await?;
    Ok(MembershipView {
        tenant: access.tenant.clone(),
        role,
        inherited: false,
    })
}

/// The client tenants of an agency, a page at a time.
pub async fn clients(
    db: &Db,
    agency_id: Uuid,
    request: PageRequest,
) -> DomainResult<Page<tenants::Model>> {
    let select = tenants::Entity::find().filter(tenants::Column::ParentId.eq(agency_id));
    Ok(keyset(db.global(), select, tenants::Column::Id, request).await?)
}

/// Tenants by id, for loaders.
pub async fn tenants_by_ids(db: &Db, ids: &[Uuid]) -> DomainResult<Vec<tenants::Model>> {
    Ok(tenants::Entity::find()
        .filter(tenants::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(tenants::Column::Id)
        .all(db.global())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_table() {
        use Permission::*;
        let can = |r, p| role_allows(r, p);
        assert!(can(Role::Analyst, Read) && !can(Role::Analyst, Operate));
        assert!(can(Role::Operator, Operate) && !can(Role::Operator, Administer));
        assert!(can(Role::Admin, Administer) && !can(Role::Admin, Own));
        assert!(can(Role::Owner, Own));
        assert!(scopes_allow(&[ApiKeyScope::Read], Read));
        assert!(!scopes_allow(&[ApiKeyScope::Read], Operate));
        assert!(scopes_allow(&[ApiKeyScope::Write], Operate));
        assert!(!scopes_allow(&[ApiKeyScope::Ingest], Read));
        assert!(!scopes_allow(
            &[ApiKeyScope::Write, ApiKeyScope::Read],
            Administer
        ));
    }

    #[test]
    fn stronger_role_wins() {
        assert_eq!(
            stronger(Some(Role::Analyst), Some(Role::Admin)),
            Some((Role::Admin, true))
        );
        assert_eq!(
            stronger(Some(Role::Admin), Some(Role::Admin)),
            Some((Role::Admin, false))
        );
        assert_eq!(
            stronger(None, Some(Role::Operator)),
            Some((Role::Operator, true))
        );
        assert_eq!(stronger(None, None), None);
    }
}
