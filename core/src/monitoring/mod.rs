//! Monitoring (DOMAIN.md §5): daily statistics rolled up from the events, dashboards, alert
//! rules with their triggers, and per-member churn risk.

pub mod alerts;
pub mod churn;
pub mod rollups;
pub mod stats;
