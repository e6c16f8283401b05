//! `GET /orchestrator/stream`: one upstream connection, fanned out, reconnected, never stalled.

use futures::future::join_all;
use serde_json::{json, Value};

use crate::fake_upstream::{
    close, closing_upstream, connect_stream, down_upstream, is_state, next_json, next_text,
    point_at, read_until, FakeOrchestrator,
};
use crate::support::TestEngine;

async fn engine_for(fake: &FakeOrchestrator) -> TestEngine {
    let base = fake.base_url();
    TestEngine::start_with(|c| point_at(c, &base)).await
}

fn is_status(message: &Value) -> bool {
    message["type"] == "status"
}

/// Polls `/health` until the relay's state satisfies `wanted`, and returns that state.
async fn relay_state_until(engine: &TestEngine, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + crate::fake_upstream::PATIENCE;
    loop {
        let health = engine.get_json("/health").await;
        let relay = health["upstreams"]["orchestrator"]["relay"].clone();
        if wanted(&relay) {
            return relay;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay reaches the expected state in time; last {relay}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_new_client_gets_the_relay_state_then_the_last_status_at_once() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut first = connect_stream(&engine.base, "").await;
    read_until(&mut first, is_status).await;

    let mut late = connect_stream(&engine.base, "").await;
    let state = next_json(&mut late).await;
    let status = next_text(&mut late).await;

    assert_eq!(
        state,
        json!({"type": "relay.state", "state": "connected", "attempt": 0, "last_error": null,
               "url": format!("ws://{}/stream", fake.addr)}),
        "the relay's own state comes first"
    );
    assert_eq!(
        status, r#"{"type":"status","payload":{"connection":1}}"#,
        "then the last status, exactly as the upstream sent it"
    );
}

#[tokio::test]
async fn a_frame_with_several_objects_is_split_into_one_message_each() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut client = connect_stream(&engine.base, "").await;
    read_until(&mut client, is_status).await;

    fake.push("{\"type\":\"control.mute\",\"muted\":true}\n{\"type\":\"pipeline.metric\",\"payload\":{\"stage\":\"llm\"}}");

    assert_eq!(
        next_text(&mut client).await,
        r#"{"type":"control.mute","muted":true}"#,
        "the first object alone, unchanged"
    );
    assert_eq!(
        next_text(&mut client).await,
        r#"{"type":"pipeline.metric","payload":{"stage":"llm"}}"#,
        "then the second"
    );
}

#[tokio::test]
async fn one_upstream_connection_serves_many_clients() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut clients = join_all((0..6).map(|_| connect_stream(&engine.base, ""))).await;
    for client in &mut clients {
        read_until(client, is_status).await;
    }

    fake.push(r#"{"type":"obs_scene","scene":"BRB"}"#);
    let received = join_all(
        clients
            .iter_mut()
            .map(|c| read_until(c, |m| m["type"] == "obs_scene")),
    )
    .await;

    assert!(
        received.iter().all(|m| m["scene"] == "BRB"),
        "every client gets the message"
    );
    assert_eq!(
        fake.connections(),
        1,
        "six clients share one upstream connection"
    );
    let health = engine.get_json("/health").await;
    assert_eq!(health["upstreams"]["orchestrator"]["relay_clients"], 6);
}

#[tokio::test]
async fn the_relay_reconnects_after_the_upstream_restarts_on_the_same_port() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut client = connect_stream(&engine.base, "").await;
    read_until(&mut client, is_status).await;

    fake.stop();
    let lost = read_until(&mut client, |m| is_state(m, "reconnecting")).await;
    let restarted = FakeOrchestrator::start_on(fake.addr, Default::default()).await;
    read_until(&mut client, |m| is_state(m, "connected")).await;
    let status = read_until(&mut client, is_status).await;

    assert!(
        lost["last_error"].is_string(),
        "the client is told why: {lost}"
    );
    assert_eq!(
        status["payload"]["connection"], 1,
        "the status comes from the restarted upstream"
    );
    assert_eq!(restarted.connections(), 1, "the relay came back by itself");
}

#[tokio::test]
async fn a_client_that_never_reads_cannot_stall_the_others() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut stalled = connect_stream(&engine.base, "").await;
    read_until(&mut stalled, is_status).await;
    let mut reader = connect_stream(&engine.base, "").await;
    read_until(&mut reader, is_status).await;

    // Far more than the socket buffers of the client that never reads can hold.
    let filler = "x".repeat(32 * 1024);
    for n in 0..800 {
        fake.push(&json!({"type": "tts_chunk", "payload": {"n": n, "audio": filler}}).to_string());
    }
    fake.push(r#"{"type":"done"}"#);

    let done = read_until(&mut reader, |m| m["type"] == "done").await;
    assert_eq!(done["type"], "done", "the reading client got to the end");
    let health = engine.get_json("/health").await;
    assert_eq!(
        health["upstreams"]["orchestrator"]["relay"]["state"], "connected",
        "the upstream side never stalled"
    );
    drop(stalled);
}

#[tokio::test]
async fn garbage_from_the_upstream_is_dropped_and_counted() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut client = connect_stream(&engine.base, "").await;
    read_until(&mut client, is_status).await;

    fake.push("\u{1}garbage{{ not json");
    fake.push("{\"type\":\"after\"}\nstill not json");

    let next = next_json(&mut client).await;
    assert_eq!(next, json!({"type": "after"}), "only JSON is relayed");
    let health = engine.get_json("/health").await;
    assert_eq!(
        health["upstreams"]["orchestrator"]["rejected_frames"], 2,
        "each dropped line is counted"
    );
    close(client).await;
}

#[tokio::test]
async fn an_upstream_that_closes_early_is_retried_with_the_reason_shown() {
    let (addr, accepted) = closing_upstream().await;
    let engine = TestEngine::start_with(|c| point_at(c, &format!("http://{addr}"))).await;

    let relay = relay_state_until(&engine, |r| r["attempt"].as_u64() >= Some(3)).await;

    assert!(
        accepted.load(std::sync::atomic::Ordering::SeqCst) >= 3,
        "the relay keeps trying"
    );
    assert!(relay["last_error"].is_string(), "and says why: {relay}");
}

#[tokio::test]
async fn a_down_upstream_turns_the_relay_offline_and_clients_are_told() {
    let addr = down_upstream().await;
    let engine = TestEngine::start_with(|c| point_at(c, &format!("http://{addr}"))).await;

    relay_state_until(&engine, |r| r["state"] == "offline").await;
    let mut client = connect_stream(&engine.base, "").await;
    let first = next_json(&mut client).await;

    assert!(
        is_state(&first, "offline"),
        "a new client learns it at once: {first}"
    );
    assert!(
        first["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "with the reason"
    );
}

#[tokio::test]
async fn a_plain_get_on_the_stream_route_is_a_400_with_a_detail() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;

    let detail = crate::support::detail_of(engine.get("/orchestrator/stream").await, 400).await;

    assert!(
        detail.starts_with("this route is a WebSocket"),
        "the detail explains: {detail}"
    );
}

#[tokio::test]
async fn stopping_the_engine_closes_its_relay_clients() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_for(&fake).await;
    let mut client = connect_stream(&engine.base, "").await;
    read_until(&mut client, is_status).await;

    engine.stop().await;

    let offline = read_until(&mut client, |m| is_state(m, "offline")).await;
    assert_eq!(
        offline["type"], "relay.state",
        "clients hear that the relay stopped"
    );
    let end = tokio::time::timeout(
        crate::fake_upstream::PATIENCE,
        futures::StreamExt::next(&mut client),
    )
    .await
    .expect("the stream ends in time");
    assert!(
        matches!(
            end,
            None | Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | Some(Err(_))
        ),
        "then the stream closes: {end:?}"
    );
}
