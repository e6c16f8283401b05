//! `GET /health` and `GET /openapi.json`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::gpu::GpuHealth;

/// The answer of `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the engine answers.
    pub status: &'static str,
    /// Whether GPU readings come in, and why not when they do not.
    pub gpu: GpuHealth,
}

/// Liveness; never behind the API key. A missing GPU does not make the engine unhealthy: it
/// is reported under `gpu`.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        gpu: state.gpu.health(),
    })
}

/// The OpenAPI 3 description of this API, generated from the route code at start.
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.clone(),
    )
}
