//! `POST /maintenance/prune`: delete old events on demand.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState};
use crate::time;

const MIN_AGE_SECS: u64 = 60;
const DEFAULT_AGE_SECS: u64 = 3600;
/// A century: anything older cannot be in the store.
const MAX_AGE_SECS: u64 = 100 * 365 * 24 * 3600;

/// Query of `POST /maintenance/prune`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PruneParams {
    /// Delete events older than this many seconds; at least 60 (default 3600).
    #[param(minimum = 60, maximum = 3153600000_u64)]
    pub max_age_seconds: Option<u64>,
}

/// How many events a prune deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct PruneReport {
    /// Events deleted.
    pub removed: u64,
}

/// Deletes every event whose time is more than `max_age_seconds` ago (cut at a whole second).
#[utoipa::path(
    post, path = "/maintenance/prune", tag = "maintenance", params(PruneParams),
    responses(
        (status = 200, body = PruneReport),
        (status = 422, description = "max_age_seconds under 60", body = ErrorBody),
    )
)]
pub async fn maintenance_prune(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PruneParams>,
) -> Result<Json<PruneReport>, ApiError> {
    let max_age = params.max_age_seconds.unwrap_or(DEFAULT_AGE_SECS);
    if !(MIN_AGE_SECS..=MAX_AGE_SECS).contains(&max_age) {
        return Err(ApiError::Invalid(format!(
            "max_age_seconds must be between {MIN_AGE_SECS} and {MAX_AGE_SECS}"
        )));
    }
    // In range, so the product fits an i64 with room to spare.
    let age_micros = max_age as i64 * 1_000_000;

    let removed = state
        .writer
        .prune_before(time::now_micros().saturating_sub(age_micros))
        .await?;

    tracing::info!(removed, max_age_seconds = max_age, "manual prune");
    Ok(Json(PruneReport { removed }))
}
