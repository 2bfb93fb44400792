//! `cargo xtask`: OpsKnight's own build tool (the site and the server, without cargo-leptos).
//!
//! `cargo xtask build [--release]` compiles the browser crate to WASM, splits it at the
//! `#[lazy]` split points, writes the JS bindings (wasm-bindgen as a library, at exactly
//! Cargo.lock's version), optimises the modules with npm's `wasm-opt`, minifies the JS and CSS,
//! copies `public/`, checks the site's file list, precompresses, and builds the server binary.
//! `cargo xtask watch` does that on every change and restarts the server.

mod cargo;
mod check;
mod compress;
mod npm;
mod site;
mod wasm;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build OpsKnight's site and server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site (target/site) and the `opsknight` binary.
    Build(BuildArgs),
    /// Build, serve, and rebuild + restart whenever a source file changes.
    Watch(WatchArgs),
}

#[derive(Args, Clone)]
pub struct BuildArgs {
    /// Optimised build: WASM with the `wasm-release` profile + wasm-opt -O1, minified JS and
    /// CSS, server with the `release` profile. Without it: debug builds, nothing minified.
    #[arg(long)]
    pub release: bool,
    /// Build only the site, not the server binary.
    #[arg(long)]
    pub site_only: bool,
    /// Pass `--timings` to both cargo builds (HTML reports under each target dir's
    /// `cargo-timings/`).
    #[arg(long)]
    pub timings: bool,
}

#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Arguments for `opsknight serve`, after `--`.
    #[arg(last = true)]
    pub serve_args: Vec<String>,
}

/// Where things are: the workspace, cargo's target dir, and the site we write.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
    pub target: PathBuf,
    pub site: PathBuf,
}

impl Layout {
    /// The workspace is the parent of this crate's manifest dir, read at run time (`cargo run`
    /// sets it): every clone shares one target dir, so a path baked in at compile time could
    /// name another clone.
    pub fn discover() -> anyhow::Result<Self> {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .map(PathBuf::from)
            .ok_or_else(|| anyhow::anyhow!("xtask has no parent directory"))?;
        let target = cargo::target_dir(&root)?;
        let site = root.join("target").join("site");
        Ok(Self { root, target, site })
    }

    /// The browser build's own target dir (as cargo-leptos had it), so it can run beside the
    /// server build.
    pub fn front_target(&self) -> PathBuf {
        self.target.join("front")
    }

    /// The `opsknight` binary a build of this kind writes.
    pub fn server_binary(&self, release: bool) -> PathBuf {
        self.target
            .join(if release { "release" } else { "debug" })
            .join("opsknight")
    }
}

/// The whole build: the site, then (unless `--site-only`) the server.
pub fn build(layout: &Layout, args: &BuildArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // The server and the browser build run at the same time (separate target dirs): each has
    // long serial stretches (the `app` crate, the WASM's LTO, wasm-opt) the other fills.
    let server = (!args.site_only).then(|| cargo::spawn_server_build(layout, args));
    let site_result =
        wasm::compile(layout, args).and_then(|w| site::assemble(layout, &w, args.release));
    if let Some(server) = server {
        let server = server?;
        cargo::wait(server, "server build")?;
    }
    let report = site_result?;
    tracing::info!("{report}");
    tracing::info!(
        "build finished in {:.1} s: site in {}{}",
        started.elapsed().as_secs_f64(),
        layout.site.display(),
        if args.site_only {
            String::new()
        } else {
            format!(", server {}", layout.server_binary(args.release).display())
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("XTASK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = Layout::discover().and_then(|layout| match cli.command {
        Command::Build(args) => build(&layout, &args),
        Command::Watch(args) => watch::run(&layout, &args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
