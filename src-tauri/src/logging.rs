//! Logging: to stdout, and to a file in the app's log folder that rotates daily.
//!
//! A streamer who reports a problem has no terminal open; the file is what they can send. The
//! folder is where Tauri puts app logs (`~/.local/share/<identifier>/logs` on Linux), the
//! newest seven days are kept, and `RUST_LOG` sets the level for both (default `info`).

use std::path::PathBuf;

use anyhow::Context;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Days of log files kept.
const KEPT_FILES: usize = 7;

/// Installs the logger. Keep the returned guard alive until exit: dropping it flushes the file.
/// Without a usable log folder the app still logs to stdout, and says why the file is missing.
pub fn init(identifier: &str) -> anyhow::Result<Option<WorkerGuard>> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // No colours on stdout either: both layers share the formatted span fields, and colour
    // codes from one would end up in the file (tracing-subscriber formats fields once per span).
    let stdout = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(std::io::stdout)
        .with_filter(filter());
    let (file_layer, guard, opened) = match open_log_file(identifier) {
        Ok((appender, dir)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            (Some(layer), Some(guard), Ok(dir))
        }
        Err(error) => (None, None, Err(error)),
    };
    tracing_subscriber::registry()
        .with(stdout)
        .with(file_layer)
        .try_init()
        .context("a logger is already installed")?;
    match opened {
        Ok(dir) => tracing::info!(dir = %dir.display(), "logging to a daily file"),
        Err(error) => tracing::warn!(
            error = format!("{error:#}"),
            "no log file; logging to stdout only"
        ),
    }
    Ok(guard)
}

/// The log folder and its daily appender.
fn open_log_file(identifier: &str) -> anyhow::Result<(RollingFileAppender, PathBuf)> {
    let dir = log_dir(identifier)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("kitsu-telemetry")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(&dir)
        .with_context(|| format!("cannot open a log file in {}", dir.display()))?;
    Ok((appender, dir))
}

/// Tauri's app log folder, resolved without an app handle so logging starts before the window.
pub fn log_dir(identifier: &str) -> anyhow::Result<PathBuf> {
    #[cfg(target_os = "macos")]
    let base = dirs::home_dir().map(|home| home.join("Library/Logs").join(identifier));
    #[cfg(not(target_os = "macos"))]
    let base = dirs::data_local_dir().map(|dir| dir.join(identifier).join("logs"));
    base.context("cannot find the user's data folder (is HOME set?)")
}
