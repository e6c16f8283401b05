//! `GET /soak/results`.

use serde_json::json;

use crate::support::{detail_of, TestEngine};

#[tokio::test]
async fn soak_results_are_the_latest_soak_events_newest_first() {
    let engine = TestEngine::start().await;
    let batch = json!([
        {"type": "soak.result", "source": "soak_harness", "payload": {"run": 1}},
        {"type": "pipeline.metric", "payload": {"stage": "llm", "latency_ms": 500}},
        {"type": "soak.result", "source": "soak_harness", "payload": {"run": 2}},
        {"type": "soak.result", "source": "soak_harness", "payload": {"run": 3}},
    ]);
    assert_eq!(engine.post_json("/events", &batch).await.status(), 200);

    let results = engine.get_json("/soak/results?limit=2").await;

    let runs: Vec<_> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["run"].clone())
        .collect();
    assert_eq!(runs, [json!(3), json!(2)], "newest first, limited");
    let first = &results[0];
    for field in ["id", "type", "ts", "source", "payload"] {
        assert!(
            !first[field].is_null(),
            "items have the /events shape: {field}"
        );
    }
}

#[tokio::test]
async fn a_soak_limit_out_of_range_is_422() {
    let engine = TestEngine::start().await;

    let detail = detail_of(engine.get("/soak/results?limit=0").await, 422).await;

    assert!(
        detail.contains("limit"),
        "the detail names the parameter: {detail}"
    );
}
