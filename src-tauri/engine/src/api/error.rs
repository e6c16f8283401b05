//! The one error type every route returns, and how each failure becomes a status and a body.
//!
//! Bodies are `{"detail": "...", "code": "..."}`: `detail` is the contract with the Kitsu modules
//! (FastAPI's shape) and `code` is stable for programs to branch on. Internal failures are logged
//! in full and answered with a generic detail.

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ingest::IngestError;
use crate::logs::LogsError;
use crate::store::StoreError;
use crate::upstream::ProxyError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, empty batch).
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed but a value is invalid.
    #[error("{0}")]
    Invalid(String),
    /// The API key is missing or wrong.
    #[error("Invalid API key")]
    Unauthorized,
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The body is over the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The engine is shutting down.
    #[error("{0}")]
    Unavailable(String),
    /// An upstream Kitsu service is unreachable; the detail names it and its address.
    #[error("{0}")]
    BadGateway(String),
    /// An upstream Kitsu service did not answer in time.
    #[error("{0}")]
    GatewayTimeout(String),
    /// An upstream Kitsu service answered with an error: its status and detail are kept.
    #[error("{detail}")]
    Upstream {
        /// The upstream's status.
        status: StatusCode,
        /// The upstream's detail.
        detail: String,
    },
    /// Something failed inside the engine; the detail is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: &'static str,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::BadGateway(_) => (StatusCode::BAD_GATEWAY, "upstream_unreachable"),
            ApiError::GatewayTimeout(_) => (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"),
            ApiError::Upstream { status, .. } => (*status, "upstream_error"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed inside the engine");
        }
        (
            status,
            Json(ErrorBody {
                detail: self.to_string(),
                code,
            }),
        )
            .into_response()
    }
}

impl From<IngestError> for ApiError {
    fn from(error: IngestError) -> Self {
        match error {
            IngestError::MalformedJson(_) | IngestError::EmptyBatch => {
                ApiError::BadRequest(error.to_string())
            }
            IngestError::WrongShape | IngestError::InvalidEvent { .. } => {
                ApiError::Invalid(error.to_string())
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::WriterGone => ApiError::Unavailable(error.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<LogsError> for ApiError {
    fn from(error: LogsError) -> Self {
        match error {
            LogsError::NoLogFolder(_) => ApiError::NotFound(error.to_string()),
            LogsError::Io(_) => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<ProxyError> for ApiError {
    fn from(error: ProxyError) -> Self {
        match error {
            ProxyError::Unreachable { .. } => ApiError::BadGateway(error.to_string()),
            ProxyError::Timeout { .. } => ApiError::GatewayTimeout(error.to_string()),
            ProxyError::Status { status, detail, .. } => ApiError::Upstream { status, detail },
            ProxyError::Client { .. } => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Invalid(format!(
            "invalid query parameters: {}",
            rejection.body_text()
        ))
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(
                "request body is over the size limit (TELEMETRY_MAX_BODY_BYTES)".into(),
            )
        } else {
            ApiError::BadRequest(format!(
                "cannot read request body: {}",
                rejection.body_text()
            ))
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> Self {
        ApiError::Internal(format!("blocking task failed: {error}"))
    }
}
