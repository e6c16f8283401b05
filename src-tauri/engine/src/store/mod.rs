//! SQLite storage of events: the schema, the single writer, and read queries.
//!
//! One thread writes ([`EventWriter`]); readers use their own connections from a small pool on
//! tokio's blocking threads ([`EventReader`]), so reads never block writes (WAL) and no SQLite
//! call runs on an async worker.

mod export;
mod reader;
mod schema;
mod stats;
mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::config::Synchronous;
use crate::ingest::NewEvent;
use crate::live::LiveBus;
use crate::metrics::{MetricFields, Rollup, MAX_WINDOW_SECS};
use crate::time::{self, Micros};

pub use reader::{EventFilter, EventOrder, EventReader};
pub use schema::{configure, migrate};
pub use stats::{WriterStats, WriterStatsSnapshot, GROUP_SIZE_BOUNDS};
pub use writer::{EventWriter, INSERT_SQL, MAX_GROUP_EVENTS};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused a statement.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A group commit failed; none of its events were stored.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The writer thread is gone (the engine is shutting down).
    #[error("the store is shutting down")]
    WriterGone,
    /// A blocking read task panicked or was cancelled.
    #[error("read task failed: {0}")]
    ReadTask(String),
    /// The database file could not be opened or its folder created.
    #[error("cannot open database {path}: {reason}")]
    Open {
        /// The database path.
        path: String,
        /// Why it failed.
        reason: String,
    },
}

/// An event as stored and as every listing returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredEvent {
    /// Increasing id; use it as the pagination cursor.
    pub id: i64,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Event time, ISO-8601 UTC.
    pub ts: String,
    /// Sending module, if known.
    pub source: Option<String>,
    /// The payload object, as sent.
    #[schema(value_type = Object)]
    pub payload: Box<RawValue>,
}

impl StoredEvent {
    /// The stored form of a just-committed event.
    pub fn from_new(id: i64, event: &NewEvent) -> Self {
        StoredEvent {
            id,
            event_type: event.event_type.clone(),
            ts: time::format_time(event.ts),
            source: event.source.clone(),
            payload: raw_payload(event.payload_json.clone()),
        }
    }
}

/// Wraps stored payload text, which is always a JSON object we wrote ourselves.
fn raw_payload(text: String) -> Box<RawValue> {
    RawValue::from_string(text)
        .unwrap_or_else(|_| RawValue::from_string("{}".into()).expect("{} is valid JSON"))
}

/// Settings the store opens with.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite durability mode.
    pub synchronous: Synchronous,
    /// Background retention window in seconds, if any.
    pub retention_secs: Option<u64>,
}

/// The opened store: the write handle, the read handle, and the rollup both keep in step.
pub struct Store {
    /// Queues writes for the writer thread.
    pub writer: EventWriter,
    /// Runs read queries on blocking threads.
    pub reader: EventReader,
    /// Per-second aggregates of the recent events, fed by the writer.
    pub rollup: Arc<Mutex<Rollup>>,
    /// Counters of the writer's commits, for `/metrics`.
    pub stats: Arc<WriterStats>,
    writer_thread: JoinHandle<()>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, rebuilds the rollup from
    /// the recent events, and starts the writer thread.
    pub fn open(path: &Path, options: &StoreOptions, live: LiveBus) -> Result<Self, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| open_error(e.to_string()))?;
        }
        let mut conn = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        schema::configure(&conn, options.synchronous)?;
        schema::migrate(&mut conn)?;

        let retention = options
            .retention_secs
            .map(|secs| secs as Micros * 1_000_000);
        let rollup = Arc::new(Mutex::new(load_rollup(&conn, retention)?));
        let stats = Arc::new(WriterStats::default());
        let context = writer::WriterContext {
            rollup: rollup.clone(),
            live,
            retention,
            stats: stats.clone(),
        };
        let (writer, writer_thread) =
            writer::spawn(conn, context).map_err(|e| open_error(e.to_string()))?;
        let reader = EventReader::new(path.to_path_buf());
        Ok(Store {
            writer,
            reader,
            rollup,
            stats,
            writer_thread,
        })
    }

    /// Stops accepting writes and waits until everything queued is committed.
    pub fn close(self) {
        drop(self.writer);
        if self.writer_thread.join().is_err() {
            tracing::error!("store writer thread panicked while closing");
        }
    }
}

/// Rebuilds the rollup from events recent enough for the longest window (and not yet due for
/// retention), so `/metrics/latest` is right from the first request after a restart.
fn load_rollup(conn: &Connection, retention: Option<Micros>) -> Result<Rollup, StoreError> {
    let started = std::time::Instant::now();
    let now = time::now_micros();
    let mut since = now - (MAX_WINDOW_SECS as Micros + 1) * 1_000_000;
    if let Some(retention) = retention {
        since = since.max(time::floor_to_second(now - retention));
    }
    let mut rollup = Rollup::default();
    let mut statement =
        conn.prepare("SELECT type, ts_us, payload, source FROM events WHERE ts_us >= ?1")?;
    let mut rows = statement.query([since])?;
    let mut loaded = 0u64;
    while let Some(row) = rows.next()? {
        let event_type: String = row.get(0)?;
        let payload: String = row.get(2)?;
        let source: Option<String> = row.get(3)?;
        let fields = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&payload)
            .map(|p| MetricFields::from_payload(&p).with_source(source.as_deref()))
            .unwrap_or_default();
        rollup.record(&event_type, row.get(1)?, &fields, now);
        loaded += 1;
    }
    tracing::info!(
        events = loaded,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "rebuilt metrics rollup"
    );
    Ok(rollup)
}
