//! `qunyun-api`: the HTTP server (GraphQL, event ingestion, connector callbacks, health and
//! metrics), running the background worker in-process unless `--no-worker`.

pub mod auth;
pub mod graphql;
pub mod http;
pub mod startup;
pub mod state;
