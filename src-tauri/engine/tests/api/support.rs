//! Starting an engine for one test, and small request helpers.

use kitsu_telemetry_engine::gpu::{GpuOpener, GpuSourceKind};
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

    /// Starts an engine over the database file in `dir`, which may already hold events. GPU
    /// sampling is off unless `adjust` turns it on, so a test machine's real GPU adds nothing.
    pub async fn start_in(dir: TempDir, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Self::config_in(&dir);
        adjust(&mut config);
        let engine = kitsu_telemetry_engine::start(config)
            .await
            .expect("the engine starts");
        Self::around(engine, dir)
    }

    /// Starts an engine whose GPU readings come from `opener` (a fake), after `adjust`.
    pub async fn start_with_gpu(opener: GpuOpener, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder can be created");
        let mut config = Self::config_in(&dir);
        config.gpu_source = GpuSourceKind::Nvml;
        adjust(&mut config);
        let engine = kitsu_telemetry_engine::start_with_gpu(config, Some(opener))
            .await
            .expect("the engine starts");
        Self::around(engine, dir)
    }

    fn config_in(dir: &TempDir) -> Config {
        let mut config = Config::for_db(dir.path().join("telemetry.db"));
        config.log_root = dir.path().join("logs");
        config.gpu_source = GpuSourceKind::Off;
        config
    }

    fn around(engine: RunningEngine, dir: TempDir) -> Self {
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

/// A WebSocket client of the engine.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Longest a test waits for one stream message before it fails.
pub const STREAM_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

impl TestEngine {
    /// Opens `GET /events/stream{query}` as a WebSocket.
    pub async fn stream(&self, query: &str) -> Ws {
        let url = format!(
            "{}/events/stream{query}",
            self.base.replace("http://", "ws://")
        );
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the stream accepts the WebSocket");
        ws
    }
}

/// The next text message of `ws`, as JSON; fails the test after [`STREAM_WAIT`].
pub async fn next_json(ws: &mut Ws) -> Value {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let read = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(&text).expect("stream messages are JSON")
                }
                Some(Ok(_)) => continue,
                other => panic!("the stream ended early: {other:?}"),
            }
        }
    };
    tokio::time::timeout(STREAM_WAIT, read)
        .await
        .expect("a stream message arrives in time")
}
