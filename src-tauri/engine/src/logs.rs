//! Reading the Kitsu services' own log files for `GET /logs`.
//!
//! Each service writes JSON lines to `<KITSU_LOG_ROOT>/<service>.log`, rotated to
//! `<service>.log.1`, `<service>.log.2026-12-01` and so on. Records have no fixed schema, so the
//! time, level and message are looked up under the names Python's loggers use. Lines that are not
//! JSON are kept as plain messages rather than dropped.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::time::{self, Micros};

const TIME_KEYS: &[&str] = &["ts", "timestamp", "time", "asctime", "created"];
const LEVEL_KEYS: &[&str] = &["level", "levelname", "severity"];
const MESSAGE_KEYS: &[&str] = &["message", "msg", "event"];

/// Why logs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// `KITSU_LOG_ROOT` does not name a folder.
    #[error("no log folder at {0}; set KITSU_LOG_ROOT to the folder of the Kitsu services' logs")]
    NoLogFolder(String),
    /// The folder or a file could not be read.
    #[error("cannot read logs: {0}")]
    Io(#[from] std::io::Error),
}

/// Which log records to return.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only this service (the file name before `.log`).
    pub service: Option<String>,
    /// Only this level, case-insensitive.
    pub level: Option<String>,
    /// Only records at or after this instant (records without a time are kept).
    pub since: Option<Micros>,
    /// Only lines containing this text, case-insensitive.
    pub contains: Option<String>,
    /// Oldest first when true; newest first otherwise.
    pub ascending: bool,
    /// Most records returned.
    pub limit: usize,
}

/// One log record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogRecord {
    /// Service that wrote it.
    pub service: String,
    /// Record time, ISO-8601 UTC, when the record has one.
    pub ts: Option<String>,
    /// Level as written (`INFO`, `warning`, ...).
    pub level: Option<String>,
    /// The message, or the whole line when it is not JSON.
    pub message: Option<String>,
    /// The whole JSON record.
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(skip)]
    sort_key: Option<Micros>,
}

/// Reads every matching record under `root`, sorted by time, at most `query.limit` of them.
pub fn read_logs(root: &Path, query: &LogQuery) -> Result<Vec<LogRecord>, LogsError> {
    if !root.is_dir() {
        return Err(LogsError::NoLogFolder(root.display().to_string()));
    }
    let mut records = Vec::new();
    for (service, path) in log_files(root)? {
        if query
            .service
            .as_deref()
            .is_some_and(|wanted| wanted != service)
        {
            continue;
        }
        read_file(&path, &service, query, &mut records)?;
    }
    records.sort_by_key(|r| r.sort_key.unwrap_or(i64::MIN));
    if !query.ascending {
        records.reverse();
    }
    records.truncate(query.limit);
    Ok(records)
}

/// `(service, path)` of every `<service>.log*` file directly under `root`.
fn log_files(root: &Path) -> Result<Vec<(String, PathBuf)>, LogsError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(at) = name.find(".log") {
            if path.is_file() && at > 0 {
                files.push((name[..at].to_string(), path.clone()));
            }
        }
    }
    Ok(files)
}

fn read_file(
    path: &Path,
    service: &str,
    query: &LogQuery,
    out: &mut Vec<LogRecord>,
) -> Result<(), LogsError> {
    let needle = query.contains.as_ref().map(|c| c.to_lowercase());
    for line in BufReader::new(File::open(path)?).lines() {
        let line = line?;
        if line.trim().is_empty()
            || needle
                .as_ref()
                .is_some_and(|n| !line.to_lowercase().contains(n))
        {
            continue;
        }
        let record = parse_line(service, &line);
        if keep(&record, query) {
            out.push(record);
        }
    }
    Ok(())
}

fn keep(record: &LogRecord, query: &LogQuery) -> bool {
    let level_ok = match (&query.level, &record.level) {
        (None, _) => true,
        (Some(wanted), Some(level)) => wanted.eq_ignore_ascii_case(level),
        (Some(_), None) => false,
    };
    let time_ok = match (query.since, record.sort_key) {
        (Some(since), Some(ts)) => ts >= since,
        _ => true,
    };
    level_ok && time_ok
}

fn parse_line(service: &str, line: &str) -> LogRecord {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else {
        return LogRecord {
            service: service.to_string(),
            ts: None,
            level: None,
            message: Some(line.to_string()),
            data: Value::Null,
            sort_key: None,
        };
    };
    let sort_key = first(&fields, TIME_KEYS).and_then(|v| match v {
        Value::Number(n) => n.as_f64().and_then(|s| time::from_epoch_secs(s).ok()),
        Value::String(s) => time::parse_time(s).ok(),
        _ => None,
    });
    let text = |keys| {
        first(&fields, keys)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    LogRecord {
        service: text(&["service"]).unwrap_or_else(|| service.to_string()),
        ts: sort_key.map(time::format_time),
        level: text(LEVEL_KEYS),
        message: text(MESSAGE_KEYS),
        sort_key,
        data: Value::Object(fields),
    }
}

fn first<'a>(fields: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| fields.get(*k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with_logs() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tts_worker.log"),
            concat!(
                r#"{"ts":"2026-12-03T10:00:02Z","level":"INFO","message":"voice ready"}"#,
                "\n",
                r#"{"ts":1796292005.5,"levelname":"ERROR","msg":"cuda out of memory"}"#,
                "\n",
                "plain text line\n",
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("asr_worker.log.1"),
            r#"{"timestamp":"2026-12-03T09:00:00+00:00","level":"warning","message":"mic muted"}"#,
        )
        .unwrap();
        dir
    }

    fn query() -> LogQuery {
        LogQuery {
            limit: 100,
            ..Default::default()
        }
    }

    #[test]
    fn records_from_rotated_files_are_merged_newest_first() {
        let dir = folder_with_logs();

        let records = read_logs(dir.path(), &query()).unwrap();

        let messages: Vec<_> = records
            .iter()
            .filter_map(|r| r.message.as_deref())
            .collect();
        assert_eq!(
            messages[..3],
            ["cuda out of memory", "voice ready", "mic muted"]
        );
        assert_eq!(
            records[2].service, "asr_worker",
            "rotated files keep their service name"
        );
        assert_eq!(records.len(), 4, "a non-JSON line is kept as a message");
    }

    #[test]
    fn filters_combine() {
        let dir = folder_with_logs();
        let wanted = LogQuery {
            service: Some("tts_worker".into()),
            level: Some("error".into()),
            ..query()
        };

        let records = read_logs(dir.path(), &wanted).unwrap();

        assert_eq!(records.len(), 1);
        assert_eq!(records[0].message.as_deref(), Some("cuda out of memory"));
        let found = read_logs(
            dir.path(),
            &LogQuery {
                contains: Some("MIC".into()),
                ..query()
            },
        )
        .unwrap();
        assert_eq!(found.len(), 1, "contains is case-insensitive");
    }

    #[test]
    fn a_missing_folder_is_a_clear_error() {
        let error = read_logs(Path::new("/nonexistent/kitsu/logs"), &query()).unwrap_err();

        assert!(error.to_string().contains("KITSU_LOG_ROOT"), "{error}");
    }
}
