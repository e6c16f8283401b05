//! A simulated Kitsu stack inside the engine, for a dashboard that is alive with nothing else
//! installed (`kitsu-telemetry serve --demo` or `TELEMETRY_DEMO=1`).
//!
//! It runs a simulated orchestrator and control backend, each on its own loopback port, speaking
//! the real services' protocols; the engine's upstream settings are pointed at them, so the relay
//! and the proxy under test are the real ones. Like the real orchestrator, the simulated one
//! stores its events through the engine's `/events`. Nothing of it runs unless asked for.

mod commands;
mod control;
pub mod forward;
mod orchestrator;
pub mod scenario;
pub mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::upstream::{stream_url, UpstreamClient, UpstreamSettings};
use forward::EngineLink;
use orchestrator::SimOrchestrator;

/// The demo's two listeners, bound before the engine so its settings can point at them.
pub struct DemoListeners {
    orchestrator: TcpListener,
    control: TcpListener,
}

/// The running demo; [`RunningDemo::stop`] ends its servers and loops.
pub struct RunningDemo {
    stop: watch::Sender<bool>,
}

/// Binds the simulated services on free loopback ports and points `settings` at them.
pub async fn bind(settings: &mut UpstreamSettings) -> anyhow::Result<DemoListeners> {
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let orchestrator = TcpListener::bind(loopback)
        .await
        .context("cannot bind the demo orchestrator")?;
    let control = TcpListener::bind(loopback)
        .await
        .context("cannot bind the demo control backend")?;
    settings.orchestrator_url = format!("http://{}", orchestrator.local_addr()?);
    settings.orchestrator_stream_url = stream_url(&settings.orchestrator_url, None)?;
    settings.control_url = format!("http://{}", control.local_addr()?);
    Ok(DemoListeners {
        orchestrator,
        control,
    })
}

impl DemoListeners {
    /// Starts serving and simulating. The orchestrator stores its events in the engine at
    /// `engine_url` (with `engine_key` as `X-API-KEY`) and, like the real one, requires
    /// `settings`' orchestrator key as a bearer token when one is set.
    pub fn start(
        self,
        settings: &UpstreamSettings,
        engine_url: &str,
        engine_key: Option<String>,
    ) -> anyhow::Result<RunningDemo> {
        let (stop, stopped) = watch::channel(false);
        let sim = SimOrchestrator::new(settings.orchestrator_api_key.clone());
        let engine = Arc::new(EngineLink::new(engine_url, engine_key));
        let control = Arc::new(control::SimControl {
            orchestrator: UpstreamClient::new(
                "orchestrator",
                &settings.orchestrator_url,
                settings.orchestrator_api_key.clone(),
                settings.timeouts,
            )?,
            engine: engine.clone(),
            llm_running: AtomicBool::new(true),
        });

        let orchestrator_app = orchestrator::router(sim.clone(), stopped.clone());
        tokio::spawn(serve(self.orchestrator, orchestrator_app, stopped.clone()));
        tokio::spawn(serve(
            self.control,
            control::router(control),
            stopped.clone(),
        ));
        tokio::spawn(scenario::send_statuses(sim.clone(), stopped.clone()));
        tokio::spawn(scenario::play(sim.clone(), stopped.clone()));
        tokio::spawn(forward::forward_stream(
            sim,
            engine.clone(),
            stopped.clone(),
        ));
        tokio::spawn(forward::send_soak_results(engine, stopped));
        tracing::info!(
            orchestrator = %settings.orchestrator_url,
            control = %settings.control_url,
            "demo stack running"
        );
        Ok(RunningDemo { stop })
    }
}

impl RunningDemo {
    /// Stops the simulated services and their loops.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }
}

async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let shutdown = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::warn!(%error, "a demo server failed");
    }
}
