//! The simulated orchestrator's HTTP and WebSocket server.
//!
//! It answers the real orchestrator's routes (`/status`, `/health`, the commands) and streams
//! `/stream` the way the real one does: the status first, then every event, sometimes several
//! JSON objects in one frame. Commands change [`OrchestratorState`] and emit their events on the
//! hub, which feeds both the stream and the forwarder into our store.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use super::commands::CommandError;
use super::state::OrchestratorState;

/// Events the hub keeps for a slow reader before it skips ahead.
const HUB_BACKLOG: usize = 256;

/// One stream frame: one event, or several sent together.
pub type Frame = Arc<Vec<Value>>;

/// The simulated orchestrator: its state, its event hub, and the key it expects.
pub struct SimOrchestrator {
    state: Mutex<OrchestratorState>,
    hub: broadcast::Sender<Frame>,
    started: Instant,
    bearer: Option<String>,
}

impl SimOrchestrator {
    /// A fresh orchestrator that requires `Authorization: Bearer <bearer>` when given.
    pub fn new(bearer: Option<String>) -> Arc<Self> {
        Arc::new(SimOrchestrator {
            state: Mutex::new(OrchestratorState::new()),
            hub: broadcast::channel(HUB_BACKLOG).0,
            started: Instant::now(),
            bearer,
        })
    }

    /// Runs `change` on the state under its lock (never held across an await).
    pub fn with_state<T>(&self, change: impl FnOnce(&mut OrchestratorState) -> T) -> T {
        change(
            &mut self
                .state
                .lock()
                .expect("the demo state lock is never poisoned"),
        )
    }

    /// The `{"type":"status","payload":...}` message.
    pub fn status_event(&self) -> Value {
        json!({"type": "status", "payload": self.with_state(|s| s.status())})
    }

    /// Sends events to the stream and the forwarder, as one frame.
    pub fn emit(&self, events: Vec<Value>) {
        if !events.is_empty() {
            let _ = self.hub.send(Arc::new(events));
        }
    }

    /// Receives every frame emitted from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Frame> {
        self.hub.subscribe()
    }
}

/// The orchestrator's routes over `sim`; `/stream` ends when `stop` turns true.
pub fn router(sim: Arc<SimOrchestrator>, stop: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/health", get(health))
        .route("/control/mute", post(mute))
        .route("/control/panic", post(panic))
        .route("/control/preset", post(preset))
        .route("/toggle/{module}", post(toggle))
        .route("/persona", post(persona))
        .route("/tts", post(tts))
        .route("/obs/scene", post(obs_scene))
        .route("/vts/expr", post(vts_expr))
        .route("/stream", get(stream))
        .layer(axum::Extension(stop))
        .layer(middleware::from_fn_with_state(sim.clone(), require_bearer))
        .with_state(sim)
}

type Sim = State<Arc<SimOrchestrator>>;

/// A refused request, answered in FastAPI's shape `{"detail": ...}`.
pub(super) struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"detail": self.1}))).into_response()
    }
}

/// A refusal answer with this status and detail.
pub(super) fn refuse(status: StatusCode, detail: impl Into<String>) -> Response {
    Refusal(status, detail.into()).into_response()
}

fn invalid(detail: String) -> Refusal {
    Refusal(StatusCode::UNPROCESSABLE_ENTITY, detail)
}

async fn require_bearer(State(sim): Sim, request: Request, next: Next) -> Response {
    let Some(bearer) = &sim.bearer else {
        return next.run(request).await;
    };
    let given = request.headers().get(header::AUTHORIZATION);
    if given.and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {bearer}")) {
        next.run(request).await
    } else {
        refuse(StatusCode::UNAUTHORIZED, "Invalid or missing bearer token")
    }
}

async fn status(State(sim): Sim) -> Json<Value> {
    Json(sim.with_state(|s| s.status()))
}

async fn health(State(sim): Sim) -> Json<Value> {
    let uptime = sim.started.elapsed().as_secs_f64();
    Json(sim.with_state(|s| s.health(uptime)))
}

/// Parses a JSON object body; an empty body is `{}`, like an omitted optional body.
fn object_body(body: &Bytes) -> Result<Value, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(invalid("body must be a JSON object".into())),
        Err(error) => Err(invalid(format!("invalid JSON: {error}"))),
    }
}

fn required<'a, T>(
    body: &'a Value,
    field: &str,
    read: impl FnOnce(&'a Value) -> Option<T>,
) -> Result<T, Refusal> {
    read(&body[field]).ok_or_else(|| invalid(format!("field required: {field}")))
}

/// Applies a command and emits its events; the answer is the command's own.
fn apply(
    sim: &SimOrchestrator,
    command: impl FnOnce(&mut OrchestratorState) -> (Value, Vec<Value>),
) -> Response {
    let (answer, events) = sim.with_state(command);
    sim.emit(events);
    Json(answer).into_response()
}

fn apply_checked(
    sim: &SimOrchestrator,
    command: impl FnOnce(&mut OrchestratorState) -> Result<(Value, Vec<Value>), CommandError>,
) -> Response {
    match sim.with_state(command) {
        Ok((answer, events)) => {
            sim.emit(events);
            Json(answer).into_response()
        }
        Err(error) => refuse(StatusCode::NOT_FOUND, error.to_string()),
    }
}

async fn mute(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let muted = required(&body, "muted", Value::as_bool)?;
    Ok(apply(&sim, |s| s.mute(muted)))
}

async fn panic(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let reason = body["reason"].as_str().map(str::to_string);
    Ok(apply(&sim, |s| s.panic(reason)))
}

async fn preset(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let name = required(&body, "preset", Value::as_str)?;
    Ok(apply_checked(&sim, |s| s.preset(name)))
}

async fn toggle(
    State(sim): Sim,
    Path(module): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let enabled = required(&body, "enabled", Value::as_bool)?;
    Ok(apply_checked(&sim, |s| s.toggle(&module, enabled)))
}

async fn persona(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    Ok(apply(&sim, |s| s.persona(&body)))
}

async fn tts(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let text = required(&body, "text", Value::as_str)?;
    Ok(apply(&sim, |s| s.tts(text, body["voice"].as_str())))
}

async fn obs_scene(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let scene = required(&body, "scene", Value::as_str)?;
    Ok(apply(&sim, |s| s.obs_scene(scene)))
}

async fn vts_expr(State(sim): Sim, body: Bytes) -> Result<Response, Refusal> {
    let body = object_body(&body)?;
    let expression = required(&body, "expression", Value::as_str)?;
    Ok(apply(&sim, |s| {
        s.vts_expression(expression, body["intensity"].as_f64())
    }))
}

async fn stream(
    State(sim): Sim,
    axum::Extension(stop): axum::Extension<watch::Receiver<bool>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| send_stream(socket, sim, stop))
}

/// The status first, then every frame, its events joined by newlines as the real one does.
async fn send_stream(
    mut socket: WebSocket,
    sim: Arc<SimOrchestrator>,
    mut stop: watch::Receiver<bool>,
) {
    let mut frames = sim.subscribe();
    if socket
        .send(Message::Text(sim.status_event().to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        let frame = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => break,
            frame = frames.recv() => match frame {
                Ok(frame) => frame,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
        };
        let text: Vec<String> = frame.iter().map(Value::to_string).collect();
        if socket
            .send(Message::Text(text.join("\n").into()))
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}
