//! The events table and its migrations, applied in order and tracked by `PRAGMA user_version`.

use rusqlite::Connection;

use crate::config::Synchronous;

/// Each entry moves the schema one version forward; never edit a released one, append.
const MIGRATIONS: &[&str] = &[
    // 1: events, with the time as an instant (microseconds since the epoch, UTC). AUTOINCREMENT
    // keeps ids growing even after prune empties the table, so pagination cursors stay valid.
    "CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        type        TEXT    NOT NULL,
        ts_us       INTEGER NOT NULL,
        source      TEXT,
        payload     TEXT    NOT NULL,
        received_us INTEGER NOT NULL
    );
    CREATE INDEX events_by_time   ON events (ts_us);
    CREATE INDEX events_by_type   ON events (type, id);
    CREATE INDEX events_by_source ON events (source, id);",
];

/// Applies the settings of the write connection (the benchmark's raw floor uses them too).
pub fn configure(conn: &Connection, synchronous: Synchronous) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // 16 MiB of page cache (default 2 MiB) keeps the three indexes' hot pages in memory while
    // the store grows past a million events; it is only used as pages are touched.
    conn.pragma_update(None, "cache_size", -16_384)?;
    let mode = match synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", mode)
}

/// Brings the database up to the latest schema. Runs on the writer's connection at start.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();

        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();

        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(
            version,
            MIGRATIONS.len(),
            "every migration is recorded once"
        );
    }
}
