//! Users and sessions: `signUp`, `signIn`, `refreshSession`, `signOut`, `viewer`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use qunyun_core::auth::sessions::Session as CoreSession;
use qunyun_core::tenancy::{self, MembershipView};
use qunyun_entity::users;

use super::context::{caller, loaders, services};
use super::error::{GqlResult, UserError, payload};
use super::ids::to_global;
use super::scalars::DateTime;
use super::tenancy::Tenant;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_entity::Role")]
pub enum Role {
    Owner,
    Admin,
    Operator,
    Analyst,
}

pub struct User(pub users::Model);

#[Object]
impl User {
    pub async fn id(&self) -> ID {
        to_global("User", self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

pub struct TenantMembership(pub MembershipView);

#[Object]
impl TenantMembership {
    async fn tenant(&self) -> Tenant {
        Tenant(self.0.tenant.clone())
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// True when the role comes from the parent agency tenant.
    async fn inherited(&self) -> bool {
        self.0.inherited
    }
}

pub struct Viewer {
    user: users::Model,
}

#[Object]
impl Viewer {
    async fn user(&self) -> User {
        User(self.user.clone())
    }
    async fn memberships(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TenantMembership>> {
        let list = tenancy::memberships_of(&services(ctx)?.db, self.user.id)
            .await
            .gql()?;
        Ok(list.into_iter().map(TenantMembership).collect())
    }
}

#[derive(SimpleObject)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime,
    pub user: User,
}

impl From<CoreSession> for Session {
    fn from(s: CoreSession) -> Self {
        Session {
            access_token: s.access_token,
            access_token_expires_at: s.access_token_expires_at.into(),
            refresh_token: s.refresh_token,
            refresh_token_expires_at: s.refresh_token_expires_at.into(),
            user: User(s.user),
        }
    }
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub session: Option<Session>,
    pub user_errors: Vec<UserError>,
}

impl AuthPayload {
    fn from(result: Result<CoreSession, qunyun_core::DomainError>) -> async_graphql::Result<Self> {
        let (session, user_errors) = payload(result)?;
        Ok(AuthPayload {
            session: session.map(Session::from),
            user_errors,
        })
    }
}

#[derive(SimpleObject)]
pub struct SignOutPayload {
    pub ok: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
}

#[derive(InputObject)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct SignOutInput {
    pub refresh_token: String,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Null when the request carries no valid credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Viewer>> {
        let Some(user_id) = caller(ctx)?.user_id() else {
            return Ok(None);
        };
        let user = loaders(ctx)?.users.load_one(user_id).await?;
        Ok(user.map(|user| Viewer { user }))
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let result = services(ctx)?
            .auth
            .sign_up(
                &input.email,
                &input.password,
                &input.display_name,
                caller(ctx)?.client_ip,
            )
            .await;
        AuthPayload::from(result)
    }

    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<AuthPayload> {
        let result = services(ctx)?
            .auth
            .sign_in(&input.email, &input.password, caller(ctx)?.client_ip)
            .await;
        AuthPayload::from(result)
    }

    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<AuthPayload> {
        AuthPayload::from(services(ctx)?.auth.refresh(&input.refresh_token).await)
    }

    async fn sign_out(
        &self,
        ctx: &Context<'_>,
        input: SignOutInput,
    ) -> async_graphql::Result<SignOutPayload> {
        let found = services(ctx)?
            .auth
            .sign_out(&input.refresh_token)
            .await
            .gql()?;
        Ok(SignOutPayload {
            ok: found,
            user_errors: if found {
                Vec::new()
            } else {
                vec![UserError {
                    field: Some(vec!["input".into(), "refreshToken".into()]),
                    message: "unknown refresh token".into(),
                    code: super::error::UserErrorCode::Invalid,
                }]
            },
        })
    }
}
