//! Tenants and roles: `tenant`, `createTenant`, `grantRole`, `Tenant.clients`, and the tenant's
//! settings (its overrides of the product defaults).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::auth::tokens::VerifiedAccess;
use qunyun_core::defaults;
use qunyun_core::tenancy::{self, NewTenant, Permission};
use qunyun_entity::tenants;

use super::account::{Role, TenantMembership};
use super::context::{access, caller, loaders, services, write};
use super::error::{Code, GqlResult, UserError, error, payload};
use super::ids::{self, to_global};
use super::pagination::{build, page_request};
use super::scalars::DateTime;
use crate::auth::Credentials;
use crate::connection;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::TenantKind")]
pub enum TenantKind {
    Agency,
    Brand,
}

pub struct Tenant(pub tenants::Model);

connection!(TenantConnection, TenantEdge, Tenant);

/// Whether the caller may read this tenant's own data (a role in it, direct or inherited, or an
/// API key bound to it).
async fn may_read(ctx: &Context<'_>, tenant: &tenants::Model) -> async_graphql::Result<bool> {
    match &caller(ctx)?.credentials {
        Credentials::User(VerifiedAccess { user_id, .. }) => {
            Ok(
                tenancy::effective_role(&services(ctx)?.db, *user_id, tenant)
                    .await
                    .gql()?
                    .is_some(),
            )
        }
        Credentials::ApiKey(key) => Ok(key.tenant_id == tenant.id),
        _ => Ok(false),
    }
}

async fn require_read(ctx: &Context<'_>, tenant: &tenants::Model) -> async_graphql::Result<()> {
    if may_read(ctx, tenant).await? {
        Ok(())
    } else {
        Err(error(Code::Forbidden, "you hold no role in this tenant"))
    }
}

#[Object]
impl Tenant {
    pub async fn id(&self) -> ID {
        to_global("Tenant", self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> TenantKind {
        self.0.kind.into()
    }
    /// IANA time zone, e.g. Asia/Shanghai.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// The agency this brand is a client of.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tenant>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.tenants.load_one(parent_id).await?.map(Tenant))
    }
    /// An agency's client tenants. Needs a role in this tenant.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<TenantConnection> {
        let request = page_request(first, after)?;
        require_read(ctx, &self.0).await?;
        let page = tenancy::clients(&services(ctx)?.db, self.0.id, request)
            .await
            .gql()?;
        Ok(build(page, |t| t.id, Tenant).into())
    }
    /// The product defaults as this tenant has them (its overrides applied). Needs a role here.
    async fn settings(&self, ctx: &Context<'_>) -> async_graphql::Result<serde_json::Value> {
        require_read(ctx, &self.0).await?;
        let tx = services(ctx)?.db.tenant_read(self.0.id).await.gql()?;
        let effective = defaults::for_tenant(&tx).await.gql()?;
        serde_json::to_value(effective)
            .map_err(|e| super::error::from_domain(qunyun_core::DomainError::internal(e)))
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[derive(InputObject)]
pub struct CreateTenantInput {
    pub name: String,
    pub slug: String,
    pub kind: TenantKind,
    /// IANA zone; default Asia/Shanghai.
    pub timezone: Option<String>,
    /// An agency tenant in which the caller is OWNER or ADMIN: the new tenant becomes its client.
    pub parent_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct CreateTenantPayload {
    pub tenant: Option<Tenant>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub email: String,
    pub role: Role,
}

#[derive(SimpleObject)]
pub struct GrantRolePayload {
    pub membership: Option<TenantMembership>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UpdateTenantSettingsInput {
    /// A JSON object of the defaults to override, in the shape of `Tenant.settings` (only the keys
    /// that change). Replaces the previous overrides; `{}` restores every default.
    pub overrides: serde_json::Value,
}

#[derive(SimpleObject)]
pub struct UpdateTenantSettingsPayload {
    /// The effective settings after the change.
    pub settings: Option<serde_json::Value>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct TenancyQuery;

#[Object]
impl TenancyQuery {
    /// The tenant that the request acts in.
    async fn tenant(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tenant>> {
        let access = access(ctx, Permission::Read).await?;
        Ok(Some(Tenant(access.tenant.clone())))
    }
}

#[derive(Default)]
pub struct TenancyMutation;

#[Object]
impl TenancyMutation {
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> async_graphql::Result<CreateTenantPayload> {
        let user = caller(ctx)?.user().gql()?;
        let parent_id = match &input.parent_id {
            None => None,
            Some(id) => match ids::input(id, "Tenant", "parentId") {
                Ok(uuid) => Some(uuid),
                Err(e) => {
                    let (_, user_errors) = payload::<()>(Err(e))?;
                    return Ok(CreateTenantPayload {
                        tenant: None,
                        user_errors,
                    });
                }
            },
        };
        let result = tenancy::create_tenant(
            &services(ctx)?.db,
            user.user_id,
            NewTenant {
                name: &input.name,
                slug: &input.slug,
                kind: input.kind.into(),
                timezone: input.timezone.as_deref(),
                parent_id,
            },
        )
        .await;
        let (tenant, user_errors) = payload(result)?;
        Ok(CreateTenantPayload {
            tenant: tenant.map(Tenant),
            user_errors,
        })
    }

    /// Gives a user (by e-mail) a role in the request's tenant. ADMIN or OWNER; only an OWNER
    /// grants OWNER.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: GrantRoleInput,
    ) -> async_graphql::Result<GrantRolePayload> {
        let access = access(ctx, Permission::Administer).await?;
        let result =
            tenancy::grant_role(&services(ctx)?.db, access, &input.email, input.role.into()).await;
        let (membership, user_errors) = payload(result)?;
        Ok(GrantRolePayload {
            membership: membership.map(TenantMembership),
            user_errors,
        })
    }

    /// Replaces the tenant's overrides of the product defaults. ADMIN or OWNER.
    async fn update_tenant_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateTenantSettingsInput,
    ) -> async_graphql::Result<UpdateTenantSettingsPayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = defaults::set_overrides(&tx, input.overrides).await;
        let (settings, user_errors) = payload(tx.finish(result).await)?;
        let settings = settings
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| super::error::from_domain(qunyun_core::DomainError::internal(e)))?;
        Ok(UpdateTenantSettingsPayload {
            settings,
            user_errors,
        })
    }
}
