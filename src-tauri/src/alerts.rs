//! Desktop notifications when a gate is breached: a GPU running hot, a pipeline stage's p95
//! latency over budget, the orchestrator's stream going offline.
//!
//! [`GateWatch`] decides, from one set of readings at a time, which notifications are due; it is
//! pure, so its tests feed it readings. It notifies on the way into a breach only, and re-arms
//! once the reading is back with some margin (5 °C, 10 % of the budget), so a value hovering
//! at the gate does not flood the desktop. An unknown reading never counts as back to normal.
//! [`watch`] polls the engine's own routes every few seconds and shows what is due.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Deserialize;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

use crate::engine_host::EngineHost;
use crate::settings::DesktopSettings;

/// Time between two looks at the engine.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// The latency window the p95 gate is judged over.
const LATENCY_WINDOW_SECS: u64 = 300;
/// Degrees under the gate a GPU must cool to before it can alert again.
const GPU_REARM_C: f64 = 5.0;
/// Share of the budget a stage's p95 must fall under before it can alert again.
const LATENCY_REARM: f64 = 0.9;

/// What the gates are judged on, from one poll.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readings {
    /// Temperature of each GPU by index (with its name); `None` when the reading failed.
    pub gpus: Vec<(u32, String, Option<f64>)>,
    /// The p95 latency of each pipeline stage over the window, in ms.
    pub stage_p95_ms: Vec<(String, f64)>,
    /// The orchestrator stream relay's state (`connected`, `reconnecting`, `offline`...) and
    /// its last error; `None` when unknown.
    pub relay: Option<(String, Option<String>)>,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Short title.
    pub title: String,
    /// One or two sentences: what, how much, against which gate.
    pub body: String,
}

/// The gates' memory between polls: which breaches were already notified.
#[derive(Debug)]
pub struct GateWatch {
    gpu_temp_c: Option<f64>,
    p95_ms: Option<f64>,
    upstream_offline: bool,
    hot_gpus: BTreeSet<u32>,
    slow_stages: BTreeSet<String>,
    stream_down: bool,
}

impl GateWatch {
    /// A watch with the gates from the settings, nothing breached yet.
    pub fn new(settings: &DesktopSettings) -> Self {
        Self {
            gpu_temp_c: settings.notify_gpu_temp_c,
            p95_ms: settings.notify_p95_ms,
            upstream_offline: settings.notify_upstream_offline,
            hot_gpus: BTreeSet::new(),
            slow_stages: BTreeSet::new(),
            stream_down: false,
        }
    }

    /// Whether any gate is on (with none, there is nothing to poll for).
    pub fn any_gate(&self) -> bool {
        self.gpu_temp_c.is_some() || self.p95_ms.is_some() || self.upstream_offline
    }

    /// The notifications due for these readings.
    pub fn observe(&mut self, readings: &Readings) -> Vec<Alert> {
        let mut alerts = Vec::new();
        if let Some(gate) = self.gpu_temp_c {
            for (index, name, temperature) in &readings.gpus {
                let Some(temperature) = *temperature else {
                    continue;
                };
                if temperature >= gate && self.hot_gpus.insert(*index) {
                    alerts.push(Alert {
                        title: format!("GPU {index} is at {temperature:.0} °C"),
                        body: format!(
                            "{name} reached {temperature:.0} °C; the gate is {gate:.0} °C."
                        ),
                    });
                } else if temperature < gate - GPU_REARM_C {
                    self.hot_gpus.remove(index);
                }
            }
        }
        if let Some(budget) = self.p95_ms {
            let current: BTreeMap<&str, f64> = readings
                .stage_p95_ms
                .iter()
                .map(|(stage, p95)| (stage.as_str(), *p95))
                .collect();
            for (stage, p95) in &current {
                if *p95 > budget && self.slow_stages.insert((*stage).to_owned()) {
                    alerts.push(Alert {
                        title: format!("{stage} latency over budget"),
                        body: format!(
                            "p95 of {stage} is {p95:.0} ms over the last {} minutes; the budget is {budget:.0} ms.",
                            LATENCY_WINDOW_SECS / 60
                        ),
                    });
                } else if *p95 < budget * LATENCY_REARM {
                    self.slow_stages.remove(*stage);
                }
            }
        }
        if self.upstream_offline {
            match readings
                .relay
                .as_ref()
                .map(|(state, error)| (state.as_str(), error))
            {
                Some(("offline", error)) if !self.stream_down => {
                    self.stream_down = true;
                    let why = error.as_deref().unwrap_or("no answer");
                    alerts.push(Alert {
                        title: "Orchestrator offline".into(),
                        body: format!("The orchestrator's live stream is down ({why}); retrying."),
                    });
                }
                Some(("connected", _)) if self.stream_down => {
                    self.stream_down = false;
                    alerts.push(Alert {
                        title: "Orchestrator back online".into(),
                        body: "The orchestrator's live stream is connected again.".into(),
                    });
                }
                _ => {}
            }
        }
        alerts
    }
}

/// Polls the engine and shows a desktop notification for each breach, until the app exits.
pub async fn watch(app: AppHandle, host: std::sync::Arc<EngineHost>, settings: DesktopSettings) {
    let mut gates = GateWatch::new(&settings);
    if !gates.any_gate() {
        tracing::info!("gate notifications are off");
        return;
    }
    let mut ticker = tokio::time::interval(POLL_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        for alert in gates.observe(&read(&host).await) {
            tracing::warn!(title = %alert.title, body = %alert.body, "gate breached");
            let shown = app
                .notification()
                .builder()
                .title(&alert.title)
                .body(&alert.body)
                .show();
            if let Err(error) = shown {
                tracing::warn!(%error, "cannot show a desktop notification");
            }
        }
    }
}

/// One poll of the engine's routes. A route that fails leaves its part empty: unknown, which
/// neither raises nor clears a gate.
async fn read(host: &EngineHost) -> Readings {
    let gpu = get::<GpuStatus>(host, "/gpu/status".into()).await;
    let series = get::<SeriesAnswer>(
        host,
        format!(
            "/metrics/series?type=pipeline.metric&field=latency_ms&window_seconds={w}&bucket_seconds={w}&split_by=stage",
            w = LATENCY_WINDOW_SECS
        ),
    )
    .await;
    let health = get::<Health>(host, "/health".into()).await;
    Readings {
        gpus: gpu
            .map(|status| {
                status
                    .devices
                    .into_iter()
                    .map(|d| (d.index, d.name.unwrap_or_default(), d.temperature_c))
                    .collect()
            })
            .unwrap_or_default(),
        stage_p95_ms: series
            .map(|answer| {
                answer
                    .series
                    .into_iter()
                    .filter_map(|s| {
                        // A window across bucket edges gives two buckets: judge on the worse.
                        let worst = s.buckets.iter().map(|b| b.p95).reduce(f64::max)?;
                        Some((s.key.unwrap_or_else(|| "(no stage)".into()), worst))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        relay: health.map(|h| {
            let relay = h.upstreams.orchestrator.relay;
            (relay.state, relay.last_error)
        }),
    }
}

async fn get<T: serde::de::DeserializeOwned>(host: &EngineHost, path: String) -> Option<T> {
    let answer = async {
        host.request(reqwest::Method::GET, &path)
            .timeout(POLL_EVERY)
            .send()
            .await?
            .error_for_status()?
            .json::<T>()
            .await
    };
    match answer.await {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::debug!(path, %error, "gate poll failed; the reading stays unknown");
            None
        }
    }
}

#[derive(Deserialize)]
struct GpuStatus {
    devices: Vec<GpuDevice>,
}

#[derive(Deserialize)]
struct GpuDevice {
    index: u32,
    name: Option<String>,
    temperature_c: Option<f64>,
}

#[derive(Deserialize)]
struct SeriesAnswer {
    series: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    key: Option<String>,
    buckets: Vec<Bucket>,
}

#[derive(Deserialize)]
struct Bucket {
    p95: f64,
}

#[derive(Deserialize)]
struct Health {
    upstreams: Upstreams,
}

#[derive(Deserialize)]
struct Upstreams {
    orchestrator: Orchestrator,
}

#[derive(Deserialize)]
struct Orchestrator {
    relay: Relay,
}

#[derive(Deserialize)]
struct Relay {
    state: String,
    last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch() -> GateWatch {
        GateWatch::new(&DesktopSettings {
            notify_gpu_temp_c: Some(85.0),
            notify_p95_ms: Some(1800.0),
            notify_upstream_offline: true,
            export_path: None,
        })
    }

    fn gpu(temperature: Option<f64>) -> Readings {
        Readings {
            gpus: vec![(0, "RTX 4090".into(), temperature)],
            ..Readings::default()
        }
    }

    fn relay(state: &str) -> Readings {
        Readings {
            relay: Some((state.into(), Some("connection refused".into()))),
            ..Readings::default()
        }
    }

    #[test]
    fn a_hot_gpu_notifies_once_until_it_cools_below_the_margin() {
        let mut gates = watch();
        let steps = [
            (Some(80.0), 0, "under the gate"),
            (Some(86.0), 1, "crossing the gate"),
            (Some(90.0), 0, "still hot: already told"),
            (None, 0, "a failed reading is unknown, not cool"),
            (Some(82.0), 0, "within the margin: still armed off"),
            (Some(86.0), 0, "back over without having cooled enough"),
            (Some(79.0), 0, "cooled below gate minus margin"),
            (Some(85.0), 1, "at the gate again after cooling"),
        ];
        for (temperature, expected, why) in steps {
            let alerts = gates.observe(&gpu(temperature));
            assert_eq!(alerts.len(), expected, "{why}: {alerts:?}");
        }
    }

    #[test]
    fn a_slow_stage_notifies_with_its_figures() {
        let mut gates = watch();
        let slow = Readings {
            stage_p95_ms: vec![("tts".into(), 2400.0), ("asr".into(), 300.0)],
            ..Readings::default()
        };
        let alerts = gates.observe(&slow);
        assert_eq!(alerts.len(), 1, "only tts is over budget: {alerts:?}");
        assert!(
            alerts[0].body.contains("2400 ms"),
            "the body gives the p95: {:?}",
            alerts[0]
        );
        assert!(
            alerts[0].body.contains("1800 ms"),
            "and the budget: {:?}",
            alerts[0]
        );
        assert!(
            gates.observe(&slow).is_empty(),
            "the same breach is told once"
        );
        let recovered = Readings {
            stage_p95_ms: vec![("tts".into(), 1500.0)],
            ..Readings::default()
        };
        assert!(gates.observe(&recovered).is_empty(), "recovering is quiet");
        assert_eq!(
            gates.observe(&slow).len(),
            1,
            "a new breach after recovering is told"
        );
    }

    #[test]
    fn the_stream_going_offline_and_coming_back_are_both_told() {
        let mut gates = watch();
        assert!(
            gates.observe(&relay("connected")).is_empty(),
            "connected at start: quiet"
        );
        assert!(
            gates.observe(&relay("reconnecting")).is_empty(),
            "a short drop is retried quietly"
        );
        let down = gates.observe(&relay("offline"));
        assert_eq!(down.len(), 1, "offline is told");
        assert!(
            down[0].body.contains("connection refused"),
            "with the reason: {down:?}"
        );
        assert!(gates.observe(&relay("offline")).is_empty(), "once");
        assert!(
            gates.observe(&Readings::default()).is_empty(),
            "an unknown state changes nothing"
        );
        let back = gates.observe(&relay("connected"));
        assert_eq!(back.len(), 1, "coming back is told");
    }

    #[test]
    fn gates_set_to_zero_stay_quiet() {
        let mut gates = GateWatch::new(&DesktopSettings {
            notify_gpu_temp_c: None,
            notify_p95_ms: None,
            notify_upstream_offline: false,
            export_path: None,
        });
        assert!(!gates.any_gate(), "every gate is off");
        let everything_bad = Readings {
            gpus: vec![(0, "GPU".into(), Some(105.0))],
            stage_p95_ms: vec![("llm".into(), 99_999.0)],
            relay: Some(("offline".into(), None)),
        };
        assert!(
            gates.observe(&everything_bad).is_empty(),
            "nothing is told with the gates off"
        );
    }
}
