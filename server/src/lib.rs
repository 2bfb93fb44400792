//! The OpsKnight server: it runs things (config, database, HTTP, workers); domain SQL lives in `app`.
// Leptos view types nest deeply; the router's layout computation needs more than the default.
#![recursion_limit = "256"]

pub mod chat;
pub mod commands;
pub mod config;
pub mod database;
pub mod engine;
pub mod http;
pub mod ingest;
pub mod integrations;
pub mod keys;
pub mod notify;
pub mod outbound;
pub mod pagerduty_api;
pub mod postgres;
pub mod realtime;
pub mod rest;
pub mod serve;
pub mod sso;
pub mod telemetry;
pub mod tls;

use config::{ApiKeyCommand, Cli, Command, UserCommand};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        None => serve::serve(&cli.global, &cli.serve).await,
        Some(Command::Serve(args)) => serve::serve(&cli.global, args).await,
        Some(Command::Migrate) => commands::migrate(&cli.global).await,
        Some(Command::User(UserCommand::Add(args))) => commands::user_add(&cli.global, args).await,
        Some(Command::Apikey(ApiKeyCommand::Create(args))) => {
            commands::apikey_create(&cli.global, args).await
        }
        Some(Command::Rollup(args)) => commands::rollup(&cli.global, args).await,
    }
}
