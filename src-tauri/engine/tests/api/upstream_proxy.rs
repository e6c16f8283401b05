//! `/orchestrator/*` and `/control/*`: proxied calls and how their failures read.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_upstream::{closing_upstream, down_upstream, point_at, FakeOrchestrator};
use crate::support::TestEngine;

async fn engine_at(base: &str) -> TestEngine {
    TestEngine::start_with(|c| point_at(c, base)).await
}

async fn error_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    response.json().await.expect("errors are JSON")
}

#[tokio::test]
async fn a_down_upstream_is_a_502_naming_the_service_and_its_address() {
    let addr = down_upstream().await;
    let engine = engine_at(&format!("http://{addr}")).await;

    let orchestrator = error_of(engine.get("/orchestrator/status").await, 502).await;
    let control = error_of(
        engine
            .post_json("/control/mute", &json!({"muted": true}))
            .await,
        502,
    )
    .await;

    let orchestrator_detail = orchestrator["detail"].as_str().unwrap();
    assert!(
        orchestrator_detail.starts_with(&format!("orchestrator unreachable at http://{addr}: ")),
        "the detail names the upstream and its address: {orchestrator_detail}"
    );
    assert!(
        control["detail"]
            .as_str()
            .unwrap()
            .starts_with("control backend unreachable at"),
        "each upstream is named: {control}"
    );
    assert_eq!(orchestrator["code"], "upstream_unreachable");
}

#[tokio::test]
async fn an_upstream_that_closes_the_connection_early_is_a_502() {
    let (addr, _) = closing_upstream().await;
    let engine = engine_at(&format!("http://{addr}")).await;

    let error = error_of(engine.get("/control/status").await, 502).await;

    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains(&addr.to_string()),
        "the address is named: {error}"
    );
}

#[tokio::test]
async fn a_slow_upstream_is_a_504_after_the_total_timeout() {
    let fake = FakeOrchestrator::slow(Duration::from_secs(30)).await;
    let engine = engine_at(&fake.base_url()).await;

    let error = error_of(engine.get("/orchestrator/status").await, 504).await;

    assert_eq!(
        error["detail"],
        format!(
            "orchestrator at {} did not answer within 500 ms",
            fake.base_url()
        ),
        "the detail says which timeout ran out"
    );
    assert_eq!(error["code"], "upstream_timeout");
}

#[tokio::test]
async fn an_upstream_error_keeps_its_status_and_detail() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_at(&fake.base_url()).await;

    let preset = error_of(
        engine
            .post_json("/control/preset", &json!({"preset": "loud"}))
            .await,
        404,
    )
    .await;
    let llm = error_of(engine.post_raw("/control/llm/start", "").await, 400).await;

    assert_eq!(
        preset["detail"],
        "Unknown preset 'loud'. Known presets: cozy, hype"
    );
    assert_eq!(preset["code"], "upstream_error");
    assert_eq!(
        llm["detail"], "LLM backend is not Ollama",
        "400 keeps its detail too"
    );
}

#[tokio::test]
async fn bodies_answers_and_statuses_pass_through_with_the_bearer_token() {
    let fake = FakeOrchestrator::start().await;
    let base = fake.base_url();
    let engine = TestEngine::start_with(|c| {
        point_at(c, &base);
        c.upstreams.orchestrator_api_key = Some("orch-key".into());
    })
    .await;
    let body = r#"{"style":"calm",  "energy":0.2}"#;

    let persona: Value = engine
        .post_raw("/orchestrator/persona", body)
        .await
        .json()
        .await
        .unwrap();
    let panic = engine
        .post_json("/control/panic", &json!({"reason": "test"}))
        .await;
    let status = engine.get_json("/orchestrator/status").await;

    assert_eq!(persona["received"], body, "the body arrives byte for byte");
    assert_eq!(
        persona["authorization"], "Bearer orch-key",
        "the key goes as a bearer token"
    );
    assert_eq!(panic.status(), 202, "a 202 stays a 202");
    assert_eq!(
        status,
        json!({"status": "online", "fake": true}),
        "answers come back unchanged"
    );
}

#[tokio::test]
async fn a_module_name_that_could_leave_the_toggle_path_is_refused() {
    let fake = FakeOrchestrator::start().await;
    let engine = engine_at(&fake.base_url()).await;

    let error = error_of(
        engine
            .post_json(
                "/orchestrator/toggle/..%2Fcontrol%2Fpanic",
                &json!({"enabled": false}),
            )
            .await,
        422,
    )
    .await;

    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains("not a module name"),
        "the detail explains: {error}"
    );
}
