//! Starting and stopping the engine: open the store, bind the listener, serve, shut down.
//!
//! [`start`] is what the headless binary and the desktop shell both call. [`RunningEngine::stop`]
//! stops accepting connections, lets requests in flight finish, and waits until every queued
//! write is committed, so no acknowledged event is lost on exit.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{self, AppContext};
use crate::config::Config;
use crate::live::LiveBus;
use crate::store::{Store, StoreOptions};

/// An engine that is serving. Drop it only after [`RunningEngine::stop`] to close cleanly.
pub struct RunningEngine {
    local_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningEngine {
    /// The address the API listens on (with the real port when the setting was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops serving and waits for the store to commit everything it acknowledged.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("engine task panicked")?
    }

    /// Waits until the server ends on its own (it only does on an error).
    pub async fn wait(&mut self) -> anyhow::Result<()> {
        (&mut self.task).await.context("engine task panicked")?
    }
}

/// Opens the store, binds the API and starts serving in a background task.
pub async fn start(config: Config) -> anyhow::Result<RunningEngine> {
    let live = LiveBus::default();
    let options = StoreOptions {
        synchronous: config.synchronous,
        retention_secs: config.retention_secs,
    };
    let db_path = config.db_path.clone();
    let store_live = live.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&db_path, &options, store_live))
        .await?
        .with_context(|| format!("cannot open the database {}", config.db_path.display()))?;

    let addr = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (API_HOST/API_PORT)"))?;
    let local_addr = listener.local_addr()?;
    log_start(&config, local_addr);
    api::warn_if_not_built(&config.ui_dir).await;

    let context = AppContext {
        writer: store.writer.clone(),
        reader: store.reader.clone(),
        rollup: store.rollup.clone(),
        live,
        openapi_json: api::openapi_json(),
        config,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, context, store, stopped));
    Ok(RunningEngine {
        local_addr,
        stop,
        task,
    })
}

async fn serve(
    listener: TcpListener,
    context: AppContext,
    store: Store,
    stopped: oneshot::Receiver<()>,
) -> anyhow::Result<()> {
    let app = api::router(context);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
    // The router (and its writer handles) is gone now; closing joins the writer thread.
    tokio::task::spawn_blocking(move || store.close()).await?;
    tracing::info!("engine stopped; every acknowledged event is committed");
    served.context("the HTTP server failed")
}

fn log_start(config: &Config, addr: SocketAddr) {
    tracing::info!(
        %addr,
        db = %config.db_path.display(),
        api_key = if config.api_key.is_some() { "required" } else { "off" },
        retention_secs = config.retention_secs.unwrap_or(0),
        settings = %config.describe_origins(),
        "kitsu telemetry listening on http://{addr}"
    );
    if !config.host.is_loopback() && config.api_key.is_none() {
        tracing::warn!(%addr, "the API is reachable from other machines without a key; set TELEMETRY_API_KEY");
    }
}
