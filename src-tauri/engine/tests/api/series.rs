//! `GET /metrics/series`: chart buckets, splits and parameter checks.

use serde_json::{json, Value};

use crate::support::{detail_of, iso_ago, TestEngine};

fn stage_event(stage: &str, source: &str, latency_ms: f64, ts: &str) -> Value {
    json!({"type": "pipeline.metric", "ts": ts, "source": source, "payload": {"stage": stage, "latency_ms": latency_ms, "mode": "live"}})
}

#[tokio::test]
async fn a_series_buckets_one_field_with_count_average_and_percentiles() {
    let engine = TestEngine::start().await;
    let now = iso_ago(2, 0);
    let events: Vec<Value> = [100.0, 200.0, 300.0, 400.0]
        .iter()
        .map(|ms| stage_event("llm", "policy_worker", *ms, &now))
        .chain([stage_event("llm", "policy_worker", 5.0, &iso_ago(900, 0))])
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(events)).await.status(),
        200
    );

    let answer = engine
        .get_json("/metrics/series?type=pipeline.metric&field=latency_ms&window_seconds=120&bucket_seconds=10")
        .await;

    assert_eq!(answer["type"], "pipeline.metric");
    assert_eq!(
        (
            answer["window_seconds"].as_u64(),
            answer["bucket_seconds"].as_u64()
        ),
        (Some(120), Some(10))
    );
    let series = answer["series"].as_array().expect("series is an array");
    assert_eq!(series.len(), 1, "no split: one series");
    assert_eq!(
        series[0]["key"],
        Value::Null,
        "an unsplit series has a null key"
    );
    let buckets = series[0]["buckets"].as_array().unwrap();
    assert_eq!(
        buckets.len(),
        1,
        "the four fresh events share one second; the old one is outside"
    );
    let bucket = &buckets[0];
    assert_eq!(
        (bucket["count"].as_u64(), bucket["avg"].as_f64()),
        (Some(4), Some(250.0))
    );
    assert_eq!(
        (bucket["min"].as_f64(), bucket["max"].as_f64()),
        (Some(100.0), Some(400.0))
    );
    let p95 = bucket["p95"].as_f64().unwrap();
    assert!(
        (p95 - 300.0).abs() <= 3.0,
        "p95 at rank floor(0.95*3) is 300 within 1 %: {p95}"
    );
    assert!(
        bucket["start"].as_str().unwrap().ends_with('Z'),
        "bucket starts are ISO UTC"
    );
}

#[tokio::test]
async fn split_by_gives_one_series_per_stage_or_per_source() {
    let engine = TestEngine::start().await;
    let now = iso_ago(1, 0);
    let events = json!([
        stage_event("llm", "policy_worker", 600.0, &now),
        stage_event("tts", "tts_worker", 90.0, &now),
        stage_event("llm", "policy_worker", 800.0, &now),
    ]);
    assert_eq!(engine.post_json("/events", &events).await.status(), 200);
    let base =
        "/metrics/series?type=pipeline.metric&field=latency_ms&window_seconds=60&bucket_seconds=60";

    let by_stage = engine.get_json(&format!("{base}&split_by=stage")).await;
    let by_source = engine.get_json(&format!("{base}&split_by=source")).await;

    let keys = |answer: &Value| -> Vec<String> {
        answer["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        keys(&by_stage),
        ["llm", "tts"],
        "one series per stage, sorted"
    );
    assert_eq!(
        keys(&by_source),
        ["policy_worker", "tts_worker"],
        "one series per source"
    );
    assert_eq!(
        by_stage["series"][0]["buckets"][0]["avg"], 700.0,
        "the two llm turns"
    );
}

#[tokio::test]
async fn an_unknown_type_or_field_is_an_empty_list_not_an_error() {
    let engine = TestEngine::start().await;

    let answer = engine
        .get_json("/metrics/series?type=nothing&field=latency_ms")
        .await;

    assert_eq!(
        answer["series"],
        json!([]),
        "nothing recorded, nothing to chart"
    );
    assert_eq!(
        (
            answer["window_seconds"].as_u64(),
            answer["bucket_seconds"].as_u64()
        ),
        (Some(300), Some(10)),
        "defaults"
    );
}

#[tokio::test]
async fn invalid_parameters_are_422_with_a_detail() {
    let engine = TestEngine::start().await;
    let cases = [
        ("field=latency_ms", "type is required"),
        ("type=a", "field is required"),
        ("type=a&field=b&window_seconds=59", "window_seconds"),
        ("type=a&field=b&window_seconds=7201", "window_seconds"),
        ("type=a&field=b&bucket_seconds=0", "bucket_seconds"),
        (
            "type=a&field=b&window_seconds=7200&bucket_seconds=1",
            "1000 buckets",
        ),
        ("type=a&field=b&split_by=", "split_by"),
        ("type=a&field=b&bucket_seconds=ten", "bucket_seconds"),
    ];

    for (query, expected) in cases {
        let detail = detail_of(engine.get(&format!("/metrics/series?{query}")).await, 422).await;
        assert!(detail.contains(expected), "{query}: {detail}");
    }
}
