//! The WeCom connector: `createWecomConnector`, `wecomConnectors`. Secrets (token,
//! EncodingAESKey) are stored, never returned.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use qunyun_core::tenancy::Permission;
use qunyun_core::wecom;
use qunyun_entity::wecom_connectors;

use super::context::{read, write};
use super::error::{GqlResult, UserError, payload};
use super::ids::to_global;
use super::scalars::DateTime;

pub struct WecomConnector(pub wecom_connectors::Model);

#[Object]
impl WecomConnector {
    pub async fn id(&self) -> ID {
        to_global("WecomConnector", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn corp_id(&self) -> &str {
        &self.0.corp_id
    }
    /// Path of the callback URL to register in WeCom, e.g. /connectors/wecom/<id>/callback.
    async fn callback_path(&self) -> String {
        wecom::callback_path(&self.0)
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[derive(InputObject)]
pub struct CreateWecomConnectorInput {
    pub name: String,
    pub corp_id: String,
    pub token: String,
    pub encoding_aes_key: String,
}

#[derive(SimpleObject)]
pub struct CreateWecomConnectorPayload {
    pub connector: Option<WecomConnector>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct WecomQuery;

#[Object]
impl WecomQuery {
    async fn wecom_connectors(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<WecomConnector>> {
        let (_, tx) = read(ctx, Permission::Administer).await?;
        let rows = tx
            .select::<wecom_connectors::Entity>()
            .all(tx.conn())
            .await
            .gql()?;
        Ok(rows.into_iter().map(WecomConnector).collect())
    }
}

#[derive(Default)]
pub struct WecomMutation;

#[Object]
impl WecomMutation {
    async fn create_wecom_connector(
        &self,
        ctx: &Context<'_>,
        input: CreateWecomConnectorInput,
    ) -> async_graphql::Result<CreateWecomConnectorPayload> {
        let (_, tx) = write(ctx, Permission::Administer).await?;
        let result = wecom::create_connector(
            &tx,
            &input.name,
            &input.corp_id,
            &input.token,
            &input.encoding_aes_key,
        )
        .await;
        let (connector, user_errors) = payload(tx.finish(result).await)?;
        Ok(CreateWecomConnectorPayload {
            connector: connector.map(WecomConnector),
            user_errors,
        })
    }
}
