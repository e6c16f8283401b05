//! `GET /orchestrator/stream`: the orchestrator's live stream, relayed to one dashboard client.
//!
//! Each client gets the relay's current `relay.state` and the last `status` snapshot first, then
//! every upstream message as its own text frame. A client that falls behind the relay's backlog
//! gets `{"type":"relay.lagged","missed":n}` and continues from the newest messages; one that
//! stops reading altogether is dropped after [`SEND_TIMEOUT`], so it never holds anything up.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::upstream::relay::{RelaySubscription, RelayText};

/// Longest a client may take to accept one message before it is disconnected.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the relayed stream (pass the API key as `?key=` from a browser).
#[utoipa::path(
    get, path = "/orchestrator/stream", tag = "orchestrator",
    responses(
        (status = 101, description = "WebSocket: relay.state, the last status, then every upstream message unchanged"),
        (status = 400, description = "Not a WebSocket handshake", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
    )
)]
pub async fn orchestrator_stream(
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::BadRequest(format!(
            "this route is a WebSocket: {}",
            rejection.body_text()
        ))
    })?;
    let subscription = state.upstreams.relay.subscribe();
    Ok(upgrade.on_upgrade(move |socket| relay_to_client(socket, subscription)))
}

type ClientSink = SplitSink<WebSocket, Message>;

async fn relay_to_client(socket: WebSocket, mut subscription: RelaySubscription) {
    let (mut sink, mut incoming) = socket.split();
    for text in std::mem::take(&mut subscription.initial) {
        if send(&mut sink, text).await.is_err() {
            return;
        }
    }
    loop {
        let outgoing = tokio::select! {
            // Messages first, so the relay's last words reach the client before it stops.
            biased;
            received = subscription.messages.recv() => match received {
                Ok(text) => text,
                Err(RecvError::Lagged(missed)) => lagged_message(missed),
                Err(RecvError::Closed) => break,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                // Clients have nothing to say on this stream; pings are answered by axum.
                Some(Ok(_)) => continue,
            },
            _ = subscription.stopped.wait_for(|stopped| *stopped) => break,
        };
        if let Err(reason) = send(&mut sink, outgoing).await {
            tracing::debug!(%reason, "dropped a relay client");
            return;
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

async fn send(sink: &mut ClientSink, text: RelayText) -> Result<(), String> {
    match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(text))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("the client stopped reading".to_string()),
    }
}

fn lagged_message(missed: u64) -> RelayText {
    tracing::debug!(missed, "a relay client lagged and skips ahead");
    RelayText::from(format!(r#"{{"type":"relay.lagged","missed":{missed}}}"#))
}
