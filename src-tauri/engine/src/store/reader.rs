//! Read queries over their own connections, run on tokio's blocking threads.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags};

use super::{raw_payload, StoreError, StoredEvent};
use crate::time::{self, Micros};

/// Idle read connections kept open for reuse.
const MAX_IDLE_CONNECTIONS: usize = 4;

/// Which way a listing walks the ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventOrder {
    /// Highest id first (the default listing).
    #[default]
    NewestFirst,
    /// Lowest id first (walking forward with `after_id`, and the export).
    OldestFirst,
}

/// Which events a listing or an export covers. Every field narrows the selection.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Exact event type.
    pub event_type: Option<String>,
    /// Exact source.
    pub source: Option<String>,
    /// Event time at or after this instant.
    pub since: Option<Micros>,
    /// Event time at or before this instant.
    pub until: Option<Micros>,
    /// Only ids below this one.
    pub before_id: Option<i64>,
    /// Only ids above this one.
    pub after_id: Option<i64>,
}

impl EventFilter {
    /// The SQL `WHERE` clause and its parameters. `index_time` lets SQLite use the time index;
    /// the export turns it off so rows always come in id order without a sort.
    pub(super) fn to_sql(&self, index_time: bool) -> (String, Vec<SqlValue>) {
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        let mut add = |condition: &str, value: SqlValue| {
            conditions.push(condition.replace('?', &format!("?{}", params.len() + 1)));
            params.push(value);
        };
        let ts = if index_time { "ts_us" } else { "+ts_us" };
        if let Some(t) = &self.event_type {
            add("type = ?", SqlValue::Text(t.clone()));
        }
        if let Some(s) = &self.source {
            add("source = ?", SqlValue::Text(s.clone()));
        }
        if let Some(since) = self.since {
            add(&format!("{ts} >= ?"), SqlValue::Integer(since));
        }
        if let Some(until) = self.until {
            add(&format!("{ts} <= ?"), SqlValue::Integer(until));
        }
        if let Some(id) = self.before_id {
            add("id < ?", SqlValue::Integer(id));
        }
        if let Some(id) = self.after_id {
            add("id > ?", SqlValue::Integer(id));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        (clause, params)
    }
}

/// The read side of the store: a cloneable handle over a small pool of read-only connections.
#[derive(Clone)]
pub struct EventReader {
    inner: Arc<ReadPool>,
}

pub(super) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReadPool {
    fn take(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE_CONNECTIONS {
                idle.push(conn);
            }
        }
    }

    /// Runs `read` with a pooled connection on the current (blocking) thread.
    pub(super) fn with_conn<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.take()?;
        let result = read(&conn);
        self.give_back(conn);
        result
    }
}

impl EventReader {
    pub(super) fn new(path: PathBuf) -> Self {
        EventReader {
            inner: Arc::new(ReadPool {
                path,
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    pub(super) fn pool(&self) -> Arc<ReadPool> {
        self.inner.clone()
    }

    /// Runs `read` on a blocking thread with a pooled read-only connection.
    pub async fn run<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = self.inner.clone();
        tokio::task::spawn_blocking(move || pool.with_conn(read))
            .await
            .map_err(|e| StoreError::ReadTask(e.to_string()))?
    }

    /// Up to `limit` events matching `filter`, in `order` of id.
    pub async fn list(
        &self,
        filter: EventFilter,
        order: EventOrder,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.run(move |conn| {
            let (clause, mut params) = filter.to_sql(true);
            let direction = match order {
                EventOrder::NewestFirst => "DESC",
                EventOrder::OldestFirst => "ASC",
            };
            params.push(SqlValue::Integer(limit as i64));
            let sql = format!(
                "SELECT id, type, ts_us, source, payload FROM events {clause} ORDER BY id {direction} LIMIT ?{}",
                params.len()
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement.query_map(rusqlite::params_from_iter(params), |row| {
                Ok(StoredEvent {
                    id: row.get(0)?,
                    event_type: row.get(1)?,
                    ts: time::format_time(row.get(2)?),
                    source: row.get(3)?,
                    payload: raw_payload(row.get(4)?),
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
