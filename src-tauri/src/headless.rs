//! The engine without a window, for a machine (or a session) without a display.
//!
//! `pnpm start` runs the desktop app everywhere; over SSH, in a container or on a server there is
//! no display to open a window on, so the app serves the same API and dashboard headless, like
//! `kitsu-telemetry serve`, and logs where to open it in a browser.

use anyhow::Context;
use kitsu_telemetry_engine::server::engine_url;
use kitsu_telemetry_engine::Config;

/// Whether the user asked for no window (`--headless` on the command line).
pub fn requested() -> bool {
    std::env::args().skip(1).any(|arg| arg == "--headless")
}

/// Whether a window can be opened: on Linux and the BSDs a display server must be named in
/// `DISPLAY` (X11) or `WAYLAND_DISPLAY`; Windows and macOS always have one.
pub fn display_available() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// Runs the engine until Ctrl-C or SIGTERM, then stops it so every acknowledged event is saved.
pub fn run(config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("kitsu-engine")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let engine = kitsu_telemetry_engine::start(config).await?;
        tracing::info!(
            url = %format!("{}/", engine_url(engine.local_addr())),
            "running headless (no display, or --headless); open the dashboard in a browser"
        );
        engine.serve_until_signal().await
    })
}
