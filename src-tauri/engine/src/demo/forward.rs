//! Sending the simulated stack's events into our own store, over HTTP, as the real one does.
//!
//! The real orchestrator POSTs every event of its stream to the telemetry API with source
//! `orchestrator`, and the soak harness POSTs `soak.result`. The demo does the same through the
//! engine's public `/events` route, batching a second's worth of events per request.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use super::orchestrator::SimOrchestrator;
use super::state::now_secs;
use crate::upstream::ProxyTimeouts;

/// How long events are gathered before one POST.
const BATCH_EVERY: Duration = Duration::from_secs(1);

/// The simulated services' way into the engine's own API.
pub struct EngineLink {
    client: reqwest::Client,
    base_url: String,
    api_key: Option<String>,
}

impl EngineLink {
    /// A link to the engine at `engine_url`, sending `X-API-KEY` when the engine has one.
    pub fn new(engine_url: &str, api_key: Option<String>) -> Self {
        let timeouts = ProxyTimeouts::default();
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .build()
            .unwrap_or_default();
        EngineLink {
            client,
            base_url: engine_url.to_string(),
            api_key,
        }
    }

    /// Stores a batch through `POST /events`; the error says why it was not stored.
    pub async fn post_events(&self, events: Vec<Value>) -> Result<(), String> {
        let request = self
            .client
            .post(format!("{}/events", self.base_url))
            .json(&events);
        self.send(request).await.map(drop)
    }

    /// `GET <path>` on the engine, as JSON.
    pub async fn get_json(&self, path: &str) -> Result<Value, String> {
        let request = self.client.get(format!("{}{path}", self.base_url));
        let response = self.send(request).await?;
        response.json().await.map_err(|e| e.to_string())
    }

    async fn send(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, String> {
        if let Some(key) = &self.api_key {
            request = request.header(crate::api::API_KEY_HEADER, key);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(format!("the engine answered {}", response.status()))
        }
    }
}

/// A stream message as the telemetry event the orchestrator stores: its `payload` when it has
/// an object one, otherwise every field but `type`; its `ts` when numeric, otherwise now.
///
/// ```
/// use serde_json::json;
/// use kitsu_telemetry_engine::demo::forward::to_telemetry_event;
///
/// let event = to_telemetry_event(&json!({"type": "control.mute", "muted": true, "ts": 5.0})).unwrap();
/// assert_eq!(event["payload"], json!({"muted": true, "ts": 5.0}));
/// assert_eq!(event["source"], "orchestrator");
/// ```
pub fn to_telemetry_event(message: &Value) -> Option<Value> {
    let object = message.as_object()?;
    let kind = object.get("type")?.as_str()?;
    let payload = match object.get("payload") {
        Some(payload @ Value::Object(_)) => payload.clone(),
        _ => Value::Object(
            object
                .iter()
                .filter(|(key, _)| key.as_str() != "type")
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        ),
    };
    let ts = object
        .get("ts")
        .and_then(Value::as_f64)
        .unwrap_or_else(now_secs);
    Some(json!({"type": kind, "ts": ts, "source": "orchestrator", "payload": payload}))
}

/// Forwards every event of the simulated stream into the store until stopped.
pub async fn forward_stream(
    sim: Arc<SimOrchestrator>,
    engine: Arc<EngineLink>,
    mut stop: watch::Receiver<bool>,
) {
    let mut frames = sim.subscribe();
    let mut ticks = tokio::time::interval(BATCH_EVERY);
    let mut batch = Vec::new();
    let mut failing = false;
    loop {
        let flush = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            frame = frames.recv() => match frame {
                Ok(frame) => {
                    batch.extend(frame.iter().filter_map(to_telemetry_event));
                    false
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "demo forwarder skipped events");
                    false
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = ticks.tick(), if !batch.is_empty() => true,
        };
        if flush {
            let result = engine.post_events(std::mem::take(&mut batch)).await;
            failing = log_outcome(result, failing);
        }
    }
}

/// Warns once when forwarding starts failing, and once when it recovers.
fn log_outcome(result: Result<(), String>, was_failing: bool) -> bool {
    match result {
        Err(error) if !was_failing => {
            tracing::warn!(%error, "demo cannot store its events");
            true
        }
        Err(_) => true,
        Ok(()) if was_failing => {
            tracing::info!("demo stores its events again");
            false
        }
        Ok(()) => false,
    }
}

/// Sends a soak harness result now and then: the first soon after start, then every minute.
pub async fn send_soak_results(engine: Arc<EngineLink>, mut stop: watch::Receiver<bool>) {
    let start = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut ticks = tokio::time::interval_at(start, Duration::from_secs(60));
    let mut run = 0u32;
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            _ = ticks.tick() => {}
        }
        run += 1;
        if let Err(error) = engine.post_events(vec![soak_result(run)]).await {
            tracing::debug!(%error, "demo soak result not stored");
        }
    }
}

fn soak_result(run: u32) -> Value {
    let turns = 200 + fastrand::u32(..100);
    let p50 = super::scenario::log_normal_ms(930.0, 0.05);
    let p95 = p50 + super::scenario::log_normal_ms(450.0, 0.2);
    let failures = u32::from(fastrand::u8(..10) == 0);
    json!({
        "type": "soak.result",
        "ts": now_secs(),
        "source": "soak_harness",
        "payload": {
            "run": run, "turns": turns, "duration_s": 600, "failures": failures,
            "end_to_end_p50_ms": p50, "end_to_end_p95_ms": p95,
            "passed": failures == 0 && p50 <= 1200.0 && p95 <= 1800.0,
        },
    })
}
