//! What the sampler last saw, shared with the routes: availability, the latest payloads, the
//! process list, failure counts and how long each driver call took.
//!
//! The sampler thread writes it; `/gpu/status`, `/health` and `/metrics` read it. Locks are std
//! locks held only to copy a few values, never across an await.

use std::collections::BTreeMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{GpuProcess, GpuSourceKind};
use crate::time::{self, Micros};

/// The answer of `GET /gpu/status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GpuStatus {
    /// Whether GPU readings are coming in.
    pub available: bool,
    /// Why they are not (no driver, sampling off, ...); `null` while available.
    pub reason: Option<String>,
    /// `nvml`, `simulated` or `off` (`fake` in tests).
    pub source: String,
    /// Time of the latest reading, ISO-8601 UTC.
    pub sampled_at: Option<String>,
    /// The latest `hardware.gpu` payload of each device.
    #[schema(value_type = Vec<Object>)]
    pub devices: Vec<Map<String, Value>>,
    /// Processes holding GPU memory, from the latest slow-tier reading.
    pub processes: Vec<GpuProcess>,
}

/// The GPU part of `GET /health`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GpuHealth {
    /// Whether GPU readings are coming in.
    pub available: bool,
    /// Why they are not; `null` while available.
    pub reason: Option<String>,
}

/// Count, failures and total time of one kind of driver call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallStat {
    /// Calls made.
    pub count: u64,
    /// Calls that returned an error.
    pub errors: u64,
    /// Time spent in them, in seconds.
    pub seconds: f64,
}

/// Timing of every driver call, by call name (`temperature`, `memory_info`, ...).
#[derive(Debug, Default)]
pub struct CallStats {
    calls: Mutex<BTreeMap<&'static str, CallStat>>,
}

impl CallStats {
    /// Runs `call`, recording its duration and whether it failed under `name`.
    ///
    /// ```
    /// use kitsu_telemetry_engine::gpu::CallStats;
    /// let stats = CallStats::default();
    /// let reading: Result<u32, &str> = stats.time("temperature", || Ok(61));
    /// assert_eq!(reading, Ok(61));
    /// assert_eq!(stats.snapshot()[0].1.count, 1);
    /// ```
    pub fn time<T, E>(
        &self,
        name: &'static str,
        call: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = call();
        self.record(name, started.elapsed(), result.is_err());
        result
    }

    /// Records one call made elsewhere.
    pub fn record(&self, name: &'static str, elapsed: Duration, failed: bool) {
        if let Ok(mut calls) = self.calls.lock() {
            let stat = calls.entry(name).or_default();
            stat.count += 1;
            stat.errors += u64::from(failed);
            stat.seconds += elapsed.as_secs_f64();
        }
    }

    /// Every call name with its totals, sorted by name.
    pub fn snapshot(&self) -> Vec<(&'static str, CallStat)> {
        self.calls
            .lock()
            .map(|calls| calls.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default()
    }
}

/// The sampler's shared state.
#[derive(Debug)]
pub struct GpuMonitor {
    status: RwLock<GpuStatus>,
    calls: CallStats,
    device_failures: Mutex<BTreeMap<u32, u64>>,
}

impl GpuMonitor {
    /// A monitor that has seen nothing yet; with `off` it says so for good.
    pub fn new(kind: GpuSourceKind) -> Self {
        let reason = match kind {
            GpuSourceKind::Off => "GPU sampling is off (TELEMETRY_GPU_SOURCE=off)",
            _ => "waiting for the first GPU reading",
        };
        GpuMonitor {
            status: RwLock::new(GpuStatus {
                available: false,
                reason: Some(reason.into()),
                source: kind.as_str().into(),
                sampled_at: None,
                devices: Vec::new(),
                processes: Vec::new(),
            }),
            calls: CallStats::default(),
            device_failures: Mutex::default(),
        }
    }

    /// Driver call timings.
    pub fn calls(&self) -> &CallStats {
        &self.calls
    }

    /// A copy of the current status.
    pub fn status(&self) -> GpuStatus {
        self.status
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Availability and reason only.
    pub fn health(&self) -> GpuHealth {
        let status = self.status.read().unwrap_or_else(|p| p.into_inner());
        GpuHealth {
            available: status.available,
            reason: status.reason.clone(),
        }
    }

    /// Names the source that is now running.
    pub fn set_source(&self, kind: &str) {
        self.update(|status| status.source = kind.to_string());
    }

    /// Marks the GPU unavailable, keeping the last readings for reference.
    pub fn set_unavailable(&self, reason: String) {
        self.update(|status| {
            status.available = false;
            status.reason = Some(reason);
        });
    }

    /// Stores the latest payloads; `processes` replaces the list when a slow reading gave one.
    pub fn record_sample(
        &self,
        devices: Vec<Map<String, Value>>,
        processes: Option<Vec<GpuProcess>>,
        sampled_at: Micros,
    ) {
        self.update(|status| {
            status.available = true;
            status.reason = None;
            status.sampled_at = Some(time::format_time(sampled_at));
            status.devices = devices;
            if let Some(processes) = processes {
                status.processes = processes;
            }
        });
    }

    /// Counts one failed read of device `index` and returns how many there were so far.
    pub fn count_device_failure(&self, index: u32) -> u64 {
        let mut failures = self
            .device_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let count = failures.entry(index).or_default();
        *count += 1;
        *count
    }

    /// Failed device reads by device index.
    pub fn device_failures(&self) -> Vec<(u32, u64)> {
        let failures = self
            .device_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        failures.iter().map(|(k, v)| (*k, *v)).collect()
    }

    fn update(&self, change: impl FnOnce(&mut GpuStatus)) {
        let mut status = self.status.write().unwrap_or_else(|p| p.into_inner());
        change(&mut status);
    }
}
