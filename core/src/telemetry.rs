//! One place that sets up logging: human-readable in development, JSON lines in production.
//! `RUST_LOG` overrides the level filter.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::Environment;

const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,apalis=info,tower_http=info";

/// Installs the global subscriber. Safe to call more than once (later calls do nothing), so
/// tests can call it freely.
pub fn init_subscriber(environment: Environment) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if environment.is_production() {
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init()
    } else {
        registry.with(fmt::layer().compact()).try_init()
    };
    // Err means a subscriber is already installed (a second call, or a test harness).
    drop(result);
}
