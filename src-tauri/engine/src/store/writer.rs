//! The single writer: one thread owns the write connection and commits in groups.
//!
//! Requests wait in a bounded queue. The thread takes everything waiting (up to
//! [`MAX_GROUP_EVENTS`]) and commits it in one transaction, then answers each request, so a
//! 2xx always means "on disk" while concurrent clients share the cost of a commit. Background
//! retention runs on the same thread after the answers are sent, at most once a second, and
//! deletes through the time index in bounded chunks.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};
use tokio::sync::oneshot;

use super::stats::WriterStats;
use super::{StoreError, StoredEvent};
use crate::ingest::NewEvent;
use crate::live::LiveBus;
use crate::metrics::Rollup;
use crate::time::{self, Micros};

/// Most events committed in one transaction; larger groups are split.
pub const MAX_GROUP_EVENTS: usize = 20_000;
/// Requests that may wait for the writer before senders are made to wait.
const QUEUE_CAPACITY: usize = 4096;
/// How often background retention may run.
const RETENTION_INTERVAL: Duration = Duration::from_secs(1);
/// Rows one background retention pass deletes at most, to keep the writer responsive.
const RETENTION_CHUNK: usize = 20_000;

/// The statement every event is stored with (the benchmark's raw floor uses it too).
pub const INSERT_SQL: &str =
    "INSERT INTO events (type, ts_us, source, payload, received_us) VALUES (?1, ?2, ?3, ?4, ?5)";

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum WriteCommand {
    Append {
        events: Vec<NewEvent>,
        reply: Reply<Vec<i64>>,
    },
    Prune {
        cutoff: Micros,
        reply: Reply<u64>,
    },
}

/// The cheap, cloneable handle that queues writes for the writer thread.
#[derive(Clone)]
pub struct EventWriter {
    queue: flume::Sender<WriteCommand>,
}

impl EventWriter {
    /// Commits `events` as one unit and returns their ids in order. Either every event is
    /// stored or none is.
    pub async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<i64>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(WriteCommand::Append { events, reply }).await?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Deletes every event whose time is before `cutoff` (rounded down to a whole second) and
    /// returns how many were removed.
    pub async fn prune_before(&self, cutoff: Micros) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(WriteCommand::Prune {
            cutoff: time::floor_to_second(cutoff),
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Requests waiting for the writer right now.
    pub fn queue_depth(&self) -> usize {
        self.queue.len()
    }

    async fn send(&self, command: WriteCommand) -> Result<(), StoreError> {
        self.queue
            .send_async(command)
            .await
            .map_err(|_| StoreError::WriterGone)
    }
}

/// What the writer thread needs besides its connection.
pub struct WriterContext {
    /// The rollup fed after each commit.
    pub rollup: Arc<Mutex<Rollup>>,
    /// Where committed events are published.
    pub live: LiveBus,
    /// Background retention window in microseconds, if any.
    pub retention: Option<Micros>,
    /// Counters of commits and group sizes, for `/metrics`.
    pub stats: Arc<WriterStats>,
}

/// Starts the writer thread. It stops once every [`EventWriter`] is dropped and the queue is
/// drained; join the handle to know every acknowledged write is committed.
pub fn spawn(
    conn: Connection,
    context: WriterContext,
) -> std::io::Result<(EventWriter, JoinHandle<()>)> {
    let (queue, commands) = flume::bounded(QUEUE_CAPACITY);
    let handle = std::thread::Builder::new()
        .name("kitsu-store-writer".into())
        .spawn(move || WriterLoop::new(conn, context).run(commands))?;
    Ok((EventWriter { queue }, handle))
}

struct WriterLoop {
    conn: Connection,
    context: WriterContext,
    last_retention: Instant,
}

impl WriterLoop {
    fn new(conn: Connection, context: WriterContext) -> Self {
        WriterLoop {
            conn,
            context,
            last_retention: Instant::now(),
        }
    }

    fn run(mut self, commands: flume::Receiver<WriteCommand>) {
        loop {
            match commands.recv_timeout(RETENTION_INTERVAL) {
                Ok(first) => self.handle_group(first, &commands),
                Err(flume::RecvTimeoutError::Timeout) => {}
                Err(flume::RecvTimeoutError::Disconnected) => break,
            }
            self.run_retention_if_due();
        }
        tracing::debug!("store writer stopped");
    }

    /// Takes `first` and whatever else is already waiting, and commits the appends together.
    fn handle_group(&mut self, first: WriteCommand, commands: &flume::Receiver<WriteCommand>) {
        let mut appends = Vec::new();
        let mut prunes = Vec::new();
        let mut queued_events = 0;
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                WriteCommand::Append { events, reply } => {
                    queued_events += events.len();
                    appends.push((events, reply));
                }
                WriteCommand::Prune { cutoff, reply } => prunes.push((cutoff, reply)),
            }
            if queued_events < MAX_GROUP_EVENTS {
                next = commands.try_recv().ok();
            }
        }
        if !appends.is_empty() {
            self.commit_appends(appends);
        }
        for (cutoff, reply) in prunes {
            let _ = reply.send(self.prune(cutoff, None));
        }
    }

    fn commit_appends(&mut self, appends: Vec<(Vec<NewEvent>, Reply<Vec<i64>>)>) {
        let started = Instant::now();
        let received = time::now_micros();
        match insert_all(&mut self.conn, &appends, received) {
            Ok(ids) => {
                let events = appends
                    .iter()
                    .map(|(events, _)| events.len())
                    .sum::<usize>();
                tracing::trace!(
                    requests = appends.len(),
                    events,
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "committed group"
                );
                self.context.stats.record_group(events, started.elapsed());
                self.publish(&appends, &ids);
                for ((_, reply), ids) in appends.into_iter().zip(ids) {
                    let _ = reply.send(Ok(ids));
                }
            }
            Err(error) => {
                tracing::error!(%error, requests = appends.len(), "commit failed; nothing of the group was stored");
                self.context.stats.record_failure();
                for (_, reply) in appends {
                    let _ = reply.send(Err(StoreError::Commit(error.to_string())));
                }
            }
        }
    }

    /// Feeds the rollup and the live bus with what was just committed.
    fn publish(&self, appends: &[(Vec<NewEvent>, Reply<Vec<i64>>)], ids: &[Vec<i64>]) {
        let now = time::now_micros();
        if let Ok(mut rollup) = self.context.rollup.lock() {
            for event in appends.iter().flat_map(|(events, _)| events) {
                rollup.record_committed(&event.event_type, event.ts, &event.metric_fields, now);
            }
        }
        if self.context.live.has_subscribers() {
            for ((events, _), ids) in appends.iter().zip(ids) {
                for (event, &id) in events.iter().zip(ids) {
                    self.context
                        .live
                        .publish_event(StoredEvent::from_new(id, event));
                }
            }
        }
    }

    fn run_retention_if_due(&mut self) {
        let Some(retention) = self.context.retention else {
            return;
        };
        if self.last_retention.elapsed() < RETENTION_INTERVAL {
            return;
        }
        self.last_retention = Instant::now();
        let cutoff = time::floor_to_second(time::now_micros() - retention);
        match self.prune(cutoff, Some(RETENTION_CHUNK)) {
            Ok(0) => {}
            Ok(removed) => tracing::debug!(removed, "retention pruned old events"),
            Err(error) => tracing::warn!(%error, "retention prune failed; will retry"),
        }
    }

    /// Deletes events before `cutoff` through the time index, at most `limit` rows if given.
    fn prune(&mut self, cutoff: Micros, limit: Option<usize>) -> Result<u64, StoreError> {
        let removed = match limit {
            Some(limit) => self.conn.execute(
                "DELETE FROM events WHERE id IN
                   (SELECT id FROM events WHERE ts_us < ?1 ORDER BY ts_us LIMIT ?2)",
                params![cutoff, limit as i64],
            )?,
            None => self
                .conn
                .execute("DELETE FROM events WHERE ts_us < ?1", params![cutoff])?,
        };
        if let Ok(mut rollup) = self.context.rollup.lock() {
            rollup.forget_before(cutoff);
        }
        Ok(removed as u64)
    }
}

/// Inserts every request's events in one transaction; returns the ids per request.
fn insert_all(
    conn: &mut Connection,
    appends: &[(Vec<NewEvent>, Reply<Vec<i64>>)],
    received: Micros,
) -> rusqlite::Result<Vec<Vec<i64>>> {
    let tx = conn.transaction()?;
    let mut all_ids = Vec::with_capacity(appends.len());
    {
        let mut insert = tx.prepare_cached(INSERT_SQL)?;
        for (events, _) in appends {
            let mut ids = Vec::with_capacity(events.len());
            for event in events {
                insert.execute(params![
                    event.event_type,
                    event.ts,
                    event.source,
                    event.payload_json,
                    received
                ])?;
                ids.push(tx.last_insert_rowid());
            }
            all_ids.push(ids);
        }
    }
    tx.commit()?;
    Ok(all_ids)
}
