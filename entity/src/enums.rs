//! Enumerations stored as text columns. Their string values are the GraphQL names, so a row is
//! readable in `psql` and the API maps them one to one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    #[sea_orm(string_value = "OWNER")]
    Owner,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "OPERATOR")]
    Operator,
    #[sea_orm(string_value = "ANALYST")]
    Analyst,
}

impl Role {
    /// Higher is more powerful; used to pick the stronger of a direct and an inherited role.
    pub fn rank(self) -> u8 {
        match self {
            Role::Owner => 4,
            Role::Admin => 3,
            Role::Operator => 2,
            Role::Analyst => 1,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TenantKind {
    #[sea_orm(string_value = "AGENCY")]
    Agency,
    #[sea_orm(string_value = "BRAND")]
    Brand,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ApiKeyScope {
    #[sea_orm(string_value = "INGEST")]
    Ingest,
    #[sea_orm(string_value = "READ")]
    Read,
    #[sea_orm(string_value = "WRITE")]
    Write,
}

impl ApiKeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyScope::Ingest => "INGEST",
            ApiKeyScope::Read => "READ",
            ApiKeyScope::Write => "WRITE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "INGEST" => Some(ApiKeyScope::Ingest),
            "READ" => Some(ApiKeyScope::Read),
            "WRITE" => Some(ApiKeyScope::Write),
            _ => None,
        }
    }
}
