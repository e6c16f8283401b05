//! The Tauri app: plugins, the engine's start and stop around the event loop, and the window.

use std::sync::Arc;

use anyhow::Context as _;
use kitsu_telemetry_engine::Config;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_window_state::StateFlags;

use crate::engine_host::EngineHost;
use crate::settings::DesktopSettings;
use crate::{alerts, commands, tray};

/// Label of the one window.
pub const MAIN_WINDOW: &str = "main";

/// Builds the app, starts the engine and runs the event loop until the user quits; then stops
/// the engine so every acknowledged event is on disk. Returns the app's exit code (it returns,
/// rather than exiting the process as Tauri's `run` does, so the log file gets flushed).
pub fn run(
    context: tauri::Context,
    engine_config: Config,
    settings: DesktopSettings,
) -> anyhow::Result<i32> {
    let app = tauri::Builder::default()
        // First, so a second launch is handed to this one before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("second launch; showing the open window instead");
            // Queue it for the main thread and return: the second process waits on D-Bus for
            // this callback, and window calls made from here would wait on the main thread.
            let handle = app.clone();
            if let Err(error) = app.run_on_main_thread(move || show_main_window(&handle)) {
                tracing::warn!(%error, "cannot show the window");
            }
        }))
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(settings.clone())
        .invoke_handler(tauri::generate_handler![
            commands::export_csv,
            commands::dashboard_painted,
            commands::page_error
        ])
        .setup(move |app| {
            let host = tauri::async_runtime::block_on(EngineHost::start(engine_config))?;
            let host = Arc::new(host);
            app.manage(host.clone());
            open_main_window(app.handle(), &host)?;
            if let Err(error) = tray::install(app.handle()) {
                tracing::warn!(error = format!("{error:#}"), "no tray icon; mute and panic stay in the window");
            }
            if let Some(port) = host.port_taken() {
                let body = format!(
                    "Port {port} is taken by another program, so Kitsu Telemetry listens on {} instead. Kitsu modules posting to port {port} will not reach it.",
                    host.base_url()
                );
                if let Err(error) = app.notification().builder().title("API port taken").body(body).show() {
                    tracing::warn!(%error, "cannot show a desktop notification");
                }
            }
            tauri::async_runtime::spawn(alerts::watch(app.handle().clone(), host, settings));
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                kitsu_telemetry_engine::server::shutdown_signal().await;
                tracing::info!("asked to stop by a signal");
                handle.exit(0);
            });
            Ok(())
        })
        .build(context)
        .context("cannot start the desktop app")?;

    let code = app.run_return(|app, event| {
        if let RunEvent::Exit = event {
            tracing::info!("app exiting; stopping the engine");
            if let Some(host) = app.try_state::<Arc<EngineHost>>() {
                tauri::async_runtime::block_on(host.stop());
            }
        }
    });
    Ok(code)
}

/// Opens the dashboard window and tells the page where the engine is (and the key), before any
/// of the page's own scripts run.
fn open_main_window(app: &AppHandle, host: &EngineHost) -> anyhow::Result<()> {
    let notice = host.port_taken().map(|port| {
        format!(
            "Port {port} was taken by another program: this engine listens on {} instead, and Kitsu modules posting to port {port} will not reach it.",
            host.base_url()
        )
    });
    let injected = serde_json::json!({
        "apiBase": host.base_url(),
        "apiKey": host.api_key(),
        "desktop": true,
        "notice": notice,
    });
    let script = format!("window.__KITSU__ = Object.freeze({injected});\n{PAGE_ERRORS_TO_LOG}");
    let window = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
        .title("Kitsu Telemetry")
        .inner_size(1280.0, 820.0)
        .min_inner_size(720.0, 480.0)
        .initialization_script(script)
        .build()
        .context("cannot open the dashboard window")?;
    // One page that never navigates away needs no back-forward or page cache: WebKit's
    // document-viewer cache model keeps the least in memory.
    #[cfg(target_os = "linux")]
    window
        .with_webview(|webview| {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        })
        .context("cannot reach the window's web view")?;
    tracing::info!(engine = %host.base_url(), "dashboard window open");
    Ok(())
}

/// Sends the page's uncaught errors to the app's log (at most 20 per page load), where a
/// streamer's bug report can include them; the window has no console to look at.
const PAGE_ERRORS_TO_LOG: &str = r#"(() => {
  let left = 20;
  const report = (message) => {
    if (left-- > 0) window.__TAURI_INTERNALS__?.invoke('page_error', { message: String(message) }).catch(() => {});
  };
  addEventListener('error', (e) => report(`${e.message} at ${e.filename}:${e.lineno}:${e.colno}`));
  addEventListener('unhandledrejection', (e) => report(`unhandled rejection: ${e.reason?.stack ?? e.reason}`));
})();"#;

/// Turns off WebKitGTK's DMA-BUF renderer unless the user chose (`WEBKIT_DISABLE_DMABUF_RENDERER`
/// set either way). With NVIDIA's proprietary driver, the GPU this app watches, that renderer is
/// known to leave WebKitGTK windows blank; a dashboard gains nothing from it, and the streaming
/// PC's GPU is better left to the LLM, TTS and OBS. Measured under Xvfb it also costs 110 MiB
/// more in WebKit's web process (`pnpm bench:desktop`). Call before any window exists.
pub fn prefer_shared_memory_rendering() {
    const SETTING: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if cfg!(target_os = "linux") && std::env::var_os(SETTING).is_none() {
        std::env::set_var(SETTING, "1");
    }
}

/// Brings the window to the front (from the tray, or when the app is launched a second time).
pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
