//! The engine inside the app: its settings, its start on Tauri's runtime and its clean stop.
//!
//! The app reads the same settings and `.env` as the headless `kitsu-telemetry serve`, with two
//! desktop defaults: the database lives in the app's data folder unless `TELEMETRY_DB_PATH` says
//! otherwise (a desktop app has no meaningful working directory), and a taken port falls back to
//! a free one, which the window and the log both report.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context;
use kitsu_telemetry_engine::config::Origin;
use kitsu_telemetry_engine::server::engine_url;
use kitsu_telemetry_engine::{Config, RunningEngine};

/// Origins of the bundled dashboard in the window: `tauri://localhost` on Linux and macOS,
/// `http(s)://tauri.localhost` on Windows. The page calls the engine on loopback from there.
pub const WINDOW_ORIGINS: &[&str] = &[
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// The engine's settings for the desktop app (see the module docs for what differs).
pub fn engine_config(identifier: &str) -> anyhow::Result<Config> {
    let mut config = Config::from_env()?;
    if config.origin_of("TELEMETRY_DB_PATH") == Some(Origin::Default) {
        config.db_path = app_data_dir(identifier)?.join("telemetry.db");
    }
    for origin in WINDOW_ORIGINS {
        config.allowed_origins.push((*origin).to_owned());
    }
    config.port_fallback = true;
    Ok(config)
}

/// The app's data folder, as Tauri resolves it (`~/.local/share/<identifier>` on Linux), created
/// if missing.
pub fn app_data_dir(identifier: &str) -> anyhow::Result<PathBuf> {
    let dir = dirs::data_dir()
        .context("cannot find the user's data folder (is HOME set?)")?
        .join(identifier);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// The running engine, shared with commands, the tray and the alert watcher as Tauri state.
pub struct EngineHost {
    base_url: String,
    port: u16,
    requested_port: u16,
    api_key: Option<String>,
    http: reqwest::Client,
    engine: Mutex<Option<RunningEngine>>,
}

impl EngineHost {
    /// Starts the engine on the current (Tauri) runtime.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let requested_port = config.port;
        let api_key = config.api_key.clone();
        let engine = kitsu_telemetry_engine::start(config).await?;
        Ok(Self {
            base_url: engine_url(engine.local_addr()),
            port: engine.local_addr().port(),
            requested_port,
            api_key,
            http: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(5))
                .build()
                .context("cannot build the HTTP client")?,
            engine: Mutex::new(Some(engine)),
        })
    }

    /// The engine's base URL, e.g. `http://127.0.0.1:8001`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API key the page and the shell send, if one is set.
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The configured port when the engine had to listen elsewhere because it was taken.
    pub fn port_taken(&self) -> Option<u16> {
        (self.requested_port != 0 && self.requested_port != self.port)
            .then_some(self.requested_port)
    }

    /// A request to the engine's `path` (with the key), for the shell's own calls.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base_url()));
        match &self.api_key {
            Some(key) => request.header("X-API-KEY", key),
            None => request,
        }
    }

    /// Stops the engine and waits until every acknowledged event is committed. Called once, when
    /// the app exits; later calls do nothing.
    pub async fn stop(&self) {
        let engine = self
            .engine
            .lock()
            .expect("the engine slot is never poisoned: nothing panics while holding it")
            .take();
        if let Some(engine) = engine {
            if let Err(error) = engine.stop().await {
                tracing::error!(error = format!("{error:#}"), "engine did not stop cleanly");
            }
        }
    }
}
