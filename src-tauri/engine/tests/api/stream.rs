//! `GET /events/stream`: committed events as they happen, filtered and keyed. The lagged marker
//! is proven by the relay's unit tests (`api::stream`), where the lag can be made exact.

use serde_json::json;

use crate::support::{next_json, TestEngine};

#[tokio::test]
async fn the_stream_sends_each_committed_event_in_the_events_list_shape() {
    let engine = TestEngine::start().await;
    let mut ws = engine.stream("").await;

    let event = json!({"type": "pipeline.metric", "source": "policy_worker", "payload": {"stage": "llm", "latency_ms": 640}});
    assert_eq!(engine.post_json("/events", &event).await.status(), 200);

    let streamed = next_json(&mut ws).await;
    let listed = engine.get_json("/events?limit=1").await;
    assert_eq!(
        streamed, listed[0],
        "the stream and GET /events agree on the shape"
    );
    assert_eq!(streamed["payload"]["latency_ms"], 640);
}

#[tokio::test]
async fn a_type_filter_matches_exactly_or_as_a_prefix_when_it_ends_with_a_dot() {
    let engine = TestEngine::start().await;
    let mut exact = engine.stream("?type=pipeline.metric").await;
    let mut prefix = engine.stream("?type=hardware.").await;

    let batch = json!([
        {"type": "pipeline.metric.extra", "payload": {"n": 1}},
        {"type": "hardwareish", "payload": {"n": 2}},
        {"type": "hardware.gpu", "payload": {"n": 3}},
        {"type": "pipeline.metric", "payload": {"n": 4}},
    ]);
    assert_eq!(engine.post_json("/events", &batch).await.status(), 200);

    assert_eq!(
        next_json(&mut exact).await["payload"]["n"],
        4,
        "only the exact type passes"
    );
    assert_eq!(
        next_json(&mut prefix).await["payload"]["n"],
        3,
        "only types under hardware. pass"
    );
}

#[tokio::test]
async fn with_an_api_key_the_stream_needs_it_in_the_query() {
    let engine = TestEngine::start_with(|c| c.api_key = Some("s3cret".into())).await;
    let url = format!("{}/events/stream", engine.base.replace("http://", "ws://"));

    let refused = tokio_tungstenite::connect_async(url.clone()).await;
    let mut ws = engine.stream("?key=s3cret").await;

    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401, "no key, no stream")
        }
        other => panic!("a stream without the key must be refused, got {other:?}"),
    }
    let event = json!({"type": "a"});
    let posted = engine
        .client
        .post(engine.url("/events"))
        .header("x-api-key", "s3cret")
        .json(&event)
        .send()
        .await
        .expect("the request reaches the engine");
    assert_eq!(posted.status(), 200);
    assert_eq!(
        next_json(&mut ws).await["type"],
        "a",
        "the keyed stream works"
    );
}

#[tokio::test]
async fn a_plain_get_of_the_stream_is_400_with_a_detail() {
    let engine = TestEngine::start().await;

    let detail = crate::support::detail_of(engine.get("/events/stream").await, 400).await;

    assert!(detail.contains("WebSocket"), "{detail}");
}
