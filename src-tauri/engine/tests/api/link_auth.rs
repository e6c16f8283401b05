//! The API key on the Kitsu link routes, the WebSocket included.

use serde_json::json;

use crate::fake_upstream::{connect_stream, point_at, read_until, FakeOrchestrator};
use crate::support::{detail_of, TestEngine};

#[tokio::test]
async fn the_link_routes_need_the_api_key() {
    let fake = FakeOrchestrator::start().await;
    let base = fake.base_url();
    let engine = TestEngine::start_with(|c| {
        point_at(c, &base);
        c.api_key = Some("s3cret".into());
    })
    .await;

    for path in [
        "/orchestrator/status",
        "/control/status",
        "/soak/results",
        "/orchestrator/stream",
    ] {
        let detail = detail_of(engine.get(path).await, 401).await;
        assert_eq!(detail, "Invalid API key", "{path} is behind the key");
    }
    let mute = engine
        .post_json("/control/mute", &json!({"muted": true}))
        .await;
    assert_eq!(mute.status(), 401, "commands are behind the key");
    let with_key = engine.get("/orchestrator/status?key=s3cret").await;
    assert_eq!(with_key.status(), 200, "the right key passes");
}

#[tokio::test]
async fn a_websocket_client_passes_the_key_in_the_query() {
    let fake = FakeOrchestrator::start().await;
    let base = fake.base_url();
    let engine = TestEngine::start_with(|c| {
        point_at(c, &base);
        c.api_key = Some("s3cret".into());
    })
    .await;
    let url = format!(
        "{}/orchestrator/stream",
        engine.base.replacen("http", "ws", 1)
    );

    let refused = tokio_tungstenite::connect_async(url).await;
    let mut client = connect_stream(&engine.base, "?key=s3cret").await;

    assert!(refused.is_err(), "no key, no stream");
    let status = read_until(&mut client, |m| m["type"] == "status").await;
    assert_eq!(
        status["payload"]["connection"], 1,
        "the keyed client is relayed"
    );
}
