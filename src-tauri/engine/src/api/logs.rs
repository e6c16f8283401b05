//! `GET /logs`: the Kitsu services' own log records, for the diagnostics view.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState};
use crate::logs::{self, LogQuery, LogRecord};
use crate::time;

const MAX_LIMIT: usize = 1000;
const DEFAULT_LIMIT: usize = 200;

/// Query of `GET /logs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsParams {
    /// Only this service (the log file name before `.log`).
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub service: Option<String>,
    /// Only this level, case-insensitive.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub level: Option<String>,
    /// Only records at or after this time (ISO-8601 or epoch seconds).
    #[param(format = DateTime)]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub since: Option<String>,
    /// Only lines containing this text, case-insensitive.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub contains: Option<String>,
    /// `desc` (newest first, the default) or `asc`.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    #[param(pattern = "^(asc|desc)$")]
    pub order: Option<String>,
    /// 1 to 1000 (default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// Reads `<KITSU_LOG_ROOT>/<service>.log*` JSON-lines files.
#[utoipa::path(
    get, path = "/logs", tag = "logs", params(LogsParams),
    responses(
        (status = 200, body = [LogRecord]),
        (status = 404, description = "No log folder", body = ErrorBody),
        (status = 422, description = "Invalid parameter", body = ErrorBody),
    )
)]
pub async fn logs_list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<LogsParams>,
) -> Result<Json<Vec<LogRecord>>, ApiError> {
    let query = log_query(params)?;
    let root = state.config.log_root.clone();

    let records = tokio::task::spawn_blocking(move || logs::read_logs(&root, &query)).await??;

    Ok(Json(records))
}

fn log_query(params: LogsParams) -> Result<LogQuery, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::Invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let ascending = match params.order.as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            return Err(ApiError::Invalid(format!(
                "order must be asc or desc, not {other:?}"
            )))
        }
    };
    let since = params
        .since
        .map(|s| time::parse_time(&s).map_err(|e| ApiError::Invalid(format!("since: {e}"))))
        .transpose()?;
    Ok(LogQuery {
        service: params.service,
        level: params.level,
        since,
        contains: params.contains,
        ascending,
        limit,
    })
}
