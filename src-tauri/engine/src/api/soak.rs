//! `GET /soak/results`: the soak harness's latest `soak.result` events, from our own store.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState, MAX_LIST_LIMIT};
use crate::store::{EventFilter, EventOrder, StoredEvent};

/// The event type the soak harness sends.
pub const SOAK_EVENT_TYPE: &str = "soak.result";
const DEFAULT_LIMIT: u32 = 20;

/// Query of `GET /soak/results`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SoakParams {
    /// 1 to 500 (default 20).
    pub limit: Option<u32>,
}

/// The newest `soak.result` events first, each in the `GET /events` item shape.
#[utoipa::path(
    get, path = "/soak/results", tag = "soak", params(SoakParams),
    responses(
        (status = 200, body = [StoredEvent]),
        (status = 422, description = "Invalid limit", body = ErrorBody),
    )
)]
pub async fn soak_results(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SoakParams>,
) -> Result<Json<Vec<StoredEvent>>, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::Invalid(format!(
            "limit must be between 1 and {MAX_LIST_LIMIT}"
        )));
    }
    let filter = EventFilter {
        event_type: Some(SOAK_EVENT_TYPE.to_string()),
        ..EventFilter::default()
    };

    let events = state
        .reader
        .list(filter, EventOrder::NewestFirst, limit as usize)
        .await?;

    Ok(Json(events))
}
