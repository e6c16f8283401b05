//! Streaming CSV export: `ts,type,json_payload`, one row per event, oldest id first.
//!
//! One read statement walks the rows in id order (never sorting, so memory stays flat) on a
//! blocking thread, and hands the body out in chunks through a small bounded channel: a slow
//! client slows the export down instead of growing a buffer, and a client that hangs up stops it.

use std::io::{self, Write};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::reader::{EventFilter, EventReader, ReadPool};
use super::StoreError;
use crate::time::TimeFormatter;

/// Size of one body chunk handed to the HTTP layer.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks that may wait for a slow client before the export pauses.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The CSV header row, kept from the original service.
pub const CSV_HEADER: [&str; 3] = ["ts", "type", "json_payload"];

/// A stream of CSV body chunks.
pub type CsvStream = ReceiverStream<Result<Bytes, io::Error>>;

impl EventReader {
    /// Streams every event matching `filter` as CSV. Rows come from one consistent snapshot.
    pub fn export_csv(&self, filter: EventFilter) -> CsvStream {
        let (chunks, stream) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let pool = self.pool();
        tokio::task::spawn_blocking(move || {
            let sink = ChunkSink {
                buffer: Vec::with_capacity(CHUNK_BYTES),
                chunks: chunks.clone(),
            };
            match write_csv(&pool, &filter, sink) {
                Ok(rows) => tracing::debug!(rows, "csv export finished"),
                // The receiver is gone when the client hung up: a cancelled download, not a fault.
                Err(error) if chunks.is_closed() => tracing::debug!(%error, "csv export cancelled"),
                Err(error) => {
                    tracing::warn!(%error, "csv export stopped early");
                    let _ = chunks.blocking_send(Err(io::Error::other(error.to_string())));
                }
            }
        });
        ReceiverStream::new(stream)
    }
}

fn write_csv(pool: &ReadPool, filter: &EventFilter, sink: ChunkSink) -> Result<u64, StoreError> {
    pool.with_conn(|conn| {
        let (clause, params) = filter.to_sql(false);
        let sql = format!("SELECT ts_us, type, payload FROM events {clause} ORDER BY id");
        let mut statement = conn.prepare(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut csv = csv::Writer::from_writer(sink);
        csv.write_record(CSV_HEADER).map_err(client_gone)?;
        let mut written = 0;
        let mut times = TimeFormatter::default();
        while let Some(row) = rows.next()? {
            let ts = times.format(row.get(0)?);
            // Both columns are text the engine wrote as UTF-8; no need to validate it again.
            let event_type = row.get_ref(1)?.as_bytes().map_err(rusqlite::Error::from)?;
            let payload = row.get_ref(2)?.as_bytes().map_err(rusqlite::Error::from)?;
            csv.write_record([ts.as_bytes(), event_type, payload])
                .map_err(client_gone)?;
            written += 1;
        }
        let sink = csv
            .into_inner()
            .map_err(|e| client_gone(e.into_error().into()))?;
        sink.finish().map_err(|e| client_gone(e.into()))?;
        Ok(written)
    })
}

fn client_gone(error: csv::Error) -> StoreError {
    StoreError::ReadTask(format!("export interrupted: {error}"))
}

/// Collects CSV bytes and sends them on in chunks of [`CHUNK_BYTES`].
struct ChunkSink {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl ChunkSink {
    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.chunks.blocking_send(Ok(chunk)).map_err(|_| {
            io::Error::new(io::ErrorKind::BrokenPipe, "the client closed the download")
        })
    }

    fn finish(mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send_buffer()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
