//! `/orchestrator/...`: the orchestrator's status and commands, proxied.
//!
//! `GET /orchestrator/status`, `GET /orchestrator/health`, and `POST` to
//! `/orchestrator/toggle/{module}`, `/orchestrator/persona`, `/orchestrator/tts`,
//! `/orchestrator/obs/scene` and `/orchestrator/vts/expr`. Bodies go to the orchestrator
//! unchanged and its answers come back unchanged; see [`crate::upstream::proxy`] for failures.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::upstream::{ProxyError, UpstreamReply};

/// Turns an upstream answer into ours: same status, same body, JSON unless it said otherwise.
pub(super) fn pass_on(reply: Result<UpstreamReply, ProxyError>) -> Result<Response, ApiError> {
    let reply = reply?;
    let content_type = reply
        .content_type
        .unwrap_or_else(|| HeaderValue::from_static("application/json"));
    Ok((
        reply.status,
        [(CONTENT_TYPE, content_type)],
        Body::from(reply.body),
    )
        .into_response())
}

/// The orchestrator's `GET /status` snapshot: persona, presets, modules, scene, control.
#[utoipa::path(
    get, path = "/orchestrator/status", tag = "orchestrator",
    responses(
        (status = 200, description = "The orchestrator's status, unchanged", body = Object),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
        (status = 504, description = "Orchestrator too slow", body = ErrorBody),
    )
)]
pub async fn orchestrator_status(State(state): State<AppState>) -> Result<Response, ApiError> {
    pass_on(state.upstreams.orchestrator.get("/status").await)
}

/// The orchestrator's `GET /health`: `{status, uptime_seconds, modules, tts_muted, ...}`.
#[utoipa::path(
    get, path = "/orchestrator/health", tag = "orchestrator",
    responses(
        (status = 200, description = "The orchestrator's health, unchanged", body = Object),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
    )
)]
pub async fn orchestrator_health(State(state): State<AppState>) -> Result<Response, ApiError> {
    pass_on(state.upstreams.orchestrator.get("/health").await)
}

/// Turns a module on or off: body `{"enabled": bool}`.
#[utoipa::path(
    post, path = "/orchestrator/toggle/{module}", tag = "orchestrator",
    params(("module" = String, Path, description = "e.g. tts_worker")),
    request_body(content = Object, description = "{\"enabled\": bool}, passed on unchanged"),
    responses(
        (status = 200, description = "The orchestrator's answer", body = Object),
        (status = 422, description = "A module name with characters other than letters, digits, _ and -", body = ErrorBody),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
    )
)]
pub async fn orchestrator_toggle(
    State(state): State<AppState>,
    Path(module): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if module.is_empty() || !module.chars().all(valid) {
        return Err(ApiError::Invalid(format!(
            "{module:?} is not a module name"
        )));
    }
    let path = format!("/toggle/{module}");
    pass_on(state.upstreams.orchestrator.post(&path, body?).await)
}

/// Changes the persona: body `{style?, chaos_level?, energy?, family_mode?}`.
#[utoipa::path(
    post, path = "/orchestrator/persona", tag = "orchestrator",
    request_body(content = Object, description = "Passed on unchanged"),
    responses(
        (status = 200, description = "The orchestrator's answer", body = Object),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
    )
)]
pub async fn orchestrator_persona(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.orchestrator.post("/persona", body?).await)
}

/// Speaks a line: body `{text, voice?}`.
#[utoipa::path(
    post, path = "/orchestrator/tts", tag = "orchestrator",
    request_body(content = Object, description = "Passed on unchanged"),
    responses(
        (status = 200, description = "The orchestrator's answer", body = Object),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
    )
)]
pub async fn orchestrator_tts(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.orchestrator.post("/tts", body?).await)
}

/// Switches the OBS scene: body `{scene}`.
#[utoipa::path(
    post, path = "/orchestrator/obs/scene", tag = "orchestrator",
    request_body(content = Object, description = "Passed on unchanged"),
    responses(
        (status = 200, description = "The orchestrator's answer", body = Object),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
    )
)]
pub async fn orchestrator_obs_scene(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.orchestrator.post("/obs/scene", body?).await)
}

/// Sets a VTube Studio expression: body `{expression, intensity?}`.
#[utoipa::path(
    post, path = "/orchestrator/vts/expr", tag = "orchestrator",
    request_body(content = Object, description = "Passed on unchanged"),
    responses(
        (status = 200, description = "The orchestrator's answer", body = Object),
        (status = 502, description = "Orchestrator unreachable", body = ErrorBody),
    )
)]
pub async fn orchestrator_vts_expr(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    pass_on(state.upstreams.orchestrator.post("/vts/expr", body?).await)
}
