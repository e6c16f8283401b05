//! `GET /metrics/latest`: windows over instants, and percentiles.

use serde_json::json;

use crate::support::{detail_of, iso_ago, TestEngine};

#[tokio::test]
async fn the_window_compares_instants_whatever_the_offset() {
    let engine = TestEngine::start().await;
    let events = json!([
        {"type": "pipeline.metric", "ts": iso_ago(20, -5), "payload": {"latency_ms": 100.0}},
        {"type": "pipeline.metric", "ts": iso_ago(40, 5), "payload": {"latency_ms": 300.0}},
        {"type": "pipeline.metric", "ts": iso_ago(400, 0), "payload": {"latency_ms": 9000.0}},
    ]);
    assert_eq!(engine.post_json("/events", &events).await.status(), 200);

    let metrics = engine.get_json("/metrics/latest?window_seconds=120").await;

    let stage = &metrics["metrics"]["pipeline.metric"];
    assert_eq!(metrics["window_seconds"], 120);
    assert_eq!(
        stage["count"], 2,
        "both fresh events count, whatever their offset; the old one does not"
    );
    assert_eq!(stage["latency_ms"]["sum"], 400.0);
    assert_eq!(stage["latency_ms"]["max"], 300.0);
}

#[tokio::test]
async fn every_metric_field_gets_percentiles_and_failures_are_summed() {
    let engine = TestEngine::start().await;
    let batch: Vec<_> = (1..=200)
        .map(|i| json!({"type": "hardware.gpu", "payload": {"temperature_c": 40 + i % 30, "power_w": i as f64, "name": "RTX", "failures": if i % 50 == 0 { 1 } else { 0 }}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(batch)).await.status(),
        200
    );

    let metrics = engine.get_json("/metrics/latest").await;

    let gpu = &metrics["metrics"]["hardware.gpu"];
    assert_eq!(gpu["count"], 200);
    assert_eq!(gpu["failures"], 4.0);
    let power = &gpu["power_w"];
    for (key, exact) in [
        ("p50", 100.0),
        ("p90", 180.0),
        ("p95", 190.0),
        ("p99", 198.0),
    ] {
        let value = power[key].as_f64().unwrap();
        assert!(
            (value - exact).abs() <= exact * 0.011,
            "{key}={value}, exact {exact}"
        );
    }
    assert_eq!(power["avg"], 100.5);
    assert!(gpu.get("name").is_none(), "text fields are not aggregated");
}

#[tokio::test]
async fn metrics_survive_a_restart() {
    let engine = TestEngine::start().await;
    let event = json!({"type": "asr_final", "payload": {"latency_ms": 250}});
    assert_eq!(engine.post_json("/events", &event).await.status(), 200);

    let engine = TestEngine::start_in(engine.stop().await, |_| {}).await;

    let metrics = engine.get_json("/metrics/latest").await;
    assert_eq!(
        metrics["metrics"]["asr_final"]["latency_ms"]["p50"], 250.0,
        "the rollup is rebuilt from disk"
    );
}

#[tokio::test]
async fn windows_outside_60_to_7200_are_422() {
    let engine = TestEngine::start().await;

    for window in ["59", "7201", "forever"] {
        detail_of(
            engine
                .get(&format!("/metrics/latest?window_seconds={window}"))
                .await,
            422,
        )
        .await;
    }
}
