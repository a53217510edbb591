//! Qunyun's business rules, shared by `qunyun-api` and `qunyun-worker`.
//!
//! - [`config`]: the one typed settings struct of every binary;
//! - [`db`] and [`scope`]: connecting, migrating, and the one way to reach tenant data;
//! - [`error`]: the domain error type every service returns;
//! - [`auth`], [`tenancy`]: users, sessions, API keys, tenants, roles and permissions;
//! - [`defaults`]: every default number of the product, overridable per tenant.

pub mod applications;
pub mod auth;
pub mod campaigns;
pub mod channels;
pub mod churn_model;
pub mod commerce;
pub mod config;
pub mod content;
pub mod db;
pub mod defaults;
pub mod delivery;
pub mod error;
pub mod groups;
pub mod ids;
pub mod ingest;
pub mod jobs;
pub mod members;
pub mod monitoring;
pub mod notify;
pub mod page;
pub mod points;
pub mod posts;
pub mod queue;
pub mod risk;
pub mod rules;
pub mod scope;
pub mod shutdown;
pub mod sql;
pub mod telemetry;
pub mod tenancy;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validate;
pub mod wecom;

pub use error::{DomainError, DomainResult, FieldError, UserErrorCode};
