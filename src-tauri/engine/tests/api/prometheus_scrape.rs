//! A real Prometheus server scrapes the engine once, and the value comes back through its
//! query API: proof that a user's existing Prometheus can read us. Skips where the
//! `prometheus` binary is missing, but fails under CI.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::TestEngine;

/// Longest the test waits for the first scrape to be queryable.
const SCRAPE_WAIT: Duration = Duration::from_secs(60);
/// Pause between two queries while waiting; Prometheus offers no push notification.
const POLL_PAUSE: Duration = Duration::from_millis(250);

fn prometheus_available() -> bool {
    let found = std::process::Command::new("prometheus")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("prometheus is missing; CI must install the prometheus package (.ci/setup)");
    }
    found
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("an ephemeral port is free")
        .port()
}

/// Starts Prometheus scraping `target` every second, with its storage in `dir`.
fn start_prometheus(dir: &TempDir, target: &str, port: u16) -> tokio::process::Child {
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: kitsu\n    static_configs:\n      - targets: ['{target}']\n"
    );
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).expect("the scrape config can be written");
    tokio::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("prometheus starts")
}

/// The value of `query`'s first result, once Prometheus has one.
async fn first_value(client: &reqwest::Client, api: &str, query: &str) -> Option<f64> {
    let answer: Value = client
        .get(format!("{api}/api/v1/query"))
        .query(&[("query", query)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    answer["data"]["result"][0]["value"][1]
        .as_str()?
        .parse()
        .ok()
}

#[tokio::test]
async fn a_real_prometheus_scrapes_the_engine_and_answers_a_query() {
    if !prometheus_available() {
        return;
    }
    let engine = TestEngine::start().await;
    let events: Vec<Value> = (0..7)
        .map(|i| json!({"type": "scrape.check", "payload": {"i": i}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(events)).await.status(),
        200
    );
    let dir = tempfile::tempdir().expect("a temporary folder can be created");
    let port = free_port();
    let target = engine.base.trim_start_matches("http://").to_string();
    let mut prometheus = start_prometheus(&dir, &target, port);

    let api = format!("http://127.0.0.1:{port}");
    let query = r#"kitsu_events_ingested_total{type="scrape.check",job="kitsu"}"#;
    let wait = async {
        loop {
            if let Some(value) = first_value(&engine.client, &api, query).await {
                return value;
            }
            tokio::time::sleep(POLL_PAUSE).await;
        }
    };
    let value = tokio::time::timeout(SCRAPE_WAIT, wait).await;
    let _ = prometheus.kill().await;

    assert_eq!(
        value.ok(),
        Some(7.0),
        "Prometheus stored the engine's counter after one scrape"
    );
}
