//! `kitsu-telemetry`: the engine without a window.
//!
//! `kitsu-telemetry serve` runs the telemetry API headless, for machines without a display, for
//! CI and for OBS browser sources. Settings come from the environment and `.env`; the flags
//! below override them for one run.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kitsu_telemetry_engine::Config;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "kitsu-telemetry", version, about = "Kitsu Telemetry engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the telemetry API until Ctrl-C or SIGTERM.
    Serve {
        /// Port to listen on, instead of API_PORT (0 picks a free one).
        #[arg(long)]
        port: Option<u16>,
        /// SQLite file, instead of TELEMETRY_DB_PATH.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Run a simulated orchestrator and control backend and relay them (TELEMETRY_DEMO=1).
        #[arg(long)]
        demo: bool,
    },
}

fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("kitsu-engine")
        .build()
        .context("cannot start the async runtime")?;
    match cli.command {
        Command::Serve { port, db, demo } => runtime.block_on(serve(port, db, demo)),
    }
}

async fn serve(port: Option<u16>, db: Option<PathBuf>, demo: bool) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    config.demo |= demo;
    if let Some(port) = port {
        config.port = port;
    }
    if let Some(db) = db {
        config.db_path = db;
    }
    kitsu_telemetry_engine::start(config)
        .await?
        .serve_until_signal()
        .await
}

/// Logs to stderr; `RUST_LOG` overrides the default of `info`.
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
