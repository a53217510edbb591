//! The one mapping from domain errors to GraphQL: error codes in `extensions.code` for access
//! and request problems, `userErrors` in mutation payloads for input the caller can fix.
//! Internal errors are logged with their whole chain and answered with a generic message.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};
use qunyun_core::{DomainError, FieldError};
use sea_orm::DbErr;

/// The contract's `errors[].extensions.code` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    TenantRequired,
    NotFound,
    BadUserInput,
    RateLimited,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::TenantRequired => "TENANT_REQUIRED",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::RateLimited => "RATE_LIMITED",
            Code::Internal => "INTERNAL",
        }
    }
}

pub const INTERNAL_MESSAGE: &str = "internal error";

pub fn error(code: Code, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code.as_str()))
}

/// The GraphQL error for a domain error. Use through [`GqlResult::gql`].
pub fn from_domain(err: DomainError) -> async_graphql::Error {
    match err {
        DomainError::Invalid(problems) => error(
            Code::BadUserInput,
            problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        DomainError::NotFound(what) => error(Code::NotFound, format!("{what} not found")),
        DomainError::Unauthenticated(message) => error(Code::Unauthenticated, message),
        DomainError::Forbidden(message) => error(Code::Forbidden, message),
        DomainError::TenantRequired => error(
            Code::TenantRequired,
            DomainError::TenantRequired.to_string(),
        ),
        DomainError::RateLimited { retry_after } => {
            let secs = retry_after.as_secs().max(1);
            error(
                Code::RateLimited,
                format!("too many attempts; retry in {secs} s"),
            )
            .extend_with(|_, ext| ext.set("retryAfter", secs))
        }
        DomainError::Internal(source) => {
            tracing::error!(error = ?source, "internal error");
            error(Code::Internal, INTERNAL_MESSAGE)
        }
    }
}

/// `.gql()?` in resolvers: the explicit conversion (the blanket `From<Display>` of
/// async-graphql would send the error's text as is).
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, DomainError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(from_domain)
    }
}

impl<T> GqlResult<T> for Result<T, DbErr> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| from_domain(DomainError::from(e)))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "qunyun_core::UserErrorCode")]
pub enum UserErrorCode {
    Invalid,
    Required,
    NotFound,
    AlreadyExists,
    Forbidden,
    LimitExceeded,
    Conflict,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path to the input field at fault, e.g. ["input", "slug"]; null when not field-specific.
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(e: FieldError) -> Self {
        UserError {
            field: e.field,
            message: e.message,
            code: e.code.into(),
        }
    }
}

/// Splits a mutation's result into the payload's value and its `userErrors`: input problems
/// and missing referenced objects become `userErrors`; access and internal problems stay GraphQL
/// errors.
pub fn payload<T>(
    result: Result<T, DomainError>,
) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(DomainError::Invalid(problems)) => {
            Ok((None, problems.into_iter().map(UserError::from).collect()))
        }
        Err(DomainError::NotFound(what)) => Ok((
            None,
            vec![UserError {
                field: None,
                message: format!("{what} not found"),
                code: UserErrorCode::NotFound,
            }],
        )),
        Err(other) => Err(from_domain(other)),
    }
}
