//! Who is calling, from the `Authorization` and `X-Tenant-ID` headers (or, for subscriptions,
//! the `connection_init` payload). A tenant id comes only from here: the user's role in the
//! tenant named by the header, or the tenant an API key is bound to.

use std::net::IpAddr;

use qunyun_core::auth::api_keys::{self, ApiKeyPrincipal, KEY_PREFIX};
use qunyun_core::auth::tokens::{TokenError, VerifiedAccess};
use qunyun_core::tenancy::{self, TenantAccess};
use qunyun_core::{DomainError, DomainResult};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::graphql::ids;
use crate::state::Services;

pub const TENANT_HEADER: &str = "x-tenant-id";

#[derive(Debug, Clone)]
pub enum Credentials {
    Anonymous,
    User(VerifiedAccess),
    ApiKey(ApiKeyPrincipal),
    /// Credentials were presented but are not valid; the reason is safe to show.
    Invalid(&'static str),
}

#[derive(Debug, Clone)]
enum Denied {
    Unauthenticated(String),
    TenantRequired,
    Forbidden(String),
}

impl From<Denied> for DomainError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Unauthenticated(m) => DomainError::Unauthenticated(m),
            Denied::TenantRequired => DomainError::TenantRequired,
            Denied::Forbidden(m) => DomainError::Forbidden(m),
        }
    }
}

/// The caller of one request (or one websocket connection).
pub struct Caller {
    pub credentials: Credentials,
    pub client_ip: Option<IpAddr>,
    tenant_header: Option<String>,
    access: OnceCell<Result<TenantAccess, Denied>>,
}

const NEED_CREDENTIALS: &str = "sign in (Authorization: Bearer <access token>) or use an API key";

impl Caller {
    pub fn anonymous(client_ip: Option<IpAddr>) -> Caller {
        Caller {
            credentials: Credentials::Anonymous,
            client_ip,
            tenant_header: None,
            access: OnceCell::new(),
        }
    }

    /// Reads the credentials. Only a database failure is an error; bad credentials give
    /// [`Credentials::Invalid`].
    pub async fn authenticate(
        services: &Services,
        authorization: Option<&str>,
        tenant_header: Option<&str>,
        client_ip: Option<IpAddr>,
    ) -> DomainResult<Caller> {
        let credentials = match authorization.map(str::trim).filter(|v| !v.is_empty()) {
            None => Credentials::Anonymous,
            Some(value) => match bearer(value) {
                None => Credentials::Invalid("the Authorization header must be `Bearer <token>`"),
                Some(token) if token.starts_with(KEY_PREFIX) => {
                    match api_keys::authenticate(&services.db, token).await? {
                        Some(key) => Credentials::ApiKey(key),
                        None => Credentials::Invalid("the API key is unknown or revoked"),
                    }
                }
                Some(token) => match services.auth.tokens.verify(token) {
                    Ok(access) => Credentials::User(access),
                    Err(TokenError::Expired) => {
                        Credentials::Invalid("the access token has expired")
                    }
                    Err(TokenError::Invalid) => {
                        Credentials::Invalid("the access token is not valid")
                    }
                },
            },
        };
        Ok(Caller {
            credentials,
            client_ip,
            tenant_header: tenant_header
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            access: OnceCell::new(),
        })
    }

    pub fn has_invalid_credentials(&self) -> bool {
        matches!(self.credentials, Credentials::Invalid(_))
    }

    /// The signed-in user, or `UNAUTHENTICATED`.
    pub fn user(&self) -> DomainResult<VerifiedAccess> {
        match &self.credentials {
            Credentials::User(access) => Ok(*access),
            Credentials::Invalid(reason) => Err(DomainError::Unauthenticated((*reason).into())),
            Credentials::ApiKey(_) => Err(DomainError::Forbidden(
                "this needs a signed-in user, not an API key".into(),
            )),
            Credentials::Anonymous => Err(DomainError::Unauthenticated(NEED_CREDENTIALS.into())),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.credentials {
            Credentials::User(access) => Some(access.user_id),
            _ => None,
        }
    }

    /// The tenant this request acts in, with the caller's standing there; established once.
    pub async fn access(&self, services: &Services) -> DomainResult<&TenantAccess> {
        let resolved = self
            .access
            .get_or_try_init(|| self.resolve(services))
            .await?;
        resolved.as_ref().map_err(|d| d.clone().into())
    }

    async fn resolve(&self, services: &Services) -> DomainResult<Result<TenantAccess, Denied>> {
        let requested = self.tenant_header.as_deref().map(parse_tenant_id);
        match &self.credentials {
            Credentials::Anonymous => Ok(Err(Denied::Unauthenticated(NEED_CREDENTIALS.into()))),
            Credentials::Invalid(reason) => Ok(Err(Denied::Unauthenticated((*reason).into()))),
            Credentials::ApiKey(key) => {
                if let Some(requested) = requested
                    && requested != Some(key.tenant_id)
                {
                    return Ok(Err(Denied::Forbidden(
                        "this API key belongs to another tenant".into(),
                    )));
                }
                Ok(tenancy::access_for_key(&services.db, key).await?.ok_or(
                    Denied::Unauthenticated("the API key's tenant no longer exists".into()),
                ))
            }
            Credentials::User(user) => {
                let Some(requested) = requested else {
                    return Ok(Err(Denied::TenantRequired));
                };
                let no_role =
                    || Denied::Forbidden("you hold no role in the tenant of X-Tenant-ID".into());
                let Some(tenant_id) = requested else {
                    return Ok(Err(no_role()));
                };
                Ok(
                    tenancy::access_for_user(&services.db, user.user_id, tenant_id)
                        .await?
                        .ok_or_else(no_role),
                )
            }
        }
    }
}

fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// `X-Tenant-ID` takes the tenant's global id (`Tenant.id`) or its bare uuid.
fn parse_tenant_id(value: &str) -> Option<Uuid> {
    ids::of_kind(value, "Tenant").or_else(|| Uuid::parse_str(value).ok())
}
