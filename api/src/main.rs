//! `qunyun-api`: `cargo run --release` in the repository root runs this.

use clap::{Parser, Subcommand};
use qunyun_api::startup::{Application, Options};
use qunyun_core::config::Settings;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "qunyun-api",
    version,
    about = "Qunyun API server (with the worker in-process)"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    /// Do not run the background worker in this process.
    #[arg(long)]
    no_worker: bool,
    /// Skip running pending migrations at start-up.
    #[arg(long, env = "QUNYUN_NO_MIGRATE")]
    no_migrate: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Print the GraphQL schema (SDL) that `schema.graphql` holds.
    PrintSchema,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", qunyun_api::graphql::sdl());
        return Ok(());
    }
    let config = cli.settings.into_config()?;
    qunyun_core::telemetry::init_subscriber(config.environment);
    let options = Options {
        run_worker: !cli.no_worker,
        migrate: !cli.no_migrate,
    };
    let app = Application::build(config, options).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(qunyun_core::shutdown::on_signal(shutdown.clone()));
    app.run_until_stopped(shutdown).await
}
