//! `qunyun-worker`: the background worker alone, for scaling out; `run-once JOB` runs one pass
//! of a scheduled job for every tenant and exits.

use clap::{Parser, Subcommand};
use qunyun_core::config::Settings;
use qunyun_core::db::Db;
use qunyun_worker::jobs::{Job, Trigger};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "qunyun-worker", version, about = "Qunyun background worker")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    /// Skip running pending migrations at start-up.
    #[arg(long, env = "QUNYUN_NO_MIGRATE")]
    no_migrate: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the worker until stopped (the default).
    Run,
    /// Run one pass of a scheduled job for every tenant now, then exit.
    RunOnce {
        #[arg(value_enum)]
        job: Job,
        /// Recompute everything rather than what changed (`rollups`: every day of every
        /// group, after filling the local day of events stored before it existed; `roi`: every
        /// day of every offer, campaign, group and the tenant).
        #[arg(long)]
        full: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.settings.into_config()?;
    qunyun_core::telemetry::init_subscriber(config.environment);
    let db = Db::connect(
        config.database_url.expose_secret(),
        config.db_max_connections,
    )
    .await?;
    if !cli.no_migrate {
        db.migrate().await?;
    }
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            let shutdown = CancellationToken::new();
            tokio::spawn(qunyun_core::shutdown::on_signal(shutdown.clone()));
            let notifier = qunyun_core::notify::Notifier::new(db.clone());
            qunyun_worker::run(config, db, notifier, shutdown).await
        }
        Command::RunOnce { job, full } => {
            let trigger = if full { Trigger::Full } else { Trigger::Manual };
            let notifier = qunyun_core::notify::Notifier::new(db.clone());
            let report = qunyun_worker::jobs::run_once_with(
                &config,
                &db,
                notifier,
                job,
                chrono::Utc::now(),
                trigger,
            )
            .await?;
            println!(
                "{}: {} tenants, {} rows",
                job.name(),
                report.tenants,
                report.rows
            );
            Ok(())
        }
    }
}
