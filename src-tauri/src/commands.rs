//! The commands the dashboard page may call in the window (and only these: see
//! `capabilities/main.json`). The page works in a plain browser too; it calls these only when it
//! finds itself inside the desktop app.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State, WebviewWindow};
use tauri_plugin_dialog::DialogExt;

use crate::engine_host::EngineHost;
use crate::export::{self, ExportError, ExportProgress, ExportReport};
use crate::settings::DesktopSettings;

/// When the process started, for the first-paint figure.
pub static STARTED: OnceLock<Instant> = OnceLock::new();

/// A command's failure as the page sees it: a stable `code` to branch on and a `message` to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// Stable identifier: `engine_unreachable`, `engine_refused`, `interrupted`, `write_failed`
    /// or `dialog_failed`.
    pub code: &'static str,
    /// What went wrong, for the user.
    pub message: String,
}

impl From<ExportError> for CommandError {
    fn from(error: ExportError) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// The dashboard's current event filters, as `GET /events/export` takes them. Empty means "any".
#[derive(Debug, Default, Deserialize)]
pub struct ExportFilters {
    /// Exact event type.
    #[serde(rename = "type", default)]
    pub event_type: String,
    /// Exact source.
    #[serde(default)]
    pub source: String,
    /// ISO time the events are at or after.
    #[serde(default)]
    pub since: String,
    /// ISO time the events are at or before.
    #[serde(default)]
    pub until: String,
}

impl ExportFilters {
    fn query(&self) -> Vec<(&'static str, &str)> {
        [
            ("type", self.event_type.as_str()),
            ("source", self.source.as_str()),
            ("since", self.since.as_str()),
            ("until", self.until.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect()
    }
}

/// Called by the Events view's "Export CSV" button in the window. Asks where to save (the native
/// save dialog, or `TELEMETRY_EXPORT_PATH` without asking), then streams the events matching
/// `filters` into that file, sending `export-progress` events to the window on the way: the
/// first, with zero rows, once the path is chosen.
/// Resolves to the finished export, or `null` when the user cancelled the dialog.
#[tauri::command]
#[tracing::instrument(skip_all, fields(filters = ?filters), err(Debug))]
pub async fn export_csv(
    app: AppHandle,
    window: WebviewWindow,
    host: State<'_, Arc<EngineHost>>,
    settings: State<'_, DesktopSettings>,
    filters: ExportFilters,
) -> Result<Option<ExportReport>, CommandError> {
    let path = match &settings.export_path {
        Some(path) => path.clone(),
        None => {
            let dialog = app
                .dialog()
                .file()
                .set_title("Export events as CSV")
                .add_filter("CSV", &["csv"])
                .set_file_name("telemetry_events.csv")
                .set_parent(&window);
            // The dialog blocks until the user answers: keep it off the async workers.
            let picked = tokio::task::spawn_blocking(move || dialog.blocking_save_file())
                .await
                .map_err(|error| CommandError {
                    code: "dialog_failed",
                    message: format!("the save dialog failed: {error}"),
                })?;
            let Some(picked) = picked else {
                tracing::info!("csv export cancelled in the dialog");
                return Ok(None);
            };
            picked.into_path().map_err(|error| CommandError {
                code: "dialog_failed",
                message: format!("the save dialog gave no usable path: {error}"),
            })?
        }
    };
    // The path is known: the page stops saying "choose where to save" and shows the progress.
    let _ = window.emit("export-progress", ExportProgress { rows: 0, bytes: 0 });
    let request = host
        .request(reqwest::Method::GET, "/events/export")
        .query(&filters.query());
    let report = export::export_to_file(request, &path, |progress: ExportProgress| {
        let _ = window.emit("export-progress", progress);
    })
    .await?;
    tracing::info!(path = %report.path.display(), rows = report.rows, bytes = report.bytes, "csv exported");
    Ok(Some(report))
}

/// Called once by the page when the Overview first shows live data, with the page's own clock
/// (ms since navigation). Logs the time from process start to that paint: the desktop app's
/// cold-start figure, which `tests/bench/desktop.mjs` reads from the log.
#[tauri::command]
pub fn dashboard_painted(page_ms: f64) {
    let since_start = STARTED
        .get()
        .map(|start| start.elapsed().as_millis() as u64);
    tracing::info!(
        since_process_start_ms = since_start,
        since_navigation_ms = page_ms.max(0.0).round() as u64,
        "dashboard painted"
    );
}

/// Called by the window's error hook (see `shell.rs`) for an uncaught error or rejected promise
/// in the page: logs it, so a blank or broken dashboard leaves a trace in the log file.
#[tauri::command]
pub fn page_error(message: String) {
    tracing::warn!(message, "dashboard page error");
}
