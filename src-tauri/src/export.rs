//! CSV export into a file the user picked: the engine's `GET /events/export` stream, written
//! straight to disk with progress.
//!
//! The engine already streams the export with back-pressure; the shell only moves the chunks
//! into the file, so memory stays flat whatever the size. The rows go to `<file>.part` first
//! and the file takes its name only once the whole export is on disk, so a failure never
//! leaves a half file under the name the user chose.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio::io::AsyncWriteExt;

/// Least time between two progress reports.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// How far an export has come; sent to the page as `export-progress` events.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ExportProgress {
    /// Rows written so far (the header not counted).
    pub rows: u64,
    /// Bytes written so far.
    pub bytes: u64,
}

/// A finished export.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExportReport {
    /// The file written.
    pub path: PathBuf,
    /// Rows in it, header not counted.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Why an export failed. [`ExportError::code`] is what the page branches on.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The engine did not answer (it is stopping, or something is badly wrong).
    #[error("the engine did not answer: {0}")]
    EngineUnreachable(#[source] reqwest::Error),
    /// The engine refused the export, e.g. for a bad filter; `detail` is its explanation.
    #[error("the engine refused the export ({status}): {detail}")]
    EngineRefused {
        /// HTTP status of the refusal.
        status: u16,
        /// The engine's `detail`.
        detail: String,
    },
    /// The stream broke off before the end.
    #[error("the export stopped before the end: {0}")]
    Interrupted(#[source] reqwest::Error),
    /// The file could not be created, written or renamed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl ExportError {
    /// A stable code for the page: `engine_unreachable`, `engine_refused`, `interrupted` or
    /// `write_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EngineUnreachable(_) => "engine_unreachable",
            Self::EngineRefused { .. } => "engine_refused",
            Self::Interrupted(_) => "interrupted",
            Self::Write { .. } => "write_failed",
        }
    }
}

/// Sends `request` (a `GET /events/export` with its filters) and writes the CSV it streams to
/// `path`, calling `progress` now and then and once at the end.
pub async fn export_to_file(
    request: reqwest::RequestBuilder,
    path: &Path,
    mut progress: impl FnMut(ExportProgress),
) -> Result<ExportReport, ExportError> {
    let response = request
        .send()
        .await
        .map_err(ExportError::EngineUnreachable)?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|json| {
                json.get("detail").map(|d| {
                    d.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| d.to_string())
                })
            })
            .unwrap_or(body);
        return Err(ExportError::EngineRefused {
            status: status.as_u16(),
            detail,
        });
    }

    let partial = partial_path(path);
    let write_error = |source| ExportError::Write {
        path: path.to_owned(),
        source,
    };
    let file = tokio::fs::File::create(&partial)
        .await
        .map_err(write_error)?;
    let mut file = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut written = ExportProgress { rows: 0, bytes: 0 };
    let mut lines = 0u64;
    let mut last_report = Instant::now();
    let mut body = response.bytes_stream();
    let outcome = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(ExportError::Interrupted)?;
            file.write_all(&chunk).await.map_err(write_error)?;
            // The engine writes compact JSON, so a newline only ever ends a row.
            lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            written = ExportProgress {
                rows: lines.saturating_sub(1),
                bytes: written.bytes + chunk.len() as u64,
            };
            if last_report.elapsed() >= PROGRESS_EVERY {
                progress(written);
                last_report = Instant::now();
            }
        }
        file.flush().await.map_err(write_error)?;
        file.get_ref().sync_all().await.map_err(write_error)?;
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(error);
    }
    tokio::fs::rename(&partial, path)
        .await
        .map_err(write_error)?;
    progress(written);
    Ok(ExportReport {
        path: path.to_owned(),
        rows: written.rows,
        bytes: written.bytes,
    })
}

/// `<file>.part` beside the target.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kitsu_telemetry_engine::gpu::GpuSourceKind;
    use kitsu_telemetry_engine::{Config, RunningEngine};

    /// A real engine on a temporary database, holding `events`.
    async fn engine_with(dir: &Path, events: serde_json::Value) -> (RunningEngine, String) {
        let mut config = Config::for_db(dir.join("telemetry.db"));
        config.gpu_source = GpuSourceKind::Off;
        let engine = kitsu_telemetry_engine::start(config).await.unwrap();
        let base = format!("http://{}", engine.local_addr());
        let posted = reqwest::Client::new()
            .post(format!("{base}/events"))
            .json(&events)
            .send()
            .await
            .unwrap();
        assert!(
            posted.status().is_success(),
            "the events are stored: {posted:?}"
        );
        (engine, base)
    }

    fn export(base: &str, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .get(format!("{base}/events/export"))
            .query(query)
    }

    #[tokio::test]
    async fn the_filtered_export_lands_in_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let events: Vec<_> = (0..500)
            .map(|i| {
                let kind = if i % 5 == 0 {
                    "hardware.gpu"
                } else {
                    "pipeline.metric"
                };
                serde_json::json!({"type": kind, "payload": {"i": i, "note": "a \"quoted\" word"}})
            })
            .collect();
        let (engine, base) = engine_with(dir.path(), events.into()).await;
        let target = dir.path().join("gpu.csv");
        let mut reports = Vec::new();
        let report = export_to_file(export(&base, &[("type", "hardware.gpu")]), &target, |p| {
            reports.push(p)
        })
        .await
        .unwrap();

        let csv = std::fs::read_to_string(&target).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "ts,type,json_payload", "the header comes first");
        assert_eq!(report.rows, 100, "one row per matching event");
        assert_eq!(
            lines.len() as u64,
            report.rows + 1,
            "the report counts the file's rows"
        );
        assert_eq!(report.bytes, csv.len() as u64, "and its bytes");
        assert!(
            lines[1..].iter().all(|l| l.contains(",hardware.gpu,")),
            "only the filtered type"
        );
        assert_eq!(
            reports.last().map(|p| p.rows),
            Some(100),
            "the last progress is the total"
        );
        assert!(
            !partial_path(&target).exists(),
            "no .part file is left behind"
        );
        engine.stop().await.unwrap();
    }

    #[tokio::test]
    async fn a_refused_export_gives_the_engines_detail_and_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, base) = engine_with(dir.path(), serde_json::json!({"type": "x"})).await;
        let target = dir.path().join("out.csv");
        let error = export_to_file(export(&base, &[("since", "not a time")]), &target, |_| {})
            .await
            .unwrap_err();
        assert_eq!(error.code(), "engine_refused", "{error}");
        assert!(
            error.to_string().contains("since"),
            "the engine's detail names the filter: {error}"
        );
        assert!(!target.exists(), "nothing is written for a refused export");
        engine.stop().await.unwrap();
    }

    #[tokio::test]
    async fn an_unwritable_path_is_a_write_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, base) = engine_with(dir.path(), serde_json::json!({"type": "x"})).await;
        let target = dir.path().join("no such folder").join("out.csv");
        let error = export_to_file(export(&base, &[]), &target, |_| {})
            .await
            .unwrap_err();
        assert_eq!(error.code(), "write_failed", "{error}");
        assert!(
            error.to_string().contains("out.csv"),
            "the error names the file: {error}"
        );
        engine.stop().await.unwrap();
    }

    #[tokio::test]
    async fn an_engine_that_is_gone_is_unreachable() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, base) = engine_with(dir.path(), serde_json::json!({"type": "x"})).await;
        engine.stop().await.unwrap();
        let error = export_to_file(export(&base, &[]), &dir.path().join("out.csv"), |_| {})
            .await
            .unwrap_err();
        assert_eq!(error.code(), "engine_unreachable", "{error}");
    }
}
