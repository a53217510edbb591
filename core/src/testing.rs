//! Test support: a fresh, migrated database per test, on SQLite by default or on Postgres when
//! `TEST_DATABASE_URL` names an admin connection (e.g. `postgres://postgres@127.0.0.1/postgres`).
//!
//! On Postgres each test gets its own database, created from a template that this test process
//! migrated once, owned by the ordinary role `qunyun_test` (no superuser, no BYPASSRLS) that the
//! code under test connects as, so row-level security applies exactly as in production. The
//! database is dropped when the [`TestDb`] is; databases left by killed runs are swept after
//! two hours.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::DatabaseConnection;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection, RawSql};
use tokio::sync::{Mutex, OnceCell};

use crate::db::Db;

pub const TEST_ROLE: &str = "qunyun_test";
const PREFIX: &str = "qunyun_t_";
const TEMPLATE_PREFIX: &str = "qunyun_tmpl_";
const STALE_AFTER_SECS: u64 = 2 * 3600;

/// Which backend the tests run on.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| crate::config::is_postgres_url(u))
}

enum Backing {
    Sqlite { path: std::path::PathBuf },
    Postgres { admin_url: String, name: String },
}

/// A fresh migrated database, dropped with this value.
pub struct TestDb {
    pub db: Db,
    /// The URL the code under test connects with.
    pub url: String,
    /// Statements executed through `db` so far (for "no N+1" tests).
    pub statements: Arc<AtomicUsize>,
    backing: Backing,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match postgres_admin_url() {
            Some(admin) => Self::postgres(admin).await,
            None => Self::sqlite().await,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backing, Backing::Postgres { .. })
    }

    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Another connection pool to the same database (e.g. for a second process' worker).
    pub async fn connect_again(&self) -> Db {
        Db::connect(&self.url, 5)
            .await
            .expect("connect to test database")
    }

    async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("qunyun-test-{}.db", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let (db, statements) = counted(&url).await;
        db.migrate().await.expect("migrate sqlite test database");
        TestDb {
            db,
            url,
            statements,
            backing: Backing::Sqlite { path },
        }
    }

    async fn postgres(admin_url: String) -> TestDb {
        let template = template(&admin_url).await;
        let name = format!("{PREFIX}{}_{}", unix_now(), uuid::Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect as test admin");
        // Concurrent copies of one template are fine, but serialise them within a process to be
        // gentle with the 2-core machine.
        {
            static CREATE: Mutex<()> = Mutex::const_new(());
            let _guard = CREATE.lock().await;
            admin
                .execute(raw(format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\" OWNER {TEST_ROLE}"
                )))
                .await
                .expect("create test database");
        }
        admin.close().await.ok();
        let url = with_database(&admin_url, &name, Some(TEST_ROLE));
        let (db, statements) = counted(&url).await;
        TestDb {
            db,
            url,
            statements,
            backing: Backing::Postgres { admin_url, name },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.backing {
            Backing::Sqlite { path } => {
                for suffix in [
                    "",
                    "-wal",
                    "-shm",
                    "-queue.db",
                    "-queue.db-wal",
                    "-queue.db-shm",
                ] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::remove_file(p).ok();
                }
            }
            Backing::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread with its own.
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async move {
                            if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                                let _ = admin
                                    .execute(raw(format!(
                                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                    )))
                                    .await;
                            }
                        });
                    }
                })
                .join()
                .ok();
            }
        }
    }
}

async fn counted(url: &str) -> (Db, Arc<AtomicUsize>) {
    let db = Db::connect(url, 5).await.expect("connect to test database");
    let statements = Arc::new(AtomicUsize::new(0));
    let mut conn: DatabaseConnection = db.global().clone();
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    (Db::from_connection(conn), statements)
}

/// Statements we compose from names we generated ourselves.
fn raw(sql: String) -> RawSql {
    sqlx::raw_sql(AssertSqlSafe(sql))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// `postgres://u@h:p/db?x` with the database (and optionally the user) replaced.
pub fn with_database(url: &str, database: &str, user: Option<&str>) -> String {
    let (scheme, rest) = url.split_once("://").expect("postgres url has a scheme");
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let authority = match user {
        Some(user) => format!("{user}@{host}"),
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}/{database}{query}")
}

/// The per-process template: created and migrated once, as the test role.
async fn template(admin_url: &str) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let mut admin = PgConnection::connect(admin_url).await.expect("connect as test admin");
            admin
                .execute(raw(format!(
                        "DO $$ BEGIN
                           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{TEST_ROLE}') THEN
                             CREATE ROLE {TEST_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                           END IF;
                         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                         END $$"
                )))
                .await
                .expect("create test role");
            sweep_stale(&mut admin).await;
            let name = format!("{TEMPLATE_PREFIX}{}_{}", unix_now(), uuid::Uuid::now_v7().simple());
            admin
                .execute(raw(format!("CREATE DATABASE \"{name}\" OWNER {TEST_ROLE}")))
                .await
                .expect("create template database");
            {
                let db = Db::connect(&with_database(admin_url, &name, Some(TEST_ROLE)), 2)
                    .await
                    .expect("connect to template");
                db.migrate().await.expect("migrate template");
                db.global().clone().close().await.ok();
            }
            admin.close().await.ok();
            name
        })
        .await
        .clone()
}

/// Drops test databases and templates older than two hours (left by killed runs).
async fn sweep_stale(admin: &mut PgConnection) {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT datname FROM pg_database WHERE datname LIKE 'qunyun\\_t\\_%' OR datname LIKE 'qunyun\\_tmpl\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let now = unix_now();
    for (name,) in names {
        let stamp = name
            .strip_prefix(PREFIX)
            .or_else(|| name.strip_prefix(TEMPLATE_PREFIX))
            .and_then(|rest| rest.split('_').next())
            .and_then(|ts| ts.parse::<u64>().ok());
        if stamp.is_some_and(|ts| now.saturating_sub(ts) > STALE_AFTER_SECS) {
            let _ = admin
                .execute(raw(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_database_and_user() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/postgres",
                "x",
                Some("r")
            ),
            "postgres://r@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://a:b@h/db?sslmode=disable", "y", None),
            "postgres://a:b@h/y?sslmode=disable"
        );
    }
}
