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
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use utoipa::ToSchema;

use super::frames::split_frame;
use super::{RelayBackoff, UpstreamSettings};

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

struct Shared {
    sender: broadcast::Sender<RelayText>,
    snapshot: Mutex<Snapshot>,
    stop: watch::Sender<bool>,
    rejected_frames: AtomicU64,
}

struct Snapshot {
    status: RelayStatus,
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
        let link = Link {
            url: settings.orchestrator_stream_url.clone(),
            bearer: settings.orchestrator_api_key.clone(),
            connect_timeout: settings.timeouts.connect,
            backoff: settings.backoff,
        };
        tokio::spawn(run(shared.clone(), link));
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

    /// Closes the upstream connection for good and tells clients to go.
    pub fn stop(&self) {
        self.shared.stop.send_replace(true);
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        self.snapshot
            .lock()
            .expect("the relay snapshot lock is never poisoned")
    }

    fn set_status(&self, status: RelayStatus) {
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
    fn relay_frame(&self, frame: &str) -> bool {
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

/// How to reach the upstream stream.
struct Link {
    url: String,
    bearer: Option<String>,
    connect_timeout: Duration,
    backoff: RelayBackoff,
}

/// Connects, relays until the connection ends, waits, and again, until stopped.
async fn run(shared: Arc<Shared>, link: Link) {
    let mut stop = shared.stop.subscribe();
    let mut attempt = 0u32;
    loop {
        let ended = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => break,
            ended = session(&shared, &link) => ended,
        };
        attempt = if ended.delivered { 1 } else { attempt + 1 };
        let delay = link.backoff.delay(attempt);
        let state = if delay >= link.backoff.max {
            RelayState::Offline
        } else {
            RelayState::Reconnecting
        };
        log_failure(&link.url, attempt, state, &ended.reason);
        shared.set_status(RelayStatus {
            state,
            attempt,
            last_error: Some(ended.reason),
            url: link.url.clone(),
        });
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => break,
            _ = tokio::time::sleep(delay) => {}
        }
    }
    let last_error = shared.lock().status.last_error.clone();
    shared.set_status(RelayStatus {
        state: RelayState::Offline,
        attempt,
        last_error,
        url: link.url.clone(),
    });
    tracing::info!(url = %link.url, "orchestrator relay stopped");
}

fn log_failure(url: &str, attempt: u32, state: RelayState, reason: &str) {
    if state == RelayState::Offline && attempt > 1 {
        tracing::debug!(%url, attempt, error = %reason, "orchestrator stream still down");
    } else if state == RelayState::Offline {
        tracing::warn!(%url, error = %reason, "orchestrator stream offline");
    } else {
        tracing::debug!(%url, attempt, error = %reason, "orchestrator stream reconnecting");
    }
}

/// How one connection (or attempt) ended.
struct Ended {
    /// Whether it relayed at least one message; resets the backoff.
    delivered: bool,
    reason: String,
}

impl Ended {
    fn failed(reason: impl Into<String>) -> Self {
        Ended {
            delivered: false,
            reason: reason.into(),
        }
    }
}

async fn session(shared: &Shared, link: &Link) -> Ended {
    let mut request = match link.url.as_str().into_client_request() {
        Ok(request) => request,
        Err(error) => return Ended::failed(format!("invalid stream URL: {error}")),
    };
    if let Some(bearer) = &link.bearer {
        if let Ok(value) = HeaderValue::from_str(&format!("Bearer {bearer}")) {
            request.headers_mut().insert("authorization", value);
        }
    }
    let connecting = tokio_tungstenite::connect_async(request);
    let mut socket = match tokio::time::timeout(link.connect_timeout, connecting).await {
        Err(_) => return Ended::failed(format!("no connection within {:?}", link.connect_timeout)),
        Ok(Err(error)) => return Ended::failed(error.to_string()),
        Ok(Ok((socket, _))) => socket,
    };
    tracing::info!(url = %link.url, "orchestrator stream connected");
    shared.set_status(RelayStatus {
        state: RelayState::Connected,
        attempt: 0,
        last_error: None,
        url: link.url.clone(),
    });

    let mut delivered = false;
    let reason = loop {
        let frame = match tokio::time::timeout(SILENCE_LIMIT, socket.next()).await {
            Err(_) => break format!("no message for {} s", SILENCE_LIMIT.as_secs()),
            Ok(None) => break "the orchestrator closed the stream".to_string(),
            Ok(Some(Err(error))) => break error.to_string(),
            Ok(Some(Ok(frame))) => frame,
        };
        match frame {
            Message::Text(text) => delivered |= shared.relay_frame(text.as_str()),
            Message::Binary(_) => {
                shared.rejected_frames.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("dropped a binary upstream frame");
            }
            Message::Close(close) => {
                break match close {
                    Some(close) => format!("closed by the orchestrator ({})", close.code),
                    None => "closed by the orchestrator".to_string(),
                }
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    };
    Ended { delivered, reason }
}
