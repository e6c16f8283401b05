//! The sampling thread: read the GPU on two tiers and store each reading as an event.
//!
//! It owns the [`GpuSource`] on a dedicated std thread, because driver calls block and serialise
//! on the driver lock. Every fast tick it reads the cheap tier and, when due, the slow tier, and
//! appends one `hardware.gpu` event per device (source `telemetry.gpu`) through the same
//! [`EventWriter`] as ingested events, so they reach SQLite, the rollup and the live bus alike.
//! A failing device is warned about once and then counted; a failing source marks the GPU
//! unavailable until it reads again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::{FastReading, GpuMonitor, GpuProcess, GpuSource, SlowReading};
use crate::ingest::NewEvent;
use crate::metrics::MetricFields;
use crate::store::EventWriter;
use crate::time::{self, Micros};

/// The event type of every reading.
pub const GPU_EVENT_TYPE: &str = "hardware.gpu";
/// The source of every reading.
pub const GPU_EVENT_SOURCE: &str = "telemetry.gpu";

/// Each device's process list from one slow reading, by device index; `None` where unreadable.
type ProcessLists = BTreeMap<u32, Option<Vec<GpuProcess>>>;

/// Reads a source and turns each reading into events; the thread around it only keeps time.
pub struct Sampler {
    source: Box<dyn GpuSource>,
    monitor: Arc<GpuMonitor>,
    fans: BTreeMap<u32, Option<f64>>,
    warned_devices: BTreeSet<u32>,
    source_failing: bool,
}

impl Sampler {
    /// A sampler over an opened source, reporting to `monitor`.
    pub fn new(source: Box<dyn GpuSource>, monitor: Arc<GpuMonitor>) -> Self {
        monitor.set_source(source.kind());
        Sampler {
            source,
            monitor,
            fans: BTreeMap::new(),
            warned_devices: BTreeSet::new(),
            source_failing: false,
        }
    }

    /// Takes one reading (with the slow tier when `slow`) stamped `ts`, updates the monitor,
    /// and returns the events to store: one per device, none when the source failed.
    pub fn sample(&mut self, slow: bool, ts: Micros) -> Vec<NewEvent> {
        let fast = match self.source.read_fast(self.monitor.calls()) {
            Ok(readings) => readings,
            Err(error) => {
                self.source_failed(error.to_string());
                return Vec::new();
            }
        };
        if fast.is_empty() {
            self.source_failed("the driver reports no GPU".into());
            return Vec::new();
        }
        let processes = if slow { self.read_slow() } else { None };
        self.source_recovered();
        let payloads: Vec<Map<String, Value>> = fast
            .iter()
            .map(|reading| self.payload(reading, processes.as_ref()))
            .collect();
        let all_processes =
            processes.map(|by_device| by_device.into_values().flatten().flatten().collect());
        self.monitor
            .record_sample(status_devices(&payloads), all_processes, ts);
        payloads.into_iter().map(|p| gpu_event(p, ts)).collect()
    }

    /// Reads the slow tier, remembers fan speeds, and returns each device's process list
    /// (`None` for a device whose list could not be read).
    fn read_slow(&mut self) -> Option<ProcessLists> {
        match self.source.read_slow(self.monitor.calls()) {
            Ok(readings) => Some(readings.into_iter().map(|r| self.remember(r)).collect()),
            Err(error) => {
                tracing::debug!(%error, "slow gpu reading failed; fan and processes unknown");
                self.fans.values_mut().for_each(|fan| *fan = None);
                None
            }
        }
    }

    fn remember(&mut self, reading: SlowReading) -> (u32, Option<Vec<GpuProcess>>) {
        self.fans.insert(reading.index, reading.fan_speed_pct);
        (reading.index, reading.processes)
    }

    fn payload(
        &mut self,
        reading: &FastReading,
        processes: Option<&ProcessLists>,
    ) -> Map<String, Value> {
        if let Some(error) = &reading.device_error {
            self.device_failed(reading.index, error);
        }
        let fan = self.fans.get(&reading.index).copied().flatten();
        let mut payload = device_payload(reading, fan);
        if let Some(by_device) = processes {
            let own = by_device.get(&reading.index).and_then(Option::as_ref);
            payload.insert("processes".into(), json!(own));
        }
        payload
    }

    fn device_failed(&mut self, index: u32, error: &str) {
        let failures = self.monitor.count_device_failure(index);
        if self.warned_devices.insert(index) {
            tracing::warn!(device = index, %error, "gpu device cannot be read; counting further failures");
        } else {
            tracing::trace!(device = index, failures, %error, "gpu device read failed again");
        }
    }

    fn source_failed(&mut self, reason: String) {
        if !self.source_failing {
            tracing::warn!(%reason, "gpu readings failed; the gpu is shown as unavailable");
        }
        self.source_failing = true;
        self.monitor.set_unavailable(reason);
    }

    fn source_recovered(&mut self) {
        if self.source_failing {
            tracing::info!("gpu readings are back");
        }
        self.source_failing = false;
    }
}

/// The payloads as `/gpu/status` lists them: the process list is shown once, beside them.
fn status_devices(payloads: &[Map<String, Value>]) -> Vec<Map<String, Value>> {
    payloads
        .iter()
        .map(|payload| {
            let mut device = payload.clone();
            device.remove("processes");
            device
        })
        .collect()
}

/// The `hardware.gpu` payload of one device: the contract's fields, `null` where unknown.
pub fn device_payload(r: &FastReading, fan_speed_pct: Option<f64>) -> Map<String, Value> {
    let memory_pct = match (r.memory_used_mb, r.memory_total_mb) {
        (Some(used), Some(total)) if total > 0.0 => Some(used / total * 100.0),
        _ => None,
    };
    let number = |v: Option<f64>| v.map_or(Value::Null, |v| json!(round2(v)));
    let fields = [
        ("index", json!(r.index)),
        ("name", json!(r.name)),
        ("temperature_c", number(r.temperature_c)),
        ("utilization_pct", number(r.utilization_pct)),
        ("memory_used_mb", number(r.memory_used_mb)),
        ("memory_total_mb", number(r.memory_total_mb)),
        ("memory_free_mb", number(r.memory_free_mb)),
        ("memory_pct", number(memory_pct)),
        ("fan_speed_pct", number(fan_speed_pct)),
        ("power_w", number(r.power_w)),
        ("encoder_pct", number(r.encoder_pct)),
        ("decoder_pct", number(r.decoder_pct)),
        ("power_limit_w", number(r.power_limit_w)),
        ("clock_graphics_mhz", number(r.clock_graphics_mhz)),
        ("clock_memory_mhz", number(r.clock_memory_mhz)),
        ("throttle_reasons", json!(r.throttle_reasons)),
    ];
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn gpu_event(payload: Map<String, Value>, ts: Micros) -> NewEvent {
    NewEvent {
        event_type: GPU_EVENT_TYPE.into(),
        ts,
        source: Some(GPU_EVENT_SOURCE.into()),
        metric_fields: MetricFields::from_payload(&payload).with_source(Some(GPU_EVENT_SOURCE)),
        payload_json: Value::Object(payload).to_string(),
    }
}

/// How often each tier is read.
#[derive(Debug, Clone, Copy)]
pub struct SamplerTiming {
    /// Between cheap readings (and events).
    pub fast: Duration,
    /// Between expensive readings.
    pub slow: Duration,
}

/// The running sampler thread.
pub struct GpuSampler {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl GpuSampler {
    /// Starts the thread over an opened source; it samples until [`GpuSampler::stop`]. Events
    /// are appended through `writer` from `runtime`.
    pub fn spawn(
        source: Box<dyn GpuSource>,
        timing: SamplerTiming,
        writer: EventWriter,
        monitor: Arc<GpuMonitor>,
        runtime: tokio::runtime::Handle,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel();
        let sampler = Sampler::new(source, monitor);
        let thread = std::thread::Builder::new()
            .name("kitsu-gpu-sampler".into())
            .spawn(move || run(sampler, timing, &writer, &runtime, &stopped))?;
        Ok(GpuSampler { stop, thread })
    }

    /// Stops the thread and waits for it, so its writer handle is gone before the store closes.
    pub fn stop(self) {
        drop(self.stop);
        if self.thread.join().is_err() {
            tracing::error!("gpu sampler thread panicked");
        }
    }
}

fn run(
    mut sampler: Sampler,
    timing: SamplerTiming,
    writer: &EventWriter,
    runtime: &tokio::runtime::Handle,
    stopped: &mpsc::Receiver<()>,
) {
    let mut next_slow = Instant::now();
    loop {
        let tick = Instant::now();
        let slow = tick >= next_slow;
        if slow {
            next_slow = tick + timing.slow;
        }
        let events = sampler.sample(slow, time::now_micros());
        if !events.is_empty() {
            if let Err(error) = runtime.block_on(writer.append(events)) {
                tracing::warn!(%error, "gpu reading not stored");
            }
        }
        let wait = timing.fast.saturating_sub(tick.elapsed());
        if stopped.recv_timeout(wait) != Err(mpsc::RecvTimeoutError::Timeout) {
            break;
        }
    }
    tracing::debug!("gpu sampler stopped");
}

#[cfg(test)]
#[path = "sampler_tests.rs"]
mod tests;
