//! `GET /metrics/latest`: aggregates per event type over a sliding window.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState};
use crate::metrics::{LatestMetrics, MAX_WINDOW_SECS, MIN_WINDOW_SECS};
use crate::time;

const DEFAULT_WINDOW_SECS: u64 = 300;

/// Query of `GET /metrics/latest`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LatestParams {
    /// Window length in seconds, 60 to 7200 (default 300).
    #[param(minimum = 60, maximum = 7200)]
    pub window_seconds: Option<u64>,
}

/// Count, failures, and sum/avg/min/max/p50/p90/p95/p99 of every metric field, per type.
#[utoipa::path(
    get, path = "/metrics/latest", tag = "metrics", params(LatestParams),
    responses(
        (status = 200, body = LatestMetrics),
        (status = 422, description = "Window out of range", body = ErrorBody),
    )
)]
pub async fn metrics_latest(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<LatestParams>,
) -> Result<Json<LatestMetrics>, ApiError> {
    let window_seconds = params.window_seconds.unwrap_or(DEFAULT_WINDOW_SECS);
    if !(MIN_WINDOW_SECS..=MAX_WINDOW_SECS).contains(&window_seconds) {
        return Err(ApiError::Invalid(format!(
            "window_seconds must be between {MIN_WINDOW_SECS} and {MAX_WINDOW_SECS}"
        )));
    }

    let rollup = state.rollup.clone();
    let metrics = tokio::task::spawn_blocking(move || {
        let mut rollup = rollup
            .lock()
            .map_err(|_| ApiError::Internal("metrics rollup poisoned".into()))?;
        Ok::<_, ApiError>(rollup.summarize(window_seconds, time::now_micros()))
    })
    .await??;

    Ok(Json(LatestMetrics {
        window_seconds,
        metrics,
    }))
}
