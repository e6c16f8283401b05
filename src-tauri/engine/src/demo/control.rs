//! The simulated control backend: LLM status, and the commands it passes to the orchestrator.
//!
//! Like the real one it calls the orchestrator over HTTP for `/control/*` and for the status it
//! bundles, and reads our own telemetry API for its `metrics` block, so the demo exercises the
//! same loopback hops as a real stack.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::forward::EngineLink;
use super::orchestrator::refuse;
use crate::upstream::{ProxyError, UpstreamClient};

/// The simulated control backend's links and its one piece of state.
pub struct SimControl {
    /// The simulated orchestrator, reached over loopback HTTP.
    pub orchestrator: UpstreamClient,
    /// Our own telemetry API, for the `metrics` block of `/status`.
    pub engine: Arc<EngineLink>,
    /// Whether the simulated Ollama runs.
    pub llm_running: AtomicBool,
}

/// The control backend's routes over `sim`.
pub fn router(sim: Arc<SimControl>) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/llm/status", get(llm_status))
        .route("/llm/start", post(llm_start))
        .route("/control/panic", post(panic))
        .route("/control/mute", post(mute))
        .route("/control/preset", post(preset))
        .with_state(sim)
}

type Sim = State<Arc<SimControl>>;

fn llm(sim: &SimControl) -> Value {
    let running = sim.llm_running.load(Ordering::Relaxed);
    json!({
        "backend": "ollama",
        "status": if running { "running" } else { "stopped" },
        "autostart": true,
        "is_local": true,
        "model": "kitsu-8b-q4",
        "url": "http://127.0.0.1:11434",
    })
}

async fn status(State(sim): Sim) -> Json<Value> {
    let orchestrator = match sim.orchestrator.get("/status").await {
        Ok(reply) => serde_json::from_slice(&reply.body).unwrap_or(Value::Null),
        Err(error) => json!({"status": "offline", "error": error.to_string()}),
    };
    let metrics = match sim
        .engine
        .get_json("/metrics/latest?window_seconds=300")
        .await
    {
        Ok(metrics) => metrics,
        Err(error) => json!({"status": "error", "error": error}),
    };
    Json(json!({"status": orchestrator, "metrics": metrics, "ollama": llm(&sim)}))
}

async fn llm_status(State(sim): Sim) -> Json<Value> {
    Json(llm(&sim))
}

async fn llm_start(State(sim): Sim) -> Json<Value> {
    let was_running = sim.llm_running.swap(true, Ordering::Relaxed);
    Json(json!({"status": "running", "started": !was_running}))
}

async fn panic(State(sim): Sim, body: Bytes) -> Response {
    pass_to_orchestrator(&sim, "/control/panic", body, StatusCode::ACCEPTED).await
}

async fn mute(State(sim): Sim, body: Bytes) -> Response {
    pass_to_orchestrator(&sim, "/control/mute", body, StatusCode::OK).await
}

async fn preset(State(sim): Sim, body: Bytes) -> Response {
    pass_to_orchestrator(&sim, "/control/preset", body, StatusCode::OK).await
}

/// Forwards a command; the orchestrator's errors come back with its status and detail.
async fn pass_to_orchestrator(
    sim: &SimControl,
    path: &str,
    body: Bytes,
    ok: StatusCode,
) -> Response {
    match sim.orchestrator.post(path, body).await {
        Ok(reply) => {
            let answer: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
            (ok, Json(answer)).into_response()
        }
        Err(ProxyError::Status { status, detail, .. }) => refuse(status, detail),
        Err(error) => refuse(StatusCode::BAD_GATEWAY, error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_llm_status_names_an_ollama_backend() {
        let sim = SimControl {
            orchestrator: UpstreamClient::new("o", "http://127.0.0.1:9", None, Default::default())
                .unwrap(),
            engine: Arc::new(EngineLink::new("http://127.0.0.1:9", None)),
            llm_running: AtomicBool::new(false),
        };

        let status = llm(&sim);

        assert_eq!(
            status["backend"], "ollama",
            "llm/start only works with ollama"
        );
        assert_eq!(status["status"], "stopped");
    }
}
