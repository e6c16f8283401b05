//! `/control/...`: the control backend's status and commands, proxied.
//!
//! `GET /control/status`, `GET /control/llm/status`, and `POST` to `/control/llm/start`,
//! `/control/panic`, `/control/mute` and `/control/preset`. The control backend passes the last
//! three on to the orchestrator. Bodies and answers travel unchanged.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::Response;

use super::error::{ApiError, ErrorBody};
use super::orchestrator::pass_on;
use super::AppState;

/// `{status: <orchestrator status>, metrics, ollama}` from the control backend.
#[utoipa::path(
    get, path = "/control/status", tag = "control",
    responses(
        (status = 200, description = "The control backend's status, unchanged", body = Object),
        (status = 502, description = "Control backend unreachable", body = ErrorBody),
        (status = 504, description = "Control backend too slow", body = ErrorBody),
    )
)]
pub async fn control_status(State(state): State<AppState>) -> Result<Response, ApiError> {
    pass_on(state.upstreams.control.get("/status").await)
}

/// The LLM backend's state: `{backend, status, autostart, is_local, ...}`.
#[utoipa::path(
    get, path = "/control/llm/status", tag = "control",
    responses(
        (status = 200, description = "The LLM status, unchanged", body = Object),
        (status = 502, description = "Control backend unreachable", body = ErrorBody),
    )
)]
pub async fn control_llm_status(State(state): State<AppState>) -> Result<Response, ApiError> {
    pass_on(state.upstreams.control.get("/llm/status").await)
}

/// Starts the local LLM (400 from upstream when the backend is not Ollama).
#[utoipa::path(
    post, path = "/control/llm/start", tag = "control",
    request_body(content = Object, description = "Passed on unchanged (usually empty)"),
    responses(
        (status = 200, description = "The control backend's answer", body = Object),
        (status = 400, description = "The LLM backend cannot be started from here", body = ErrorBody),
        (status = 502, description = "Control backend unreachable", body = ErrorBody),
    )
)]
pub async fn control_llm_start(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.control.post("/llm/start", body?).await)
}

/// Panic: stops speech at once; body `{reason?}`. There is no undo route.
#[utoipa::path(
    post, path = "/control/panic", tag = "control",
    request_body(content = Object, description = "{\"reason\"?: string}, passed on unchanged"),
    responses(
        (status = 202, description = "Accepted", body = Object),
        (status = 502, description = "Control backend unreachable", body = ErrorBody),
    )
)]
pub async fn control_panic(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.control.post("/control/panic", body?).await)
}

/// Mutes or unmutes speech: body `{"muted": bool}`.
#[utoipa::path(
    post, path = "/control/mute", tag = "control",
    request_body(content = Object, description = "{\"muted\": bool}, passed on unchanged"),
    responses(
        (status = 200, description = "The control backend's answer", body = Object),
        (status = 502, description = "Control backend unreachable", body = ErrorBody),
    )
)]
pub async fn control_mute(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.control.post("/control/mute", body?).await)
}

/// Applies a persona preset: body `{"preset": name}`; an unknown one is 404 naming the known.
#[utoipa::path(
    post, path = "/control/preset", tag = "control",
    request_body(content = Object, description = "{\"preset\": string}, passed on unchanged"),
    responses(
        (status = 200, description = "The control backend's answer", body = Object),
        (status = 404, description = "Unknown preset; the detail lists the known ones", body = ErrorBody),
        (status = 502, description = "Control backend unreachable", body = ErrorBody),
    )
)]
pub async fn control_preset(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.control.post("/control/preset", body?).await)
}
