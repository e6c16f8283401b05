//! The HTTP API: routes, the key check, CORS, body limits and request tracing.
//!
//! Handlers stay thin: they parse, call the module that owns the work (`ingest`, `store`,
//! `metrics`, `logs`), and shape the answer; every failure goes through [`ApiError`]. The
//! OpenAPI description is generated from the same handler annotations, so it cannot drift.

mod control;
mod dashboard;
mod error;
mod events;
mod gpu;
mod health;
mod logs;
mod maintenance;
mod metrics;
mod orchestrator;
mod orchestrator_stream;
mod prometheus;
mod series;
mod soak;
mod stream;

use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, FromRequestParts, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::Config;
use crate::gpu::GpuMonitor;
use crate::live::LiveBus;
use crate::metrics::Rollup;
use crate::store::{EventReader, EventWriter, WriterStats};
use crate::upstream::Upstreams;

pub use dashboard::warn_if_not_built;
pub use error::{ApiError, ErrorBody};
pub use events::MAX_LIST_LIMIT;
pub use stream::TypeFilter;

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// What every handler can reach.
pub struct AppContext {
    /// The settings the engine runs with.
    pub config: Config,
    /// Queues writes.
    pub writer: EventWriter,
    /// Runs reads.
    pub reader: EventReader,
    /// Window aggregates.
    pub rollup: Arc<Mutex<Rollup>>,
    /// Committed events, live.
    pub live: LiveBus,
    /// The OpenAPI description, serialized once.
    pub openapi_json: String,
    /// The orchestrator and control backend: HTTP clients and the stream relay.
    pub upstreams: Upstreams,
    /// What the GPU sampler last saw.
    pub gpu: Arc<GpuMonitor>,
    /// The writer's commit counters, for `/metrics`.
    pub writer_stats: Arc<WriterStats>,
}

/// Shared handler state.
pub type AppState = Arc<AppContext>;

/// Query-string extractor whose rejection is an [`ApiError`] (422 with a detail).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kitsu Telemetry",
        description = "Telemetry API of the Kitsu.exe AI VTuber stack. When TELEMETRY_API_KEY is set, \
                       every route but /health needs the X-API-KEY header."
    ),
    components(schemas(
        ErrorBody,
        events::CreatedMany,
        crate::metrics::TypeSummary,
        crate::metrics::FieldSummary
    ))
)]
struct ApiDoc;

/// Reads an optional query value, treating an empty one (`?type=`, as forms send) as absent.
pub(crate) fn empty_as_none<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

/// The routes and their OpenAPI description, before state and layers are added.
fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(events::events_create, events::events_list))
        .routes(routes!(events::events_export))
        .routes(routes!(metrics::metrics_latest))
        .routes(routes!(maintenance::maintenance_prune))
        .routes(routes!(logs::logs_list))
        .routes(routes!(orchestrator::orchestrator_status))
        .routes(routes!(orchestrator::orchestrator_health))
        .routes(routes!(orchestrator::orchestrator_toggle))
        .routes(routes!(orchestrator::orchestrator_persona))
        .routes(routes!(orchestrator::orchestrator_tts))
        .routes(routes!(orchestrator::orchestrator_obs_scene))
        .routes(routes!(orchestrator::orchestrator_vts_expr))
        .routes(routes!(orchestrator_stream::orchestrator_stream))
        .routes(routes!(control::control_status))
        .routes(routes!(control::control_llm_status))
        .routes(routes!(control::control_llm_start))
        .routes(routes!(control::control_panic))
        .routes(routes!(control::control_mute))
        .routes(routes!(control::control_preset))
        .routes(routes!(soak::soak_results))
        .routes(routes!(stream::events_stream))
        .routes(routes!(gpu::gpu_status))
        .routes(routes!(series::metrics_series))
        .routes(routes!(prometheus::metrics_prometheus))
        .split_for_parts()
}

/// The OpenAPI 3 description of every route, as JSON.
pub fn openapi_json() -> String {
    routes()
        .1
        .to_pretty_json()
        .expect("the generated OpenAPI document serializes")
}

/// Builds the whole router over `context` (which must hold [`openapi_json`]'s output).
pub fn router(context: AppContext) -> Router {
    let (routes, _) = routes();
    let state: AppState = Arc::new(context);
    routes
        .route("/openapi.json", get(health::openapi_json))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_api_key,
        ))
        .layer(cors(&state.config))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state.clone())
        // Added after the layers on purpose: the dashboard's files are not behind the key.
        .merge(dashboard::router(&state.config.ui_dir))
}

/// One span per request, carrying the matched route rather than the raw path.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    tracing::debug_span!("http", method = %request.method(), route)
}

/// Rejects requests without the configured key, given as the `X-API-KEY` header or the `key`
/// query parameter; `/health` and CORS preflights always pass.
async fn require_api_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(expected) = state.config.api_key.as_deref() else {
        return next.run(request).await;
    };
    if request.uri().path() == "/health" || request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let from_header = request
        .headers()
        .get(API_KEY_HEADER)
        .map(HeaderValue::as_bytes);
    let from_query = key_in_query(request.uri().query());
    let given = from_header.or(from_query.as_deref().map(str::as_bytes));
    if given.is_some_and(|given| keys_match(given, expected.as_bytes())) {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

/// The `key` query parameter: browsers cannot set headers on WebSockets or download links.
fn key_in_query(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs
        .into_iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value)
}

/// Compares in time independent of where the keys differ.
fn keys_match(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .cors_origins()
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static(API_KEY_HEADER),
        ])
        .expose_headers([header::CONTENT_DISPOSITION])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_match_exactly() {
        assert!(keys_match(b"secret", b"secret"));
        assert!(!keys_match(b"secreT", b"secret"));
        assert!(!keys_match(b"secret-longer", b"secret"));
        assert!(!keys_match(b"", b"secret"));
    }

    #[test]
    fn the_key_can_come_from_the_query_string() {
        assert_eq!(
            key_in_query(Some("type=a&key=s%20cret")).as_deref(),
            Some("s cret")
        );
        assert_eq!(key_in_query(Some("type=a")), None);
        assert_eq!(key_in_query(None), None);
    }

    #[test]
    fn openapi_documents_every_route() {
        let doc: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();

        for path in [
            "/health",
            "/events",
            "/events/export",
            "/metrics/latest",
            "/maintenance/prune",
            "/logs",
            "/orchestrator/status",
            "/orchestrator/stream",
            "/orchestrator/toggle/{module}",
            "/control/mute",
            "/soak/results",
            "/events/stream",
            "/gpu/status",
            "/metrics/series",
            "/metrics",
        ] {
            assert!(
                doc["paths"][path].is_object(),
                "{path} must be in the OpenAPI document"
            );
        }
        assert_eq!(
            doc["openapi"].as_str().map(|v| v.starts_with("3.")),
            Some(true)
        );
    }
}
