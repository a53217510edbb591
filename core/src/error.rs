//! The one error type of the domain layer. The API maps it once: caller-fixable problems become
//! `userErrors` (or a 4xx with a reason), access problems become GraphQL error codes, and
//! [`DomainError::Internal`] is logged with its whole chain and answered with a generic message.

use std::time::Duration;

use sea_orm::{DbErr, SqlErr};

pub type DomainResult<T> = Result<T, DomainError>;

/// The contract's `UserErrorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    Invalid,
    Required,
    NotFound,
    AlreadyExists,
    Forbidden,
    LimitExceeded,
    Conflict,
}

/// One problem with one input field, which the caller can fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path to the field at fault, e.g. `["input", "slug"]`; `None` when not field-specific.
    pub field: Option<Vec<String>>,
    pub code: UserErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        FieldError {
            field: if field.is_empty() {
                None
            } else {
                Some(field.iter().map(|s| (*s).to_owned()).collect())
            },
            code,
            message: message.into(),
        }
    }

    /// A problem with a field of a mutation's `input`.
    pub fn input(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        Self::new(&["input", field], code, message)
    }

    pub fn general(code: UserErrorCode, message: impl Into<String>) -> Self {
        Self::new(&[], code, message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The caller's input is wrong; nothing was changed.
    #[error("invalid input: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The thing does not exist — or belongs to another tenant, which the caller must not learn.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Credentials are fine but the role or scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A tenant-scoped field was asked for without a tenant (`X-Tenant-ID`).
    #[error("this field acts in a tenant: send the X-Tenant-ID header")]
    TenantRequired,
    #[error("too many attempts; retry in {} s", .retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    /// Anything else. Displayed as a generic message; the source is for the logs only.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl DomainError {
    pub fn invalid(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::input(field, code, message)])
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        DomainError::Internal(err.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        DomainError::Forbidden(message.into())
    }
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        DomainError::Internal(err.into())
    }
}

/// Maps a unique-constraint violation to a clear caller error, anything else to `Internal`.
/// Use as `.map_err(on_unique("slug", "a tenant with this slug exists"))`.
pub fn on_unique(field: &'static str, message: &'static str) -> impl FnOnce(DbErr) -> DomainError {
    move |err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            DomainError::invalid(field, UserErrorCode::AlreadyExists, message)
        }
        _ => DomainError::from(err),
    }
}

/// True when the error is a unique-constraint violation (for "insert or find" paths).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
