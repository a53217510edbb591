//! The API's integration tests: the real server on port 0, a fresh database per test (SQLite,
//! or Postgres when TEST_DATABASE_URL is set), real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod applications;
mod auth;
mod campaigns;
mod commerce;
mod contract;
mod groups;
mod http_spec;
mod ingest;
mod isolation;
mod jobs;
mod limits;
mod monitoring;
mod posts;
mod risk;
mod subscriptions;
mod tenancy;
mod wecom;
