//! The relay's upstream side: connect to the orchestrator's `/stream`, read until the connection
//! ends, wait, and again, until the engine stops.
//!
//! Every frame read goes to [`Shared::relay_frame`], and every change of connection state to
//! [`Shared::set_status`]; the fan-out to clients is [`super::relay`]'s business.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use super::relay::{RelayState, RelayStatus, Shared, SILENCE_LIMIT};
use super::RelayBackoff;

/// How to reach the upstream stream.
pub(super) struct Link {
    pub(super) url: String,
    pub(super) bearer: Option<String>,
    pub(super) connect_timeout: Duration,
    pub(super) backoff: RelayBackoff,
}

/// Connects, relays until the connection ends, waits, and again, until stopped.
pub(super) async fn run(shared: Arc<Shared>, link: Link) {
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
        let was_offline = shared.lock().status.state == RelayState::Offline;
        log_failure(
            &link.url,
            attempt,
            state == RelayState::Offline && !was_offline,
            &ended.reason,
        );
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
    tracing::info!(url = %link.url, "orchestrator relay stopped");
}

/// Debug for each retry; a warning only when the relay first gives the upstream up as down.
fn log_failure(url: &str, attempt: u32, went_offline: bool, reason: &str) {
    if went_offline {
        tracing::warn!(%url, attempt, error = %reason, "orchestrator stream offline; still retrying");
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
