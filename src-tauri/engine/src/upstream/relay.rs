//! The one WebSocket connection to the orchestrator's `/stream`, fanned out to every dashboard.
//!
//! However many dashboards watch, the engine holds a single upstream connection, reconnecting
//! with a doubling backoff when it drops. Each upstream message goes, unchanged, into a bounded
//! broadcast channel: a client that cannot keep up skips ahead (it is told how many messages it
//! missed) and never slows the upstream reader or the other clients. The relay's own connection
//! state travels in the same channel as `relay.state` messages, and the last `status` snapshot
//! is kept, so a client that connects late gets both at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use tokio::sync::{broadcast, watch};
use utoipa::ToSchema;

use super::frames::split_frame;
use super::{connection, UpstreamSettings};

/// Messages a client may lag behind before it skips ahead.
pub const RELAY_BACKLOG: usize = 1024;
/// An upstream that sends nothing for this long is presumed dead and reconnected; the
/// orchestrator sends a `status` every 5 s.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(30);

/// One relayed message: JSON text, cheap to clone for every client.
pub type RelayText = Utf8Bytes;

/// Where the relay's upstream connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RelayState {
    /// The first connection attempt is under way.
    Connecting,
    /// Connected; upstream messages flow.
    Connected,
    /// The connection failed or dropped; retrying with a growing delay.
    Reconnecting,
    /// The backoff reached its cap (the orchestrator looks down, still retried at that pace), or
    /// the engine is stopping.
    Offline,
}

/// The relay's state, as `relay.state` messages and `/health` report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelayStatus {
    /// Connection state.
    pub state: RelayState,
    /// Failed attempts since the last connection that delivered messages (0 when connected).
    pub attempt: u32,
    /// Why the last attempt or connection ended, if one did.
    pub last_error: Option<String>,
    /// The upstream `/stream` URL.
    pub url: String,
}

/// What a new client starts from: the current state, the last `status`, then the live feed.
pub struct RelaySubscription {
    /// The current `relay.state` message, then the last upstream `status` frame if any.
    pub initial: Vec<RelayText>,
    /// Every message from the moment of subscribing on.
    pub messages: broadcast::Receiver<RelayText>,
    /// Becomes `true` when the relay stops (engine shutdown).
    pub stopped: watch::Receiver<bool>,
}

/// A cloneable handle on the running relay.
#[derive(Clone)]
pub struct Relay {
    shared: Arc<Shared>,
}

pub(super) struct Shared {
    sender: broadcast::Sender<RelayText>,
    snapshot: Mutex<Snapshot>,
    pub(super) stop: watch::Sender<bool>,
    pub(super) rejected_frames: AtomicU64,
}

pub(super) struct Snapshot {
    pub(super) status: RelayStatus,
    last_status_frame: Option<RelayText>,
}

#[derive(Serialize)]
struct StateMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    status: &'a RelayStatus,
}

impl Relay {
    /// Starts relaying the orchestrator's stream in a background task (needs a tokio runtime).
    pub fn start(settings: &UpstreamSettings) -> Relay {
        let (sender, _) = broadcast::channel(RELAY_BACKLOG);
        let status = RelayStatus {
            state: RelayState::Connecting,
            attempt: 0,
            last_error: None,
            url: settings.orchestrator_stream_url.clone(),
        };
        let shared = Arc::new(Shared {
            sender,
            snapshot: Mutex::new(Snapshot {
                status,
                last_status_frame: None,
            }),
            stop: watch::channel(false).0,
            rejected_frames: AtomicU64::new(0),
        });
        let link = connection::Link {
            url: settings.orchestrator_stream_url.clone(),
            bearer: settings.orchestrator_api_key.clone(),
            connect_timeout: settings.timeouts.connect,
            backoff: settings.backoff,
        };
        tokio::spawn(connection::run(shared.clone(), link));
        Relay { shared }
    }

    /// The current state.
    pub fn status(&self) -> RelayStatus {
        self.shared.lock().status.clone()
    }

    /// Upstream lines dropped because they were not JSON, since start.
    pub fn rejected_frames(&self) -> u64 {
        self.shared.rejected_frames.load(Ordering::Relaxed)
    }

    /// Dashboard clients currently subscribed.
    pub fn client_count(&self) -> usize {
        self.shared.sender.receiver_count()
    }

    /// Subscribes a client; nothing published in between is lost or seen twice.
    pub fn subscribe(&self) -> RelaySubscription {
        let snapshot = self.shared.lock();
        let mut initial = vec![state_message(&snapshot.status)];
        initial.extend(snapshot.last_status_frame.clone());
        RelaySubscription {
            initial,
            messages: self.shared.sender.subscribe(),
            stopped: self.shared.stop.subscribe(),
        }
    }

    /// Closes the upstream connection for good: clients get a last `offline` state, then the
    /// end of their stream.
    pub fn stop(&self) {
        let mut status = self.status();
        status.state = RelayState::Offline;
        self.shared.set_status(status);
        self.shared.stop.send_replace(true);
    }
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        self.snapshot
            .lock()
            .expect("the relay snapshot lock is never poisoned")
    }

    pub(super) fn set_status(&self, status: RelayStatus) {
        let mut snapshot = self.lock();
        // Sending under the lock keeps subscribe()'s snapshot and the feed in one order.
        let _ = self.sender.send(state_message(&status));
        snapshot.status = status;
    }

    fn publish(&self, text: &str, is_status: bool) {
        let text = RelayText::from(text);
        let mut snapshot = self.lock();
        if is_status {
            snapshot.last_status_frame = Some(text.clone());
        }
        let _ = self.sender.send(text);
    }

    /// Relays every JSON message of a frame; true if there was at least one.
    pub(super) fn relay_frame(&self, frame: &str) -> bool {
        let split = split_frame(frame);
        if split.rejected > 0 {
            self.rejected_frames
                .fetch_add(split.rejected as u64, Ordering::Relaxed);
            tracing::debug!(
                lines = split.rejected,
                "dropped upstream text that is not json"
            );
        }
        for message in &split.messages {
            tracing::trace!(len = message.text.len(), "relaying upstream message");
            self.publish(message.text, message.is_status);
        }
        !split.messages.is_empty()
    }
}

fn state_message(status: &RelayStatus) -> RelayText {
    let message = StateMessage {
        kind: "relay.state",
        status,
    };
    RelayText::from(serde_json::to_string(&message).expect("a relay state serializes"))
}
