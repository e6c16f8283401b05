//! The listening port: a taken port fails the headless engine, and moves the desktop app's.

use kitsu_telemetry_engine::Config;

use crate::support::TestEngine;

/// A port some other program holds for the duration of the test.
fn taken_port() -> (std::net::TcpListener, u16) {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port can be bound");
    let port = holder.local_addr().unwrap().port();
    (holder, port)
}

#[tokio::test]
async fn a_taken_port_fails_the_start_and_names_the_setting() {
    let (_holder, port) = taken_port();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_db(dir.path().join("telemetry.db"));
    config.port = port;
    let error = match kitsu_telemetry_engine::start(config).await {
        Ok(_) => panic!("the engine must not start on a port another program holds"),
        Err(error) => format!("{error:#}"),
    };
    assert!(
        error.contains("API_PORT"),
        "the error points at the setting: {error}"
    );
}

#[tokio::test]
async fn with_port_fallback_a_taken_port_moves_to_a_free_one_that_serves() {
    let (_holder, port) = taken_port();
    let engine = TestEngine::start_with(|config| {
        config.port = port;
        config.port_fallback = true;
    })
    .await;
    assert!(
        !engine.base.ends_with(&format!(":{port}")),
        "the engine moved off the taken port {port}: {}",
        engine.base
    );
    let health = engine.get_json("/health").await;
    assert_eq!(
        health["status"], "ok",
        "the engine answers on the port it moved to"
    );
    engine.stop().await;
}
