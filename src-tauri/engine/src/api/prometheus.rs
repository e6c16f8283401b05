//! `GET /metrics`: the Prometheus text exposition, for scraping into Prometheus and Grafana.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::error::ApiError;
use super::AppState;
use crate::metrics::process;
use crate::metrics::prometheus::{self, Snapshot, CONTENT_TYPE, QUANTILE_WINDOW_SECS};
use crate::time;

/// GPU gauges, events per type, latency summaries and the engine's own health.
#[utoipa::path(
    get, path = "/metrics", tag = "metrics",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String))
)]
pub async fn metrics_prometheus(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    // Locking the rollup and reading /proc are blocking; keep them off the async workers.
    let text = tokio::task::spawn_blocking(move || gather(&state).map(|s| prometheus::render(&s)))
        .await??;

    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text))
}

fn gather(state: &AppState) -> Result<Snapshot, ApiError> {
    let (totals, recent) = {
        let mut rollup = state
            .rollup
            .lock()
            .map_err(|_| ApiError::Internal("metrics rollup poisoned".into()))?;
        let recent = rollup.summarize(QUANTILE_WINDOW_SECS, time::now_micros());
        (rollup.totals().clone(), recent)
    };
    Ok(Snapshot {
        totals,
        recent,
        writer: state.writer_stats.snapshot(),
        queue_depth: state.writer.queue_depth(),
        gpu: state.gpu.status(),
        gpu_calls: state.gpu.calls().snapshot(),
        gpu_device_failures: state.gpu.device_failures(),
        process: process::read_self(),
    })
}
