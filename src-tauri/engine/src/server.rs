//! Starting and stopping the engine: open the store, bind the listener, serve, shut down.
//!
//! [`start`] is what the headless binary and the desktop shell both call. [`RunningEngine::stop`]
//! stops accepting connections, lets requests in flight finish, and waits until every queued
//! write is committed, so no acknowledged event is lost on exit.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{self, AppContext};
use crate::config::{Config, Origin};
use crate::demo::{self, RunningDemo};
use crate::gpu::sampler::SamplerTiming;
use crate::gpu::GpuSourceKind;
use crate::gpu::{self, GpuMonitor, GpuOpener, GpuSampler};
use crate::live::LiveBus;
use crate::store::{Store, StoreOptions};
use crate::upstream::{Relay, Upstreams};

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

    /// Serves until Ctrl-C or SIGTERM ([`shutdown_signal`]), then stops cleanly: how a headless
    /// engine runs.
    pub async fn serve_until_signal(mut self) -> anyhow::Result<()> {
        tokio::select! {
            result = self.wait() => result,
            _ = shutdown_signal() => {
                tracing::info!("shutting down");
                self.stop().await
            }
        }
    }
}

/// Opens the store, binds the API, starts the GPU sampler configured by
/// `TELEMETRY_GPU_SOURCE` (the simulated GPU in demo mode, unless that setting says otherwise),
/// and starts serving in a background task.
pub async fn start(mut config: Config) -> anyhow::Result<RunningEngine> {
    if config.demo && config.origin_of("TELEMETRY_GPU_SOURCE") == Some(Origin::Default) {
        config.gpu_source = GpuSourceKind::Simulated;
    }
    let opener = gpu::opener_for(config.gpu_source);
    start_with_gpu(config, opener).await
}

/// [`start`] with the GPU readings coming from `opener` (`None`: no sampling), for tests and
/// embedders that bring their own source.
pub async fn start_with_gpu(
    mut config: Config,
    opener: Option<GpuOpener>,
) -> anyhow::Result<RunningEngine> {
    // The demo binds first, so the upstream settings can point at its ports.
    let demo = match config.demo {
        true => Some(demo::bind(&mut config.upstreams).await?),
        false => None,
    };
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

    let listener = bind(&config).await?;
    let local_addr = listener.local_addr()?;
    log_start(&config, local_addr);
    api::warn_if_not_built(&config.ui_dir).await;

    let upstreams = Upstreams::start(config.upstreams.clone())?;
    let demo = match demo {
        Some(listeners) => Some(listeners.start(
            &config.upstreams,
            &engine_url(local_addr),
            config.api_key.clone(),
        )?),
        None => None,
    };
    let link = Link {
        relay: upstreams.relay.clone(),
        demo,
    };
    let gpu = Arc::new(GpuMonitor::new(config.gpu_source));
    let sampler = start_sampler(&config, opener, &store, gpu.clone()).await?;
    let context = AppContext {
        writer: store.writer.clone(),
        reader: store.reader.clone(),
        rollup: store.rollup.clone(),
        live,
        openapi_json: api::openapi_json(),
        upstreams,
        gpu,
        writer_stats: store.stats.clone(),
        config,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, context, (store, sampler), link, stopped));
    Ok(RunningEngine {
        local_addr,
        stop,
        task,
    })
}

/// Binds the API's listener. When the port is taken and [`Config::port_fallback`] is on, it takes
/// a free port instead and says so: the Kitsu modules posting to the configured port will miss.
async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    let addr = SocketAddr::new(config.host, config.port);
    match TcpListener::bind(addr).await {
        Ok(listener) => Ok(listener),
        Err(error) if error.kind() == ErrorKind::AddrInUse && config.port_fallback => {
            let listener = TcpListener::bind(SocketAddr::new(config.host, 0))
                .await
                .with_context(|| format!("cannot listen on any port of {}", config.host))?;
            tracing::warn!(
                taken = %addr,
                instead = %listener.local_addr()?,
                "api port taken by another program; listening on a free port instead"
            );
            Ok(listener)
        }
        Err(error) => {
            Err(error).with_context(|| format!("cannot listen on {addr} (API_HOST/API_PORT)"))
        }
    }
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM: when a headless engine should stop.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term =
            signal(SignalKind::terminate()).expect("installing a SIGTERM handler succeeds");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Opens the GPU source (on a blocking thread: loading NVML may take a while) and starts the
/// sampler thread. Without a source the engine runs on and says why, once.
async fn start_sampler(
    config: &Config,
    opener: Option<GpuOpener>,
    store: &Store,
    monitor: Arc<GpuMonitor>,
) -> anyhow::Result<Option<GpuSampler>> {
    let Some(opener) = opener else {
        tracing::info!("gpu sampling is off");
        monitor.set_unavailable("GPU sampling is off (TELEMETRY_GPU_SOURCE=off)".into());
        return Ok(None);
    };
    let source = match tokio::task::spawn_blocking(opener).await? {
        Ok(source) => source,
        Err(error) => {
            tracing::warn!(reason = %error, "gpu unavailable; the engine runs without gpu readings");
            monitor.set_unavailable(error.to_string());
            return Ok(None);
        }
    };
    let timing = SamplerTiming {
        fast: config.gpu_interval,
        slow: config.gpu_slow_interval,
    };
    let runtime = tokio::runtime::Handle::current();
    let sampler = GpuSampler::spawn(source, timing, store.writer.clone(), monitor, runtime)
        .context("cannot start the gpu sampler thread")?;
    Ok(Some(sampler))
}

async fn serve(
    listener: TcpListener,
    context: AppContext,
    (store, sampler): (Store, Option<GpuSampler>),
    link: Link,
    stopped: oneshot::Receiver<()>,
) -> anyhow::Result<()> {
    let app = api::router(context);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
    link.stop();
    // The router (and its writer handles) is gone now; the sampler's goes with its thread, and
    // closing the store then joins the writer thread.
    tokio::task::spawn_blocking(move || {
        if let Some(sampler) = sampler {
            sampler.stop();
        }
        store.close();
    })
    .await?;
    tracing::info!("engine stopped; every acknowledged event is committed");
    served.context("the HTTP server failed")
}

/// What runs beside the HTTP server and stops with it.
struct Link {
    relay: Relay,
    demo: Option<RunningDemo>,
}

impl Link {
    fn stop(&self) {
        self.relay.stop();
        if let Some(demo) = &self.demo {
            demo.stop();
        }
    }
}

/// The engine's base URL as a client on this machine calls it: its own address, or loopback
/// when it listens on every interface (`0.0.0.0`, `::`).
///
/// ```
/// use kitsu_telemetry_engine::server::engine_url;
///
/// assert_eq!(engine_url("0.0.0.0:8001".parse().unwrap()), "http://127.0.0.1:8001");
/// assert_eq!(engine_url("[::]:8001".parse().unwrap()), "http://[::1]:8001");
/// assert_eq!(engine_url("127.0.0.1:9".parse().unwrap()), "http://127.0.0.1:9");
/// assert_eq!(engine_url("192.168.1.4:8001".parse().unwrap()), "http://192.168.1.4:8001");
/// ```
pub fn engine_url(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(host, addr.port()))
}

fn log_start(config: &Config, addr: SocketAddr) {
    tracing::info!(
        %addr,
        db = %config.db_path.display(),
        api_key = if config.api_key.is_some() { "required" } else { "off" },
        retention_secs = config.retention_secs.unwrap_or(0),
        gpu = %config.gpu_source,
        settings = %config.describe_origins(),
        "kitsu telemetry listening on http://{addr}"
    );
    tracing::info!(
        orchestrator = %config.upstreams.orchestrator_url,
        stream = %config.upstreams.orchestrator_stream_url,
        control = %config.upstreams.control_url,
        demo = config.demo,
        "upstreams"
    );
    if !config.host.is_loopback() && config.api_key.is_none() {
        tracing::warn!(%addr, "the API is reachable from other machines without a key; set TELEMETRY_API_KEY");
    }
}
