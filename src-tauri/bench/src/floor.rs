//! SQLite's raw floor on the engine's own schema: prepared inserts in one transaction, and a
//! full scan reading every column the export reads.

use std::time::Instant;

use kitsu_telemetry_engine::config::Synchronous;
use kitsu_telemetry_engine::store;
use rusqlite::{params, Connection};

use crate::workload::Workload;

/// What the raw floor measured.
pub struct Floor {
    /// Inserts per second into the engine's schema (with its three indexes).
    pub inserts_per_sec: f64,
    /// Inserts per second into a bare table without indexes, for reference.
    pub bare_inserts_per_sec: f64,
    /// Rows per second of a full scan reading what the export reads.
    pub scan_rows_per_sec: f64,
}

const BARE_TABLE: &str = "CREATE TABLE bare (id INTEGER PRIMARY KEY, type TEXT NOT NULL, \
    ts_us INTEGER NOT NULL, source TEXT, payload TEXT NOT NULL, received_us INTEGER NOT NULL)";
const BARE_INSERT: &str =
    "INSERT INTO bare (type, ts_us, source, payload, received_us) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Inserts `rows` events straight into SQLite with the engine's statement, then scans them.
pub fn measure(rows: usize) -> anyhow::Result<Floor> {
    let dir = tempfile::tempdir()?;
    let mut conn = Connection::open(dir.path().join("floor.db"))?;
    store::configure(&conn, Synchronous::Normal)?;
    store::migrate(&mut conn)?;
    let mut workload = Workload::new(7);
    let events: Vec<_> = (0..rows).map(|_| workload.event_row()).collect();

    conn.execute_batch(BARE_TABLE)?;
    let bare_inserts_per_sec = insert_rate(&mut conn, BARE_INSERT, &events)?;
    let inserts_per_sec = insert_rate(&mut conn, store::INSERT_SQL, &events)?;

    let started = Instant::now();
    let mut scan = conn.prepare("SELECT ts_us, type, payload FROM events ORDER BY id")?;
    let mut rows_seen = 0usize;
    let mut bytes = 0usize;
    let mut cursor = scan.query([])?;
    while let Some(row) = cursor.next()? {
        let ts: i64 = row.get(0)?;
        bytes +=
            row.get_ref(1)?.as_str()?.len() + row.get_ref(2)?.as_str()?.len() + (ts & 1) as usize;
        rows_seen += 1;
    }
    let scan_rows_per_sec = rows_seen as f64 / started.elapsed().as_secs_f64();
    anyhow::ensure!(
        rows_seen == rows && bytes > 0,
        "the scan must see every row"
    );
    Ok(Floor {
        inserts_per_sec,
        bare_inserts_per_sec,
        scan_rows_per_sec,
    })
}

/// Inserts every event with `sql` in one transaction; returns rows per second.
fn insert_rate(
    conn: &mut Connection,
    sql: &str,
    events: &[(&str, i64, String)],
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(sql)?;
        for (event_type, ts, payload) in events {
            insert.execute(params![event_type, ts, "bench", payload, ts])?;
        }
    }
    tx.commit()?;
    Ok(events.len() as f64 / started.elapsed().as_secs_f64())
}
