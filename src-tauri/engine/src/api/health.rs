//! `GET /health` and `GET /openapi.json`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::gpu::GpuHealth;
use crate::upstream::RelayStatus;

/// The answer of `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the engine answers.
    pub status: &'static str,
    /// Whether GPU readings come in, and why not when they do not.
    pub gpu: GpuHealth,
    /// Where the Kitsu services are configured and how the stream relay stands.
    pub upstreams: UpstreamsHealth,
}

/// The upstream part of `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpstreamsHealth {
    /// The orchestrator's addresses and the relay's state.
    pub orchestrator: OrchestratorHealth,
    /// The control backend's address.
    pub control: ControlHealth,
    /// Whether the upstreams are the built-in simulated stack.
    pub demo: bool,
}

/// The orchestrator as the engine sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrchestratorHealth {
    /// HTTP base URL (`ORCH_BASE_URL`).
    pub base_url: String,
    /// The `/stream` URL the relay connects to.
    pub stream_url: String,
    /// The relay's state, as its `relay.state` messages carry it.
    pub relay: RelayStatus,
    /// Dashboard clients on `/orchestrator/stream` now.
    pub relay_clients: usize,
    /// Upstream lines dropped because they were not JSON, since start.
    pub rejected_frames: u64,
}

/// The control backend as the engine sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ControlHealth {
    /// HTTP base URL (`CONTROL_BASE_URL`).
    pub base_url: String,
}

/// Liveness, plus the GPU's and the upstreams' state; never behind the API key. A missing GPU
/// or an offline upstream does not make the engine unhealthy: each is reported in its part.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let upstreams = &state.upstreams;
    let relay = &upstreams.relay;
    Json(Health {
        status: "ok",
        gpu: state.gpu.health(),
        upstreams: UpstreamsHealth {
            orchestrator: OrchestratorHealth {
                base_url: upstreams.settings.orchestrator_url.clone(),
                stream_url: upstreams.settings.orchestrator_stream_url.clone(),
                relay: relay.status(),
                relay_clients: relay.client_count(),
                rejected_frames: relay.rejected_frames(),
            },
            control: ControlHealth {
                base_url: upstreams.settings.control_url.clone(),
            },
            demo: state.config.demo,
        },
    })
}

/// The OpenAPI 3 description of this API, generated from the route code at start.
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.clone(),
    )
}
