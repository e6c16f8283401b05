//! The built-in demo stack: the real relay and proxy against simulated services.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_upstream::{connect_stream, read_until, PATIENCE};
use crate::support::TestEngine;

async fn demo_engine() -> TestEngine {
    TestEngine::start_with(|c| c.demo = true).await
}

/// Polls `/events?type=...` until one arrives.
async fn stored(engine: &TestEngine, event_type: &str) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let events = engine
            .get_json(&format!("/events?type={event_type}&limit=1"))
            .await;
        if let Some(event) = events.as_array().and_then(|a| a.first()) {
            return event.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{event_type} is stored in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_demo_orchestrator_has_the_real_status_shape() {
    let engine = demo_engine().await;

    let status = engine.get_json("/orchestrator/status").await;
    let health = engine.get_json("/orchestrator/health").await;

    for module in [
        "asr_worker",
        "policy_worker",
        "tts_worker",
        "avatar_controller",
        "obs_controller",
        "twitch_ingest",
    ] {
        assert!(
            status["modules"][module]["latency_ms"].is_number(),
            "{module} reports latency"
        );
    }
    for block in ["persona", "persona_presets", "control", "memory"] {
        assert!(status[block].is_object(), "{block} is in the status");
    }
    assert_eq!(health["status"], "online");
    let link = engine.get_json("/health").await;
    assert_eq!(
        link["upstreams"]["demo"], true,
        "health says the upstreams are simulated"
    );
}

#[tokio::test]
async fn a_mute_through_the_control_backend_shows_in_status_stream_and_store() {
    let engine = demo_engine().await;
    let mut stream = connect_stream(&engine.base, "").await;
    read_until(&mut stream, |m| m["type"] == "status").await;

    let muted = engine
        .post_json("/control/mute", &json!({"muted": true}))
        .await;

    assert_eq!(muted.status(), 200, "the command goes through");
    let status = engine.get_json("/orchestrator/status").await;
    assert_eq!(status["control"]["tts_muted"], true, "the status follows");
    let event = read_until(&mut stream, |m| m["type"] == "control.mute").await;
    assert_eq!(event["muted"], true, "the stream carries the event");
    let stored = stored(&engine, "control.mute").await;
    assert_eq!(
        stored["source"], "orchestrator",
        "and the store has it, as the real one does"
    );
}

#[tokio::test]
async fn an_unknown_demo_preset_is_404_listing_the_known_ones() {
    let engine = demo_engine().await;

    let response = engine
        .post_json("/control/preset", &json!({"preset": "loud"}))
        .await;

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "Unknown preset 'loud'. Known presets: default, cozy, hype, chaos"
    );
}

#[tokio::test]
async fn the_demo_streams_pipeline_metrics() {
    let engine = demo_engine().await;
    let mut stream = connect_stream(&engine.base, "").await;

    let metric = read_until(&mut stream, |m| m["type"] == "pipeline.metric").await;

    assert!(
        metric["payload"]["stage"].is_string(),
        "a stage is named: {metric}"
    );
    assert!(
        metric["payload"]["latency_ms"].as_f64().unwrap() > 0.0,
        "with a latency"
    );
}
