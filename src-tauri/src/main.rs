//! Kitsu Telemetry, the desktop app: the engine in a native window.
//!
//! This crate is only the shell. It starts the engine (the `kitsu-telemetry-engine` crate, which
//! owns the API, the store and the live data) inside Tauri's async runtime, opens the bundled
//! dashboard in a window and hands it the engine's address, and adds what only a desktop app
//! can: the native save dialog for CSV exports, a tray menu with mute and panic, desktop
//! notifications when a gate is breached, and a rotating log file. Where no display exists it
//! runs the engine headless instead and logs the dashboard's address.

// Release builds on Windows are GUI programs without a console window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod alerts;
mod commands;
mod engine_host;
mod export;
mod headless;
mod logging;
mod settings;
mod shell;
mod tray;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let code = run()?;
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}

/// Runs the app (or the headless engine) and returns its exit code. The log file's guard lives
/// in here, so it is flushed before the process exits.
fn run() -> anyhow::Result<i32> {
    commands::STARTED.get_or_init(std::time::Instant::now);
    let context = tauri::generate_context!();
    let identifier = context.config().identifier.clone();
    let _log_file = logging::init(&identifier).context("cannot set up logging")?;
    let settings = settings::DesktopSettings::from_env()?;
    let engine_config = engine_host::engine_config(&identifier)?;

    if headless::requested() || !headless::display_available() {
        return headless::run(engine_config).map(|()| 0);
    }
    shell::prefer_shared_memory_rendering();
    shell::run(context, engine_config, settings)
}
