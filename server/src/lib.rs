//! The OpsKnight server: it runs things (config, database, HTTP, workers); domain SQL lives in `app`.

pub mod commands;
pub mod config;
pub mod database;
pub mod http;
pub mod postgres;
pub mod serve;
pub mod telemetry;

use config::{Cli, Command, UserCommand};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        None => serve::serve(&cli.global, &cli.serve).await,
        Some(Command::Serve(args)) => serve::serve(&cli.global, args).await,
        Some(Command::Migrate) => commands::migrate(&cli.global).await,
        Some(Command::User(UserCommand::Add(args))) => commands::user_add(&cli.global, args).await,
    }
}
