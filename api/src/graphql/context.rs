//! Reaching the request's services, caller and tenant from a resolver, without panics.

use std::sync::Arc;

use async_graphql::Context;
use qunyun_core::DomainError;
use qunyun_core::scope::TenantTx;
use qunyun_core::tenancy::{Permission, TenantAccess};

use super::error::GqlResult;
use super::loaders::{Loaders, TenantLoaders};
use crate::auth::Caller;
use crate::state::Services;

fn missing(what: &str) -> async_graphql::Error {
    super::error::from_domain(DomainError::internal(anyhow::anyhow!(
        "{what} missing from the GraphQL context"
    )))
}

pub fn services<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data_opt::<Services>()
        .ok_or_else(|| missing("services"))
}

pub fn caller<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Caller> {
    ctx.data_opt::<Arc<Caller>>()
        .map(Arc::as_ref)
        .ok_or_else(|| missing("caller"))
}

pub fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data_opt::<Loaders>().ok_or_else(|| missing("loaders"))
}

/// The request's tenant, if the caller may act there with `permission`.
pub async fn access<'a>(
    ctx: &Context<'a>,
    permission: Permission,
) -> async_graphql::Result<&'a TenantAccess> {
    let access = caller(ctx)?.access(services(ctx)?).await.gql()?;
    access.require(permission).gql()?;
    Ok(access)
}

/// The request tenant's loaders, after checking the caller may read there.
pub async fn tenant_loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a TenantLoaders> {
    let access = access(ctx, Permission::Read).await?;
    Ok(loaders(ctx)?.tenant(access.tenant_id())?)
}

/// A read-only transaction in the request's tenant, after checking `permission`.
pub async fn read<'a>(
    ctx: &Context<'a>,
    permission: Permission,
) -> async_graphql::Result<(&'a TenantAccess, TenantTx)> {
    let access = access(ctx, permission).await?;
    let tx = services(ctx)?
        .db
        .tenant_read(access.tenant_id())
        .await
        .gql()?;
    Ok((access, tx))
}

/// A read-write transaction in the request's tenant, after checking `permission`.
pub async fn write<'a>(
    ctx: &Context<'a>,
    permission: Permission,
) -> async_graphql::Result<(&'a TenantAccess, TenantTx)> {
    let access = access(ctx, permission).await?;
    let tx = services(ctx)?
        .db
        .tenant_write(access.tenant_id())
        .await
        .gql()?;
    Ok((access, tx))
}
