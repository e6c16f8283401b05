//! `GET /metrics/series`: bucketed time series of one numeric field, for charts.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState};
use crate::metrics::{SeriesAnswer, SeriesQuery};
use crate::time;

const DEFAULT_WINDOW_SECS: u64 = 300;
const DEFAULT_BUCKET_SECS: u64 = 10;
const MAX_NAME_BYTES: usize = 256;

/// Query of `GET /metrics/series`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// Event type, exact (required).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Numeric payload field, such as `latency_ms` (required).
    pub field: Option<String>,
    /// Window length in seconds, 60 to 7200 (default 300).
    pub window_seconds: Option<u64>,
    /// Bucket width in seconds, at least 1 and at most 1000 buckets per series (default 10).
    pub bucket_seconds: Option<u64>,
    /// `source`, or a string payload field such as `stage`: one series per value.
    pub split_by: Option<String>,
}

/// Count, avg, min, max, p50, p95 and p99 of `field` per bucket, oldest first; empty buckets are
/// omitted. Answers from memory, without reading the database.
#[utoipa::path(
    get, path = "/metrics/series", tag = "metrics", params(SeriesParams),
    responses(
        (status = 200, body = SeriesAnswer),
        (status = 422, description = "Missing or invalid parameter", body = ErrorBody),
    )
)]
pub async fn metrics_series(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SeriesParams>,
) -> Result<Json<SeriesAnswer>, ApiError> {
    let query = series_query(params)?;

    let rollup = state.rollup.clone();
    let asked = query.clone();
    let series = tokio::task::spawn_blocking(move || {
        let mut rollup = rollup
            .lock()
            .map_err(|_| ApiError::Internal("metrics rollup poisoned".into()))?;
        Ok::<_, ApiError>(rollup.series(&asked, time::now_micros()))
    })
    .await??;

    Ok(Json(SeriesAnswer {
        event_type: query.event_type,
        field: query.field,
        window_seconds: query.window_secs,
        bucket_seconds: query.bucket_secs,
        series,
    }))
}

fn series_query(params: SeriesParams) -> Result<SeriesQuery, ApiError> {
    let query = SeriesQuery {
        event_type: required("type", params.kind)?,
        field: required("field", params.field)?,
        window_secs: params.window_seconds.unwrap_or(DEFAULT_WINDOW_SECS),
        bucket_secs: params.bucket_seconds.unwrap_or(DEFAULT_BUCKET_SECS),
        split_by: match params.split_by {
            None => None,
            Some(label) => Some(required("split_by", Some(label))?),
        },
    };
    query.validate().map_err(ApiError::Invalid)?;
    Ok(query)
}

/// A non-empty, trimmed name of reasonable length.
fn required(name: &str, value: Option<String>) -> Result<String, ApiError> {
    let value = value.map(|v| v.trim().to_string()).unwrap_or_default();
    if value.is_empty() {
        return Err(ApiError::Invalid(format!("{name} is required")));
    }
    if value.len() > MAX_NAME_BYTES {
        return Err(ApiError::Invalid(format!(
            "{name} is longer than {MAX_NAME_BYTES} bytes"
        )));
    }
    Ok(value)
}
