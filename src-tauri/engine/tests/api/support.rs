//! Starting an engine for one test, and small request helpers.

use kitsu_telemetry_engine::{Config, RunningEngine};
use reqwest::{Client, Response};
use serde_json::Value;
use tempfile::TempDir;

pub struct TestEngine {
    pub base: String,
    pub client: Client,
    engine: RunningEngine,
    _dir: TempDir,
}

impl TestEngine {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts an engine on a fresh database after `adjust` has changed its settings.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder can be created");
        Self::start_in(dir, adjust).await
    }

    /// Starts an engine over the database file in `dir`, which may already hold events.
    pub async fn start_in(dir: TempDir, adjust: impl FnOnce(&mut Config)) -> Self {
        let db_path = dir.path().join("telemetry.db");
        let mut config = Config::for_db(&db_path);
        config.log_root = dir.path().join("logs");
        adjust(&mut config);
        let engine = kitsu_telemetry_engine::start(config)
            .await
            .expect("the engine starts");
        TestEngine {
            base: format!("http://{}", engine.local_addr()),
            client: Client::new(),
            engine,
            _dir: dir,
        }
    }

    /// Stops the engine cleanly and hands back its folder, to restart over the same database.
    pub async fn stop(self) -> TempDir {
        self.engine.stop().await.expect("the engine stops cleanly");
        self._dir
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the request reaches the engine")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the request reaches the engine")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path} must succeed");
        response.json().await.expect("the answer is JSON")
    }

    /// Every stored event id, walking the whole history newest-first.
    pub async fn all_ids(&self) -> Vec<i64> {
        let mut ids = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = self.get_json(&format!("/events?limit=500{cursor}")).await;
            let page = page.as_array().expect("a listing is an array").clone();
            if page.is_empty() {
                return ids;
            }
            ids.extend(
                page.iter()
                    .map(|e| e["id"].as_i64().expect("every event has an id")),
            );
            cursor = format!("&before_id={}", ids.last().unwrap());
        }
    }
}

/// The `detail` of an error answer, after checking its status.
pub async fn detail_of(response: Response, status: u16) -> String {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.expect("errors are JSON");
    body["detail"]
        .as_str()
        .expect("errors carry a detail")
        .to_string()
}

/// An ISO-8601 time `secs_ago` seconds before now, written with the given UTC offset in hours.
pub fn iso_ago(secs_ago: i64, offset_hours: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_hours * 3600).unwrap();
    (chrono::Utc::now() - chrono::Duration::seconds(secs_ago))
        .with_timezone(&offset)
        .to_rfc3339()
}
