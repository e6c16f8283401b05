//! The `X-API-KEY` check and CORS.

use serde_json::json;

use crate::support::{detail_of, TestEngine};

async fn engine_with_key() -> TestEngine {
    TestEngine::start_with(|c| c.api_key = Some("s3cret".into())).await
}

#[tokio::test]
async fn routes_without_the_key_are_401_with_the_original_detail() {
    let engine = engine_with_key().await;

    for path in [
        "/events",
        "/events/export",
        "/metrics/latest",
        "/logs",
        "/openapi.json",
    ] {
        let detail = detail_of(engine.get(path).await, 401).await;
        assert_eq!(detail, "Invalid API key", "{path} is behind the key");
    }
    let post = engine.post_json("/events", &json!({"type": "a"})).await;
    assert_eq!(detail_of(post, 401).await, "Invalid API key");
}

#[tokio::test]
async fn a_wrong_key_is_401_and_the_right_one_in_any_header_case_passes() {
    let engine = engine_with_key().await;

    let wrong = engine
        .client
        .get(engine.url("/events"))
        .header("X-API-KEY", "nope")
        .send()
        .await
        .unwrap();
    let right = engine
        .client
        .get(engine.url("/events"))
        .header("x-Api-Key", "s3cret")
        .send()
        .await
        .unwrap();

    assert_eq!(wrong.status(), 401);
    assert_eq!(right.status(), 200, "header names are case-insensitive");
    let in_query = engine.get("/events/export?key=s3cret").await;
    assert_eq!(
        in_query.status(),
        200,
        "browsers pass the key in the query for downloads and WebSockets"
    );
}

#[tokio::test]
async fn health_is_never_behind_the_key() {
    let engine = engine_with_key().await;

    let health = engine.get_json("/health").await;

    assert_eq!(health["status"], "ok", "health answers without the key");
}

#[tokio::test]
async fn cors_allows_listed_origins_only() {
    let engine =
        TestEngine::start_with(|c| c.allowed_origins = vec!["http://obs.local".into()]).await;
    let preflight = |origin: &'static str| {
        engine
            .client
            .request(reqwest::Method::OPTIONS, engine.url("/events"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-api-key,content-type")
            .send()
    };

    let listed = preflight("http://obs.local").await.unwrap();
    let dev = preflight("http://localhost:5173").await.unwrap();
    let stranger = preflight("http://evil.example").await.unwrap();

    let allowed = |r: &reqwest::Response| r.headers().get("access-control-allow-origin").cloned();
    assert_eq!(allowed(&listed).unwrap(), "http://obs.local");
    assert!(
        allowed(&dev).is_some(),
        "the dashboard dev servers stay allowed"
    );
    assert!(
        allowed(&stranger).is_none(),
        "unlisted origins get no CORS grant"
    );
}

#[tokio::test]
async fn openapi_describes_the_api() {
    let engine = TestEngine::start().await;

    let doc = engine.get_json("/openapi.json").await;

    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(
        doc["paths"]["/events"]["post"].is_object(),
        "POST /events is documented"
    );
    assert!(doc["paths"]["/metrics/latest"]["get"]["parameters"].is_array());
}
