//! The settings of every Qunyun binary, read from the environment (and flags), checked once.
//!
//! [`Settings`] is what the operator gives; [`Config`] is what the program runs with, after
//! [`Settings::into_config`] has applied the rules of the contract: production refuses to start
//! without a 32-byte `QUNYUN_JWT_SECRET`; development makes one up and warns.

use std::net::IpAddr;

use clap::{Args, ValueEnum};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://qunyun.db?mode=rwc";
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    pub fn is_production(self) -> bool {
        self == Environment::Production
    }
}

/// Settings shared by `qunyun-api` and `qunyun-worker`. Each has an environment variable (the
/// contract's names) and a flag of the same meaning.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: SecretString,

    /// Listen address of the HTTP server.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Listen port of the HTTP server (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// `development` or `production`.
    #[arg(long = "env", env = "QUNYUN_ENV", value_enum, default_value_t = Environment::Development)]
    pub environment: Environment,

    /// HMAC key for access tokens (at least 32 bytes). Required in production.
    #[arg(long, env = "QUNYUN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// Size of the database connection pool.
    #[arg(long, env = "QUNYUN_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Where the job queue lives when the data is on SQLite (apalis-sqlite wants a database of
    /// its own). Default: next to the data file, `<data file>-queue.db`. Ignored on Postgres,
    /// where the queue shares the data database.
    #[arg(long, env = "QUNYUN_QUEUE_URL", hide_env_values = true)]
    pub queue_url: Option<SecretString>,

    /// Accept `X-Forwarded-For` as the client address (set when behind a trusted proxy).
    #[arg(long, env = "QUNYUN_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// First delivery retry waits up to this many milliseconds (then doubling, with jitter).
    #[arg(long, env = "QUNYUN_DELIVERY_RETRY_BASE_MS", default_value_t = 20_000)]
    pub delivery_retry_base_ms: u64,

    /// A post being sent belongs to its worker for this long; then another worker may retry it.
    #[arg(long, env = "QUNYUN_DELIVERY_LEASE_MS", default_value_t = 60_000)]
    pub delivery_lease_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: SecretString::from(DEFAULT_DATABASE_URL),
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            environment: Environment::Development,
            jwt_secret: None,
            db_max_connections: 10,
            queue_url: None,
            trust_proxy: false,
            delivery_retry_base_ms: 20_000,
            delivery_lease_ms: 60_000,
        }
    }
}

/// The checked configuration a binary runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub database_url: SecretString,
    pub queue_url: SecretString,
    pub host: IpAddr,
    pub port: u16,
    pub jwt_secret: SecretString,
    /// True when the secret was generated at start-up (development only).
    pub jwt_secret_generated: bool,
    pub db_max_connections: u32,
    pub trust_proxy: bool,
    pub delivery_retry_base: std::time::Duration,
    pub delivery_lease: std::time::Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("QUNYUN_JWT_SECRET is required in production")]
    MissingJwtSecret,
    #[error("QUNYUN_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes")]
    ShortJwtSecret,
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    UnsupportedDatabase,
    #[error("QUNYUN_DB_MAX_CONNECTIONS must be at least 1")]
    NoConnections,
}

impl Settings {
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let url = self.database_url.expose_secret();
        if !is_sqlite_url(url) && !is_postgres_url(url) {
            return Err(ConfigError::UnsupportedDatabase);
        }
        if self.db_max_connections == 0 {
            return Err(ConfigError::NoConnections);
        }
        let (jwt_secret, generated) = match self.jwt_secret {
            Some(secret) if secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES => (secret, false),
            Some(_) => return Err(ConfigError::ShortJwtSecret),
            None if self.environment.is_production() => {
                return Err(ConfigError::MissingJwtSecret);
            }
            None => (random_secret(), true),
        };
        let queue_url = match self.queue_url {
            Some(url) => url,
            None => SecretString::from(default_queue_url(url)),
        };
        Ok(Config {
            environment: self.environment,
            database_url: self.database_url,
            queue_url,
            host: self.host,
            port: self.port,
            jwt_secret,
            jwt_secret_generated: generated,
            db_max_connections: self.db_max_connections,
            trust_proxy: self.trust_proxy,
            delivery_retry_base: std::time::Duration::from_millis(
                self.delivery_retry_base_ms.max(1),
            ),
            delivery_lease: std::time::Duration::from_millis(self.delivery_lease_ms.max(1000)),
        })
    }
}

impl Config {
    pub fn is_sqlite(&self) -> bool {
        is_sqlite_url(self.database_url.expose_secret())
    }
}

pub fn is_sqlite_url(url: &str) -> bool {
    url.starts_with("sqlite:")
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn random_secret() -> SecretString {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(hex::encode(bytes))
}

/// `sqlite://qunyun.db?mode=rwc` -> `sqlite://qunyun-queue.db?mode=rwc`; an in-memory data
/// database gets an in-memory queue.
fn default_queue_url(data_url: &str) -> String {
    if !is_sqlite_url(data_url) {
        return data_url.to_owned();
    }
    if data_url.contains(":memory:") || data_url.contains("mode=memory") {
        return "sqlite::memory:".to_owned();
    }
    let (path, query) = match data_url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (data_url, None),
    };
    let queue_path = match path.strip_suffix(".db") {
        Some(stem) => format!("{stem}-queue.db"),
        None => format!("{path}-queue"),
    };
    match query {
        Some(query) => format!("{queue_path}?{query}"),
        None => format!("{queue_path}?mode=rwc"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::default()
    }

    #[test]
    fn development_generates_a_secret() {
        let config = settings().into_config().unwrap();
        assert!(config.jwt_secret_generated);
        assert!(config.jwt_secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES);
    }

    #[test]
    fn production_requires_a_long_secret() {
        let mut s = settings();
        s.environment = Environment::Production;
        assert_eq!(
            s.clone().into_config().unwrap_err(),
            ConfigError::MissingJwtSecret
        );
        s.jwt_secret = Some(SecretString::from("short"));
        assert_eq!(
            s.clone().into_config().unwrap_err(),
            ConfigError::ShortJwtSecret
        );
        s.jwt_secret = Some(SecretString::from("x".repeat(32)));
        let config = s.into_config().unwrap();
        assert!(!config.jwt_secret_generated);
    }

    #[test]
    fn rejects_other_databases() {
        let mut s = settings();
        s.database_url = SecretString::from("mysql://localhost/x");
        assert_eq!(
            s.into_config().unwrap_err(),
            ConfigError::UnsupportedDatabase
        );
    }

    #[test]
    fn queue_file_sits_beside_the_data_file() {
        assert_eq!(
            default_queue_url("sqlite://qunyun.db?mode=rwc"),
            "sqlite://qunyun-queue.db?mode=rwc"
        );
        assert_eq!(
            default_queue_url("sqlite:/tmp/x"),
            "sqlite:/tmp/x-queue?mode=rwc"
        );
        assert_eq!(default_queue_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(default_queue_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
