//! `GET /metrics`: the Prometheus exposition, checked by `promtool` and scraped by a real
//! Prometheus. Those two tests skip where the binaries are missing, but fail under CI.

use std::process::Stdio;
use std::time::Duration;

use kitsu_telemetry_engine::gpu::fake::FakeGpu;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::support::{next_json, TestEngine};

/// Whether `binary` is on the PATH; under CI a missing one fails the test instead.
fn tool_available(binary: &str) -> bool {
    let found = std::process::Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("{binary} is missing; CI must install the prometheus package (.ci/setup)");
    }
    found
}

/// An engine with the fake GPU that has stored at least one reading, and three latency events.
async fn busy_engine(fake: &FakeGpu) -> TestEngine {
    let engine = TestEngine::start_with_gpu(fake.opener(), |config| {
        config.gpu_interval = Duration::from_millis(50);
    })
    .await;
    let mut ws = engine.stream("?type=hardware.gpu").await;
    next_json(&mut ws).await;
    let events: Vec<Value> = [120.0, 240.0, 360.0]
        .iter()
        .map(|ms| json!({"type": "pipeline.metric", "payload": {"stage": "llm", "latency_ms": ms}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(events)).await.status(),
        200
    );
    engine
}

async fn exposition(engine: &TestEngine) -> String {
    let response = engine.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.expect("the exposition is text")
}

#[tokio::test]
async fn the_exposition_has_gpu_gauges_event_counters_latency_and_engine_health() {
    let fake = FakeGpu::rtx_4080();
    let engine = busy_engine(&fake).await;

    let text = exposition(&engine).await;

    for line in [
        "kitsu_events_ingested_total{type=\"pipeline.metric\"} 3",
        "kitsu_gpu_temperature_celsius{index=\"0\",name=\"NVIDIA GeForce RTX 4080\"} 64",
        "kitsu_gpu_power_limit_watts{index=\"0\",name=\"NVIDIA GeForce RTX 4080\"} 320",
        "kitsu_gpu_utilization_ratio{index=\"0\",name=\"NVIDIA GeForce RTX 4080\"} 0.37",
        "kitsu_event_duration_seconds_count{type=\"pipeline.metric\",field=\"latency_ms\"} 3",
        "kitsu_event_duration_seconds_sum{type=\"pipeline.metric\",field=\"latency_ms\"} 0.72",
        "kitsu_gpu_available{source=\"fake\"} 1",
        "kitsu_store_queue_depth ",
        "kitsu_store_write_batch_events_bucket{le=\"+Inf\"} ",
        "kitsu_nvml_call_duration_seconds_count{call=\"fake_fast\"} ",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
    ] {
        assert!(
            text.contains(line),
            "the exposition must contain {line:?}:\n{text}"
        );
    }
}

#[tokio::test]
async fn an_unknown_gpu_reading_is_left_out_not_written_as_zero() {
    let fake = FakeGpu::rtx_4080();
    fake.fail_field("power_w");
    let engine = busy_engine(&fake).await;

    let text = exposition(&engine).await;

    assert!(
        !text.contains("kitsu_gpu_power_watts{"),
        "no power sample when power is unknown:\n{text}"
    );
    assert!(
        text.contains("kitsu_gpu_temperature_celsius{"),
        "the known readings stay"
    );
}

#[tokio::test]
async fn promtool_accepts_the_exposition() {
    if !tool_available("promtool") {
        return;
    }
    let fake = FakeGpu::rtx_4080();
    let engine = busy_engine(&fake).await;
    let text = exposition(&engine).await;

    let mut promtool = tokio::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    let mut stdin = promtool.stdin.take().expect("promtool has a stdin");
    stdin
        .write_all(text.as_bytes())
        .await
        .expect("promtool reads the text");
    drop(stdin);
    let output = promtool
        .wait_with_output()
        .await
        .expect("promtool finishes");

    let report = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "promtool check metrics failed:\n{report}\n{text}"
    );
    assert!(
        report.trim().is_empty(),
        "promtool has lint remarks:\n{report}"
    );
}
