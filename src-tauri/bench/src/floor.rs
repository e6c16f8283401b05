//! SQLite's raw floor on the engine's own schema: prepared inserts in one transaction, and a
//! full scan reading every column the export reads.

use std::time::Instant;

use kitsu_telemetry_engine::config::Synchronous;
use kitsu_telemetry_engine::store;
use rusqlite::{params, Connection};

use crate::workload::Workload;

/// What the raw floor measured.
pub struct Floor {
    pub inserts_per_sec: f64,
    pub scan_rows_per_sec: f64,
}

/// Inserts `rows` events straight into SQLite with the engine's statement, then scans them.
pub fn measure(rows: usize) -> anyhow::Result<Floor> {
    let dir = tempfile::tempdir()?;
    let mut conn = Connection::open(dir.path().join("floor.db"))?;
    store::configure(&conn, Synchronous::Normal)?;
    store::migrate(&mut conn)?;
    let mut workload = Workload::new(7);
    let events: Vec<_> = (0..rows).map(|_| workload.event_row()).collect();

    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(store::INSERT_SQL)?;
        for (event_type, ts, payload) in &events {
            insert.execute(params![event_type, ts, "bench", payload, ts])?;
        }
    }
    tx.commit()?;
    let inserts_per_sec = rows as f64 / started.elapsed().as_secs_f64();

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
        scan_rows_per_sec,
    })
}
