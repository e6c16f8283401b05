//! The bus of committed events, fanned out to whoever listens (the live stream, rollups).
//!
//! It is a bounded broadcast channel: publishing never waits, and a subscriber that falls more
//! than [`EVENT_BACKLOG`] events behind is told how many it missed instead of slowing the writer
//! or growing memory.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::store::StoredEvent;

/// Committed events a slow subscriber may lag behind before it skips ahead.
pub const EVENT_BACKLOG: usize = 4096;

/// A cloneable handle on the bus.
#[derive(Clone)]
pub struct LiveBus {
    events: broadcast::Sender<Arc<StoredEvent>>,
}

impl Default for LiveBus {
    fn default() -> Self {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        LiveBus { events }
    }
}

impl LiveBus {
    /// Publishes one committed event to every current subscriber; never blocks.
    pub fn publish_event(&self, event: StoredEvent) {
        // An error only means nobody listens right now, which is fine.
        let _ = self.events.send(Arc::new(event));
    }

    /// Whether anyone listens; lets the writer skip building events nobody reads.
    pub fn has_subscribers(&self) -> bool {
        self.events.receiver_count() > 0
    }

    /// Receives every event committed from now on.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.events.subscribe()
    }
}
