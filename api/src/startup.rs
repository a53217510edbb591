//! Building and running the API process: connect, migrate, check the database role, bind, then
//! serve until the shutdown token is cancelled (draining in-flight requests), with the worker
//! in-process unless told otherwise.

use std::net::SocketAddr;

use anyhow::Context as _;
use qunyun_core::config::Config;
use qunyun_core::db::Db;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::graphql;
use crate::http;
use crate::http::metrics::Metrics;
use crate::state::{AppState, Services};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Run the background worker in this process.
    pub run_worker: bool,
    /// Run pending migrations before serving.
    pub migrate: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            run_worker: true,
            migrate: true,
        }
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    options: Options,
}

impl Application {
    /// Connects to `config.database_url` and builds the application.
    pub async fn build(config: Config, options: Options) -> anyhow::Result<Application> {
        let db = Db::connect(
            config.database_url.expose_secret(),
            config.db_max_connections,
        )
        .await
        .context("connecting to the database")?;
        Self::build_with_db(config, db, options).await
    }

    /// Builds the application on an existing connection (tests hand in a fresh database).
    pub async fn build_with_db(
        config: Config,
        db: Db,
        options: Options,
    ) -> anyhow::Result<Application> {
        if options.migrate {
            db.migrate().await.context("running migrations")?;
        }
        check_role(&config, &db).await?;
        if config.jwt_secret_generated {
            tracing::warn!(
                "QUNYUN_JWT_SECRET is not set: using a random secret; sessions end when the process stops"
            );
        }
        let production = config.environment.is_production();
        let address = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("binding {address}"))?;
        let queue = qunyun_core::queue::Queue::open(&config, &db)
            .await
            .context("opening the job queue")?;
        let services = Services::new(config, db, queue);
        let schema = graphql::builder(production).data(services.clone()).finish();
        let state = AppState {
            services,
            schema,
            metrics: std::sync::Arc::new(Metrics::default()),
            shutdown: CancellationToken::new(),
        };
        Ok(Application {
            listener,
            state,
            options,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, finishes in-flight requests
    /// and lets the worker finish its jobs.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let worker = self.options.run_worker.then(|| {
            let config = (*self.state.services.config).clone();
            let db = self.state.services.db.clone();
            let token = shutdown.clone();
            let notifier = self.state.services.notifier.clone();
            tokio::spawn(async move { qunyun_worker::run(config, db, notifier, token).await })
        });
        tokio::spawn(
            self.state
                .services
                .notifier
                .clone()
                .listen(shutdown.clone()),
        );
        let state_shutdown = self.state.shutdown.clone();
        let outer = shutdown.clone();
        tokio::spawn(async move {
            outer.cancelled().await;
            state_shutdown.cancel();
        });
        tracing::info!(address = %self.listener.local_addr()?, "qunyun-api listening");
        let app = http::router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .await;
        shutdown.cancel();
        if let Some(worker) = worker {
            match worker.await {
                Ok(result) => result.context("worker")?,
                Err(join) => return Err(anyhow::anyhow!("worker task failed: {join}")),
            }
        }
        served.context("serving HTTP")?;
        tracing::info!("qunyun-api stopped");
        Ok(())
    }
}

/// A superuser or BYPASSRLS role would silently skip row-level security.
async fn check_role(config: &Config, db: &Db) -> anyhow::Result<()> {
    let Some(safety) = db
        .role_safety()
        .await
        .context("checking the database role")?
    else {
        return Ok(());
    };
    if !safety.skips_rls() {
        return Ok(());
    }
    if config.environment.is_production() {
        anyhow::bail!(
            "the database role is a superuser or has BYPASSRLS, which skips row-level security; \
             connect as an ordinary role that owns the schema"
        );
    }
    tracing::warn!(
        superuser = safety.superuser,
        bypass_rls = safety.bypass_rls,
        "!!! the database role skips row-level security: tenant isolation rests on the code alone. \
         Connect as an ordinary role (production refuses to start like this) !!!"
    );
    Ok(())
}
