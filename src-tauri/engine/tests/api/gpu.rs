//! The GPU sampler through the API: events, `/gpu/status`, `/health`, with a fake source.

use std::time::Duration;

use kitsu_telemetry_engine::gpu::fake::FakeGpu;
use kitsu_telemetry_engine::gpu::GpuSourceKind;
use serde_json::Value;

use crate::support::{next_json, TestEngine};

/// Sampling faster than the 0.5 s the setting allows, so tests do not wait.
const TEST_INTERVAL: Duration = Duration::from_millis(50);

async fn engine_over(fake: &FakeGpu) -> TestEngine {
    TestEngine::start_with_gpu(fake.opener(), |config| {
        config.gpu_interval = TEST_INTERVAL;
        config.gpu_slow_interval = TEST_INTERVAL * 2;
    })
    .await
}

#[tokio::test]
async fn readings_are_stored_as_hardware_gpu_events_and_shown_in_the_status() {
    let fake = FakeGpu::rtx_4080();
    let engine = engine_over(&fake).await;
    let mut ws = engine.stream("?type=hardware.gpu").await;

    let streamed = next_json(&mut ws).await;

    assert_eq!(
        streamed["source"], "telemetry.gpu",
        "readings come from the sampler"
    );
    assert_eq!(streamed["payload"]["name"], "NVIDIA GeForce RTX 4080");
    assert_eq!(streamed["payload"]["temperature_c"], 64.0);
    let status = engine.get_json("/gpu/status").await;
    assert_eq!(status["available"], true, "the fake reads fine");
    assert_eq!(status["reason"], Value::Null, "no reason while available");
    assert_eq!(status["source"], "fake");
    assert!(
        status["sampled_at"].is_string(),
        "the time of the latest reading"
    );
    assert_eq!(status["devices"][0]["power_limit_w"], 320.0);
    let stored = engine.get_json("/events?type=hardware.gpu&limit=1").await;
    assert_eq!(
        stored[0]["type"], "hardware.gpu",
        "readings are in the database too"
    );
}

#[tokio::test]
async fn the_slow_tier_lists_the_processes_holding_gpu_memory() {
    let fake = FakeGpu::rtx_4080();
    let engine = engine_over(&fake).await;
    let mut ws = engine.stream("?type=hardware.gpu").await;

    let mut with_processes = None;
    for _ in 0..20 {
        let event = next_json(&mut ws).await;
        if event["payload"].get("processes").is_some() {
            with_processes = Some(event);
            break;
        }
    }

    let event = with_processes.expect("a slow-tier reading arrives within a few ticks");
    assert_eq!(event["payload"]["processes"][0]["name"], "obs");
    assert_eq!(event["payload"]["fan_speed_pct"], 41.0);
    let status = engine.get_json("/gpu/status").await;
    let process = &status["processes"][0];
    assert_eq!(
        (process["gpu_index"].as_u64(), process["pid"].as_u64()),
        (Some(0), Some(4242))
    );
    assert_eq!(process["used_memory_mb"], 512.0);
}

#[tokio::test]
async fn a_failed_reading_is_null_in_the_event_never_zero() {
    let fake = FakeGpu::rtx_4080();
    fake.fail_field("power_w");
    let engine = engine_over(&fake).await;
    let mut ws = engine.stream("?type=hardware.gpu").await;

    let event = next_json(&mut ws).await;

    assert_eq!(
        event["payload"]["power_w"],
        Value::Null,
        "unknown power is null"
    );
    assert_eq!(
        event["payload"]["utilization_pct"], 37.0,
        "the rest is still read"
    );
}

#[tokio::test]
async fn without_nvml_the_engine_runs_on_and_says_why_in_health_and_status() {
    let reason = "libnvidia-ml.so.1: cannot open shared object file";
    let engine = TestEngine::start_with_gpu(FakeGpu::missing_opener(reason), |_| {}).await;

    let health = engine.get_json("/health").await;
    let status = engine.get_json("/gpu/status").await;

    assert_eq!(
        health["status"], "ok",
        "a missing GPU does not make the engine unhealthy"
    );
    assert_eq!(health["gpu"]["available"], false);
    assert!(
        health["gpu"]["reason"].as_str().unwrap().contains(reason),
        "{health}"
    );
    assert_eq!(status["available"], false);
    assert_eq!(
        status["devices"],
        serde_json::json!([]),
        "no readings, no devices"
    );
    let created = engine
        .post_json("/events", &serde_json::json!({"type": "a"}))
        .await;
    assert_eq!(created.status(), 200, "the engine still takes events");
}

#[tokio::test]
async fn with_sampling_off_the_status_says_so() {
    let engine = TestEngine::start_with(|c| c.gpu_source = GpuSourceKind::Off).await;

    let status = engine.get_json("/gpu/status").await;

    assert_eq!(
        (status["available"].as_bool(), status["source"].as_str()),
        (Some(false), Some("off"))
    );
    assert!(
        status["reason"].as_str().unwrap().contains("off"),
        "{status}"
    );
}

#[tokio::test]
async fn the_simulated_gpu_feeds_the_demo() {
    let engine = TestEngine::start_with(|c| {
        c.gpu_source = GpuSourceKind::Simulated;
        c.gpu_interval = TEST_INTERVAL;
    })
    .await;
    let mut ws = engine.stream("?type=hardware.gpu").await;

    let event = next_json(&mut ws).await;

    assert!(
        event["payload"]["name"].as_str().unwrap().contains("RTX"),
        "{event}"
    );
    assert_eq!(engine.get_json("/gpu/status").await["source"], "simulated");
}
