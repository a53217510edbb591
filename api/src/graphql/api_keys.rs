//! API keys: `createApiKey`, `revokeApiKey`, `apiKeys`. ADMIN or OWNER; the secret is shown
//! once, in `createApiKey`'s answer.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::auth::api_keys;
use qunyun_core::tenancy::Permission;
use qunyun_entity::api_keys as entity;

use super::context::{read, write};
use super::error::{GqlResult, UserError, payload};
use super::ids::{self, to_global};
use super::scalars::DateTime;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::ApiKeyScope")]
pub enum ApiKeyScope {
    Ingest,
    Read,
    Write,
}

pub struct ApiKey(pub entity::Model);

#[Object]
impl ApiKey {
    pub async fn id(&self) -> ID {
        to_global("ApiKey", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first characters of the key, to tell keys apart; the secret itself is never shown again.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    async fn scopes(&self) -> Vec<ApiKeyScope> {
        self.0.scope_list().into_iter().map(Into::into).collect()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(Into::into)
    }
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(Into::into)
    }
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub name: String,
    pub scopes: Vec<ApiKeyScope>,
}

#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    pub api_key: Option<ApiKey>,
    /// The whole key, `qy_…`, shown only in this answer.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    pub api_key: Option<ApiKey>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ApiKeyQuery;

#[Object]
impl ApiKeyQuery {
    /// The tenant's API keys, revoked ones included. ADMIN or OWNER.
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiKey>> {
        let (_, tx) = read(ctx, Permission::Administer).await?;
        Ok(api_keys::list(&tx)
            .await
            .gql()?
            .into_iter()
            .map(ApiKey)
            .collect())
    }
}

#[derive(Default)]
pub struct ApiKeyMutation;

#[Object]
impl ApiKeyMutation {
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let (access, tx) = write(ctx, Permission::Administer).await?;
        let scopes: Vec<_> = input.scopes.into_iter().map(Into::into).collect();
        let result = api_keys::create(&tx, access.user_id(), &input.name, &scopes).await;
        let (created, user_errors) = payload(tx.finish(result).await)?;
        Ok(match created {
            Some(created) => CreateApiKeyPayload {
                api_key: Some(ApiKey(created.key)),
                secret: Some(created.secret),
                user_errors,
            },
            None => CreateApiKeyPayload {
                api_key: None,
                secret: None,
                user_errors,
            },
        })
    }

    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> async_graphql::Result<RevokeApiKeyPayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = match ids::input(&input.id, "ApiKey", "id") {
            Ok(id) => api_keys::revoke(&tx, id).await,
            Err(e) => Err(e),
        };
        let (key, user_errors) = payload(tx.finish(result).await)?;
        Ok(RevokeApiKeyPayload {
            api_key: key.map(ApiKey),
            user_errors,
        })
    }
}
