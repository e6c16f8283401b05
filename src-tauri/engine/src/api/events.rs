//! Event routes: `POST /events`, `GET /events` and `GET /events/export`.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::{ApiQuery, AppState};
use crate::ingest::{self, BodyShape, EventIn};
use crate::store::{EventFilter, EventOrder, StoredEvent};
use crate::time::{self, Micros};

/// Most events one `GET /events` returns.
pub const MAX_LIST_LIMIT: u32 = 500;
const DEFAULT_LIST_LIMIT: u32 = 100;
/// Bodies larger than this are parsed on a blocking thread.
const INLINE_PARSE_BYTES: usize = 64 * 1024;

/// The answer to one event object.
#[derive(Serialize, ToSchema)]
pub struct CreatedOne {
    /// Id of the stored event.
    pub id: i64,
}

/// The answer to an array of events.
#[derive(Serialize, ToSchema)]
pub struct CreatedMany {
    /// Ids of the stored events, in the order sent.
    pub ids: Vec<i64>,
}

/// Stores one event or a batch. A 200 means every event is committed to disk; a batch with an
/// invalid item stores nothing.
#[utoipa::path(
    post, path = "/events", tag = "events",
    request_body(content = EventIn, description = "One event object, or a non-empty array of them"),
    responses(
        (status = 200, description = "Stored: {\"id\"} for an object, {\"ids\"} for an array", body = CreatedOne),
        (status = 400, description = "Not JSON, or an empty array", body = ErrorBody),
        (status = 413, description = "Body over TELEMETRY_MAX_BODY_BYTES", body = ErrorBody),
        (status = 422, description = "An invalid event; the detail names its index", body = ErrorBody),
    )
)]
pub async fn events_create(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let received = time::now_micros();
    let (shape, events) = if body.len() > INLINE_PARSE_BYTES {
        tokio::task::spawn_blocking(move || ingest::parse_body(&body, received)).await??
    } else {
        ingest::parse_body(&body, received)?
    };

    let mut ids = state.writer.append(events).await?;

    Ok(match shape {
        BodyShape::Single => Json(CreatedOne { id: ids.remove(0) }).into_response(),
        BodyShape::Batch => Json(CreatedMany { ids }).into_response(),
    })
}

/// Query of `GET /events`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEventsParams {
    /// Exact event type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub kind: Option<String>,
    /// Alias of `type`.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub event_type: Option<String>,
    /// Exact source.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub source: Option<String>,
    /// Events at or after this time (ISO-8601 or epoch seconds).
    #[param(format = DateTime)]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub since: Option<String>,
    /// Events at or before this time (ISO-8601 or epoch seconds).
    #[param(format = DateTime)]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub until: Option<String>,
    /// Only ids below this one: the next page when walking newest-first.
    pub before_id: Option<i64>,
    /// Only ids above this one, oldest first: walking forward.
    pub after_id: Option<i64>,
    /// Page size, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Lists events, newest first by id; with only `after_id`, oldest first from that id.
#[utoipa::path(
    get, path = "/events", tag = "events", params(ListEventsParams),
    responses(
        (status = 200, body = [StoredEvent]),
        (status = 422, description = "Invalid parameter", body = ErrorBody),
    )
)]
pub async fn events_list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListEventsParams>,
) -> Result<Json<Vec<StoredEvent>>, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIST_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::Invalid(format!(
            "limit must be between 1 and {MAX_LIST_LIMIT}"
        )));
    }
    let order = match (params.before_id, params.after_id) {
        (None, Some(_)) => EventOrder::OldestFirst,
        _ => EventOrder::NewestFirst,
    };
    let filter = EventFilter {
        event_type: params.kind.or(params.event_type),
        source: params.source,
        since: parse_bound("since", params.since)?,
        until: parse_bound("until", params.until)?,
        before_id: params.before_id,
        after_id: params.after_id,
    };

    let events = state.reader.list(filter, order, limit as usize).await?;

    Ok(Json(events))
}

/// Query of `GET /events/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Exact event type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub kind: Option<String>,
    /// Alias of `type`.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub event_type: Option<String>,
    /// Exact source.
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub source: Option<String>,
    /// Events at or after this time (ISO-8601 or epoch seconds).
    #[param(format = DateTime)]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub since: Option<String>,
    /// Events at or before this time (ISO-8601 or epoch seconds).
    #[param(format = DateTime)]
    #[serde(default, deserialize_with = "super::empty_as_none")]
    pub until: Option<String>,
}

/// Streams the matching events as CSV (`ts,type,json_payload`), oldest first.
#[utoipa::path(
    get, path = "/events/export", tag = "events", params(ExportParams),
    responses(
        (status = 200, description = "CSV attachment telemetry_events.csv", content_type = "text/csv", body = String),
        (status = 422, description = "Invalid parameter", body = ErrorBody),
    )
)]
pub async fn events_export(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let filter = EventFilter {
        event_type: params.kind.or(params.event_type),
        source: params.source,
        since: parse_bound("since", params.since)?,
        until: parse_bound("until", params.until)?,
        ..EventFilter::default()
    };

    let stream = state.reader.export_csv(filter);

    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=telemetry_events.csv",
        ),
    ];
    Ok((headers, Body::from_stream(stream)).into_response())
}

fn parse_bound(name: &str, value: Option<String>) -> Result<Option<Micros>, ApiError> {
    value
        .map(|text| time::parse_time(&text).map_err(|e| ApiError::Invalid(format!("{name}: {e}"))))
        .transpose()
}
