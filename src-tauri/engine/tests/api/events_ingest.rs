//! `POST /events`: the accepted forms, validation, limits and atomic batches.

use serde_json::json;

use crate::support::{detail_of, TestEngine};

#[tokio::test]
async fn one_event_is_stored_and_listed_with_its_id_and_source() {
    let engine = TestEngine::start().await;

    let response = engine
        .post_json("/events", &json!({"type": "pipeline.metric", "ts": 1767225600.25, "source": "policy_worker", "payload": {"latency_ms": 812}}))
        .await;

    assert_eq!(response.status(), 200);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let listed = engine.get_json("/events").await;
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["source"], "policy_worker");
    assert_eq!(
        listed[0]["ts"], "2026-01-01T00:00:00.250Z",
        "epoch seconds come back as ISO UTC"
    );
    assert_eq!(listed[0]["payload"]["latency_ms"], 812);
}

#[tokio::test]
async fn a_batch_answers_ids_in_the_order_sent() {
    let engine = TestEngine::start().await;
    let batch: Vec<_> = (0..5)
        .map(|i| json!({"type": "t", "payload": {"n": i}}))
        .collect();

    let response = engine.post_json("/events", &json!(batch)).await;

    assert_eq!(response.status(), 200);
    let ids: Vec<i64> =
        serde_json::from_value(response.json::<serde_json::Value>().await.unwrap()["ids"].clone())
            .unwrap();
    assert_eq!(ids.len(), 5);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids grow in the order sent: {ids:?}"
    );
}

#[tokio::test]
async fn legacy_and_service_forms_are_accepted() {
    let engine = TestEngine::start().await;

    let legacy = engine.post_json("/events", &json!({"event_type": "asr_final", "source": "asr_worker", "payload": {"latency_ms": 90}, "created_at": "2026-01-01T07:00:00-05:00"})).await;
    let service = engine.post_json("/events", &json!({"type": "tts_generated", "service": "tts_worker", "ts": "2026-01-01T12:00:01Z", "extra": 1})).await;

    assert_eq!(legacy.status(), 200);
    assert_eq!(
        service.status(),
        200,
        "unknown fields are dropped, not refused"
    );
    let listed = engine.get_json("/events").await;
    assert_eq!(listed[1]["type"], "asr_final");
    assert_eq!(
        listed[1]["ts"], "2026-01-01T12:00:00Z",
        "the offset is converted to UTC"
    );
    assert_eq!(
        listed[0]["source"], "tts_worker",
        "service stands in for source"
    );
}

#[tokio::test]
async fn malformed_bodies_are_400_and_store_nothing() {
    let engine = TestEngine::start().await;

    for body in [
        "{not json",
        "[]",
        r#"{"type":"a","payload":{"x":NaN}}"#,
        r#"{"type":"a","payload":{"x":Infinity}}"#,
        r#"[{"type":"a","payload":{"x":1e400}}]"#,
    ] {
        let detail = detail_of(engine.post_raw("/events", body).await, 400).await;
        assert!(!detail.is_empty(), "{body} must be explained");
    }

    assert!(engine.all_ids().await.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn a_batch_failing_half_way_stores_nothing_and_names_the_item() {
    let engine = TestEngine::start().await;
    let mut batch: Vec<_> = (0..50)
        .map(|i| json!({"type": "ok", "payload": {"n": i}}))
        .collect();
    batch.push(json!({"type": "bad", "ts": "not a time"}));
    batch.extend((0..50).map(|i| json!({"type": "ok", "payload": {"n": i}})));

    let detail = detail_of(engine.post_json("/events", &json!(batch)).await, 422).await;

    assert!(
        detail.starts_with("event[50]"),
        "the detail names the bad item: {detail}"
    );
    assert!(detail.contains("ts"), "and the bad field: {detail}");
    assert!(
        engine.all_ids().await.is_empty(),
        "no event of the batch was stored"
    );
}

#[tokio::test]
async fn invalid_items_are_422_with_a_detail() {
    let engine = TestEngine::start().await;

    let cases = [
        json!({"payload": {}}),
        json!({"type": "   "}),
        json!({"type": 7}),
        json!({"type": "a", "payload": "text"}),
        json!({"type": "a", "ts": -5}),
        json!([{"type": "a"}, "not an object"]),
        json!(42),
    ];
    for body in cases {
        let detail = detail_of(engine.post_json("/events", &body).await, 422).await;
        assert!(!detail.is_empty(), "{body} must be explained");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let engine = TestEngine::start_with(|c| c.max_body_bytes = 1024).await;
    let big = json!({"type": "a", "payload": {"blob": "x".repeat(4096)}});

    let detail = detail_of(engine.post_json("/events", &big).await, 413).await;

    assert!(detail.contains("TELEMETRY_MAX_BODY_BYTES"), "{detail}");
}

#[tokio::test]
async fn concurrent_writers_are_all_committed_with_distinct_ids() {
    let engine = TestEngine::start().await;

    let bodies: Vec<_> = (0..64)
        .map(|i| json!({"type": "burst", "payload": {"n": i}}))
        .collect();
    let posts = bodies.iter().map(|body| engine.post_json("/events", body));
    let responses = futures::future::join_all(posts).await;

    assert!(
        responses.iter().all(|r| r.status() == 200),
        "every concurrent post succeeds"
    );
    let ids = engine.all_ids().await;
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(
        (ids.len(), unique.len()),
        (64, 64),
        "each acknowledged event is stored once"
    );
}

#[tokio::test]
async fn acknowledged_events_survive_a_restart() {
    let engine = TestEngine::start().await;
    let batch: Vec<_> = (0..300)
        .map(|i| json!({"type": "keep", "payload": {"n": i}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(batch)).await.status(),
        200
    );

    let dir = engine.stop().await;
    let engine = TestEngine::start_in(dir, |_| {}).await;

    assert_eq!(
        engine.all_ids().await.len(),
        300,
        "a 200 means the events were on disk"
    );
}
