//! The engine's link to the Kitsu services: the orchestrator's live stream and the HTTP
//! commands of the orchestrator and the control backend.
//!
//! The dashboard never talks to those services itself; the engine does, so their addresses are
//! engine settings and the dashboard has a single origin. This module owns the one upstream
//! WebSocket ([`relay`]), the HTTP client with its timeouts ([`proxy`]), and the pure parsing of
//! upstream frames ([`frames`]), which is kept apart from the I/O so tests can feed it text.

mod connection;
pub mod frames;
pub mod proxy;
pub mod relay;
mod settings;

use std::time::Duration;

pub use proxy::{ProxyError, UpstreamClient, UpstreamReply};
pub use relay::{Relay, RelayState, RelayStatus};
pub use settings::{http_base_url, stream_url, UrlError};

/// Where the Kitsu services are and how patiently the engine talks to them.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// Base URL of the orchestrator's HTTP API (`ORCH_BASE_URL`), without a trailing slash.
    pub orchestrator_url: String,
    /// The orchestrator's `/stream` WebSocket URL (`ORCH_WS_URL` with `/stream` appended).
    pub orchestrator_stream_url: String,
    /// Base URL of the control backend (`CONTROL_BASE_URL`), without a trailing slash.
    pub control_url: String,
    /// Sent as `Authorization: Bearer <key>` to both services when set (`ORCHESTRATOR_API_KEY`).
    pub orchestrator_api_key: Option<String>,
    /// Timeouts of every proxied HTTP call.
    pub timeouts: ProxyTimeouts,
    /// How the relay waits between reconnection attempts.
    pub backoff: RelayBackoff,
}

impl UpstreamSettings {
    /// Settings pointing at the given HTTP base URLs, the stream URL derived from the
    /// orchestrator's, with the default timeouts and backoff and no key.
    ///
    /// ```
    /// use kitsu_telemetry_engine::upstream::UpstreamSettings;
    ///
    /// let settings = UpstreamSettings::new("http://127.0.0.1:8000/", "http://127.0.0.1:8100");
    /// assert_eq!(settings.orchestrator_stream_url, "ws://127.0.0.1:8000/stream");
    /// ```
    pub fn new(orchestrator_url: &str, control_url: &str) -> Self {
        let orchestrator_url = orchestrator_url.trim_end_matches('/').to_string();
        UpstreamSettings {
            orchestrator_stream_url: stream_url(&orchestrator_url, None)
                .unwrap_or_else(|_| format!("{orchestrator_url}/stream")),
            orchestrator_url,
            control_url: control_url.trim_end_matches('/').to_string(),
            orchestrator_api_key: None,
            timeouts: ProxyTimeouts::default(),
            backoff: RelayBackoff::default(),
        }
    }
}

/// Limits on one proxied HTTP call.
#[derive(Debug, Clone, Copy)]
pub struct ProxyTimeouts {
    /// Longest wait for the TCP connection (5 s by default).
    pub connect: Duration,
    /// Longest wait for the whole exchange, body included (10 s by default).
    pub total: Duration,
}

impl Default for ProxyTimeouts {
    fn default() -> Self {
        ProxyTimeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(10),
        }
    }
}

/// The relay's reconnection delays: `initial`, doubling after each failure, never above `max`.
#[derive(Debug, Clone, Copy)]
pub struct RelayBackoff {
    /// Delay before the first retry (0.5 s by default).
    pub initial: Duration,
    /// Largest delay (10 s by default); reaching it marks the relay `offline`.
    pub max: Duration,
}

impl Default for RelayBackoff {
    fn default() -> Self {
        RelayBackoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(10),
        }
    }
}

impl RelayBackoff {
    /// The delay before retry number `attempt` (1 for the first retry).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kitsu_telemetry_engine::upstream::RelayBackoff;
    ///
    /// let backoff = RelayBackoff::default();
    /// assert_eq!(backoff.delay(1), Duration::from_millis(500));
    /// assert_eq!(backoff.delay(3), Duration::from_secs(2));
    /// assert_eq!(backoff.delay(40), Duration::from_secs(10));
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// The running link to both services: their HTTP clients and the stream relay.
#[derive(Clone)]
pub struct Upstreams {
    /// The settings the link was started with.
    pub settings: UpstreamSettings,
    /// HTTP client of the orchestrator.
    pub orchestrator: UpstreamClient,
    /// HTTP client of the control backend.
    pub control: UpstreamClient,
    /// The orchestrator's stream, relayed.
    pub relay: Relay,
}

impl Upstreams {
    /// Builds both clients and starts the relay (needs a tokio runtime). Fails only if the
    /// HTTP client cannot be built.
    pub fn start(settings: UpstreamSettings) -> Result<Self, ProxyError> {
        let key = settings.orchestrator_api_key.clone();
        let orchestrator = UpstreamClient::new(
            "orchestrator",
            &settings.orchestrator_url,
            key.clone(),
            settings.timeouts,
        )?;
        let control = UpstreamClient::new(
            "control backend",
            &settings.control_url,
            key,
            settings.timeouts,
        )?;
        let relay = Relay::start(&settings);
        Ok(Upstreams {
            settings,
            orchestrator,
            control,
            relay,
        })
    }
}
