//! Manual prune and background retention.

use std::time::Duration;

use serde_json::json;

use crate::support::{detail_of, iso_ago, TestEngine};

#[tokio::test]
async fn prune_deletes_by_instant_and_keeps_fresh_events_with_any_offset() {
    let engine = TestEngine::start().await;
    let events = json!([
        {"type": "old", "ts": iso_ago(7200, 0)},
        {"type": "fresh", "ts": iso_ago(10, -5)},
        {"type": "fresh", "ts": iso_ago(10, 9)},
    ]);
    assert_eq!(engine.post_json("/events", &events).await.status(), 200);

    let response = engine
        .client
        .post(engine.url("/maintenance/prune?max_age_seconds=3600"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"removed": 1})
    );
    let left = engine.get_json("/events").await;
    assert!(
        left.as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "fresh"),
        "the -05:00 event is fresh, not old"
    );
    let metrics = engine.get_json("/metrics/latest?window_seconds=7200").await;
    assert!(
        metrics["metrics"].get("old").is_none(),
        "pruned events leave the metrics too"
    );
}

#[tokio::test]
async fn prune_refuses_ages_under_a_minute() {
    let engine = TestEngine::start().await;

    let response = engine
        .client
        .post(engine.url("/maintenance/prune?max_age_seconds=59"))
        .send()
        .await
        .unwrap();

    detail_of(response, 422).await;
}

#[tokio::test]
async fn background_retention_removes_expired_events_off_the_request_path() {
    let engine = TestEngine::start_with(|c| c.retention_secs = Some(600)).await;
    let events = json!([{"type": "expired", "ts": iso_ago(3600, 0)}, {"type": "kept"}]);

    let response = engine.post_json("/events", &events).await;
    assert_eq!(
        response.status(),
        200,
        "ingestion answers before retention runs"
    );

    let mut remaining = engine.all_ids().await.len();
    for _ in 0..50 {
        if remaining == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        remaining = engine.all_ids().await.len();
    }
    assert_eq!(
        remaining, 1,
        "retention (at most once a second) removed the expired event"
    );
    assert_eq!(engine.get_json("/events").await[0]["type"], "kept");
}
