//! `GET /events/stream`: a WebSocket that sends each event as it is committed.
//!
//! Each client gets its own subscription to the [`crate::live::LiveBus`]: publishing never
//! waits for a client, and the bus holds a bounded backlog. A client that falls more than that
//! behind is sent `{"lagged": n}` (the number of committed events it missed, of any type) and
//! continues from the newest events, so a slow client never slows ingestion or grows
//! memory. A client that takes longer than [`SEND_TIMEOUT`] to accept one message is dropped.
//! The API key comes as `?key=` (browsers cannot set headers on a WebSocket).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState};
use crate::store::StoredEvent;

/// Longest a client may take to accept one message before it is dropped.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Query of `GET /events/stream`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Only this event type; ending in `.` (such as `hardware.`), every type with that prefix.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
}

/// Which event types a client wants.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeFilter {
    /// Every event.
    All,
    /// Exactly this type.
    Exact(String),
    /// Every type starting with this (which ends in `.`).
    Prefix(String),
}

impl TypeFilter {
    /// The filter a `type` parameter asks for; empty means every event.
    ///
    /// ```
    /// use kitsu_telemetry_engine::api::TypeFilter;
    /// assert!(TypeFilter::parse(Some("hardware.")).matches("hardware.gpu"));
    /// assert!(!TypeFilter::parse(Some("hardware")).matches("hardware.gpu"));
    /// ```
    pub fn parse(kind: Option<&str>) -> Self {
        match kind.map(str::trim) {
            None | Some("") => TypeFilter::All,
            Some(prefix) if prefix.ends_with('.') => TypeFilter::Prefix(prefix.to_string()),
            Some(exact) => TypeFilter::Exact(exact.to_string()),
        }
    }

    /// Whether an event of `event_type` passes.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            TypeFilter::All => true,
            TypeFilter::Exact(kind) => event_type == kind,
            TypeFilter::Prefix(prefix) => event_type.starts_with(prefix.as_str()),
        }
    }
}

/// Upgrades to a WebSocket that sends every committed event (as `GET /events` items) that
/// passes the `type` filter, and `{"lagged": n}` when the client fell behind.
#[utoipa::path(
    get, path = "/events/stream", tag = "events",
    params(StreamParams, ("key" = Option<String>, Query, description = "The API key, when one is set")),
    responses(
        (status = 101, description = "WebSocket: one text message per committed event"),
        (status = 400, description = "Not a WebSocket upgrade request", body = ErrorBody),
        (status = 401, description = "Missing or wrong key", body = ErrorBody),
    )
)]
pub async fn events_stream(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<StreamParams>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::BadRequest(format!(
            "GET /events/stream is a WebSocket: {}",
            rejection.body_text()
        ))
    })?;
    let filter = TypeFilter::parse(params.kind.as_deref());
    // Subscribing before the upgrade: nothing committed after the request is missed.
    let events = state.live.subscribe_events();
    Ok(upgrade.on_upgrade(move |socket| {
        let (sink, incoming) = socket.split();
        relay(sink, incoming, events, filter)
    }))
}

/// Forwards events to `sink` until the client leaves (`incoming` ends or closes) or the bus
/// closes. Generic over the socket halves so tests can drive it without a network.
async fn relay<S, I, E>(
    mut sink: S,
    mut incoming: I,
    mut events: broadcast::Receiver<Arc<StoredEvent>>,
    filter: TypeFilter,
) where
    S: Sink<Message> + Unpin,
    I: Stream<Item = Result<Message, E>> + Unpin,
{
    loop {
        let received = tokio::select! {
            received = events.recv() => received,
            message = incoming.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        let message = match received {
            Ok(event) if filter.matches(&event.event_type) => event_message(&event),
            Ok(_) => continue,
            Err(RecvError::Lagged(missed)) => {
                // Skip what is still queued too: the client continues from the newest events.
                let missed = missed + events.len() as u64;
                events = events.resubscribe();
                lagged_message(missed)
            }
            Err(RecvError::Closed) => break,
        };
        if !send(&mut sink, message).await {
            return;
        }
    }
    // The engine is stopping: say goodbye properly.
    let _ = sink.send(Message::Close(None)).await;
}

/// Sends one message; false when the client is gone or stopped reading.
async fn send<S: Sink<Message> + Unpin>(sink: &mut S, message: Message) -> bool {
    match tokio::time::timeout(SEND_TIMEOUT, sink.send(message)).await {
        Ok(result) => result.is_ok(),
        Err(_) => {
            tracing::debug!("dropping a live stream client that stopped reading");
            false
        }
    }
}

fn event_message(event: &StoredEvent) -> Message {
    let text = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Message::Text(Utf8Bytes::from(text))
}

fn lagged_message(missed: u64) -> Message {
    tracing::debug!(missed, "live stream client lagged; skipping ahead");
    Message::Text(Utf8Bytes::from(format!("{{\"lagged\":{missed}}}")))
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use futures::channel::mpsc;
    use serde_json::Value;

    use super::*;
    use crate::ingest::parse_body;

    fn event(id: i64, event_type: &str) -> Arc<StoredEvent> {
        let body = format!(r#"{{"type":"{event_type}","payload":{{"n":{id}}}}}"#);
        let (_, mut parsed) = parse_body(body.as_bytes(), 0).expect("the test event is valid");
        Arc::new(StoredEvent::from_new(id, &parsed.remove(0)))
    }

    async fn next_json(out: &mut mpsc::Receiver<Message>) -> Value {
        match out.next().await {
            Some(Message::Text(text)) => serde_json::from_str(&text).expect("messages are JSON"),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_client_that_falls_behind_gets_a_lagged_marker_then_only_the_newest_events() {
        let (bus, events) = broadcast::channel(16);
        for id in 0..40 {
            bus.send(event(id, "bulk"))
                .expect("the relay's receiver exists");
        }
        let (sink, mut out) = mpsc::channel(64);
        let client = futures::stream::pending::<Result<Message, Infallible>>();
        let relay = tokio::spawn(relay(sink, client, events, TypeFilter::All));

        let marker = next_json(&mut out).await;
        bus.send(event(99, "after.lag"))
            .expect("the relay still listens");
        let next = next_json(&mut out).await;
        drop(bus);

        assert_eq!(
            marker,
            serde_json::json!({"lagged": 40}),
            "all 40 queued events are skipped"
        );
        assert_eq!(
            next["id"], 99,
            "after the marker the client gets the newest event"
        );
        assert!(
            matches!(out.next().await, Some(Message::Close(_))),
            "a closing bus closes the socket"
        );
        relay.await.expect("the relay ends cleanly");
    }

    #[tokio::test]
    async fn a_client_that_leaves_ends_the_relay() {
        let (bus, events) = broadcast::channel(16);
        let (sink, _out) = mpsc::channel(1);
        let client = futures::stream::iter([Ok::<_, Infallible>(Message::Close(None))]);

        relay(sink, client, events, TypeFilter::All).await;

        assert_eq!(
            bus.receiver_count(),
            0,
            "the relay dropped its subscription"
        );
    }
}
