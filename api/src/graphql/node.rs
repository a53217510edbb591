//! The Relay `Node` interface and `node(id:)`. An id of another tenant's object answers null,
//! exactly like an id that does not exist.

use async_graphql::{Context, ID, Interface, Object};
use qunyun_core::tenancy::{self, Permission};
use qunyun_entity::api_keys as api_key_entity;

use super::account::User;
use super::api_keys::ApiKey;
use super::context::{caller, loaders, read, services};
use super::error::GqlResult;
use super::ids::from_global;
use super::tenancy::Tenant;
use crate::auth::Credentials;

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Tenant(Tenant),
    ApiKey(ApiKey),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((kind, uuid)) = from_global(&id) else {
            return Ok(None);
        };
        match kind.as_str() {
            "User" => {
                // A user sees only themself.
                if caller(ctx)?.user_id() != Some(uuid) {
                    return Ok(None);
                }
                Ok(loaders(ctx)?
                    .users
                    .load_one(uuid)
                    .await?
                    .map(|u| Node::User(User(u))))
            }
            "Tenant" => {
                let Some(tenant) = loaders(ctx)?.tenants.load_one(uuid).await? else {
                    return Ok(None);
                };
                let visible = match &caller(ctx)?.credentials {
                    Credentials::User(user) => {
                        tenancy::effective_role(&services(ctx)?.db, user.user_id, &tenant)
                            .await
                            .gql()?
                            .is_some()
                    }
                    Credentials::ApiKey(key) => key.tenant_id == tenant.id,
                    _ => false,
                };
                Ok(visible.then_some(Node::Tenant(Tenant(tenant))))
            }
            "ApiKey" => {
                let (_, tx) = read(ctx, Permission::Administer).await?;
                Ok(tx
                    .get::<api_key_entity::Entity>(uuid)
                    .await
                    .gql()?
                    .map(|k| Node::ApiKey(ApiKey(k))))
            }
            _ => Ok(None),
        }
    }
}
