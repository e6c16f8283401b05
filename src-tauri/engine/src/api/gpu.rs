//! `GET /gpu/status`: what the GPU sampler last saw, or why it sees nothing.

use axum::extract::State;
use axum::Json;

use super::AppState;
use crate::gpu::GpuStatus;

/// Availability (with the reason when unavailable), the source, the latest `hardware.gpu`
/// payload of each device, and the processes holding GPU memory.
#[utoipa::path(get, path = "/gpu/status", tag = "gpu", responses((status = 200, body = GpuStatus)))]
pub async fn gpu_status(State(state): State<AppState>) -> Json<GpuStatus> {
    Json(state.gpu.status())
}
