//! The built dashboard served at `/` beside the API, and its absence explained.

use crate::support::TestEngine;

fn built_dashboard() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder can be created");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>Kitsu</title>",
    )
    .expect("index.html can be written");
    std::fs::create_dir_all(dir.path().join("_app/immutable")).expect("asset folder");
    std::fs::write(dir.path().join("_app/immutable/app.js"), "console.log(1)")
        .expect("an asset can be written");
    dir
}

async fn get_accepting(engine: &TestEngine, path: &str, accept: &str) -> reqwest::Response {
    engine
        .client
        .get(engine.url(path))
        .header("accept", accept)
        .send()
        .await
        .expect("the request reaches the engine")
}

#[tokio::test]
async fn the_root_serves_the_dashboard_without_the_api_key() {
    let ui = built_dashboard();
    let ui_dir = ui.path().to_path_buf();
    let engine = TestEngine::start_with(|config| {
        config.ui_dir = ui_dir;
        config.api_key = Some("secret".into());
    })
    .await;

    let page = engine.get("/").await;
    let asset = engine.get("/_app/immutable/app.js").await;
    let events = engine.get("/events").await;

    assert_eq!(
        page.status(),
        200,
        "the page holds no data, so no key is needed"
    );
    assert!(
        page.text().await.unwrap().contains("<title>Kitsu</title>"),
        "/ must be index.html"
    );
    assert_eq!(asset.status(), 200, "built assets are served");
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"),
        "hashed assets may be cached for ever"
    );
    assert_eq!(events.status(), 401, "API routes stay behind the key");
}

#[tokio::test]
async fn page_loads_fall_back_to_the_app_but_api_calls_get_json_404() {
    let ui = built_dashboard();
    let ui_dir = ui.path().to_path_buf();
    let engine = TestEngine::start_with(|config| config.ui_dir = ui_dir).await;

    let page = get_accepting(&engine, "/overlay", "text/html,application/xhtml+xml").await;
    let api = get_accepting(&engine, "/no/such/route", "application/json").await;

    assert_eq!(
        page.status(),
        200,
        "a reload of a dashboard route gets the app"
    );
    assert!(
        page.text().await.unwrap().contains("Kitsu"),
        "the app's index.html"
    );
    assert_eq!(api.status(), 404, "a missing API route is not a page");
    let body: serde_json::Value = api.json().await.expect("the 404 is JSON");
    assert!(
        body["detail"].is_string(),
        "the 404 carries a detail: {body}"
    );
}

#[tokio::test]
async fn a_missing_build_answers_503_saying_how_to_build_it() {
    let empty = tempfile::tempdir().expect("a temporary folder can be created");
    let ui_dir = empty.path().join("build");
    let engine = TestEngine::start_with(|config| config.ui_dir = ui_dir).await;

    let response = engine.get("/").await;

    assert_eq!(response.status(), 503, "no dashboard to serve");
    let body: serde_json::Value = response.json().await.expect("the 503 is JSON");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("pnpm --filter ui build"),
        "the detail tells how to build the dashboard: {body}"
    );
}

#[tokio::test]
async fn a_reload_revalidating_the_cached_page_gets_304_not_503() {
    let ui = built_dashboard();
    let ui_dir = ui.path().to_path_buf();
    let engine = TestEngine::start_with(|config| config.ui_dir = ui_dir).await;
    let first = get_accepting(&engine, "/history", "text/html").await;
    let last_modified = first.headers()["last-modified"].clone();

    let reload = engine
        .client
        .get(engine.url("/history"))
        .header("accept", "text/html")
        .header("if-modified-since", last_modified)
        .send()
        .await
        .expect("the request reaches the engine");

    assert_eq!(
        reload.status(),
        304,
        "a conditional reload of a page path is answered from the browser's cache"
    );
}
