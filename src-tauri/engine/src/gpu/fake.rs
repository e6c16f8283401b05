//! A scripted GPU for tests: it answers what the test sets, and fails when told to.
//!
//! Clones share one script, so a test keeps one handle and gives the engine another, then
//! changes the readings, makes single fields fail (they read as `None`, as a refused NVML call
//! would) or makes the whole source fail, while the sampler runs.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{CallStats, FastReading, GpuError, GpuOpener, GpuProcess, GpuSource, SlowReading};

#[derive(Debug, Default)]
struct Script {
    fast: Vec<FastReading>,
    slow: Vec<SlowReading>,
    failing_fields: Vec<String>,
    source_failure: Option<GpuError>,
    fast_reads: u64,
    slow_reads: u64,
}

/// A scripted source. Every clone shares the same script.
#[derive(Debug, Clone, Default)]
pub struct FakeGpu {
    script: Arc<Mutex<Script>>,
}

impl FakeGpu {
    /// One RTX 4080 at 64 °C, 37 % load, 6 of 16 GiB used, 182 of 320 W, with OBS on it.
    pub fn rtx_4080() -> Self {
        let fake = FakeGpu::default();
        fake.set_fast(vec![FastReading {
            index: 0,
            device_error: None,
            name: Some("NVIDIA GeForce RTX 4080".into()),
            temperature_c: Some(64.0),
            utilization_pct: Some(37.0),
            memory_used_mb: Some(6144.0),
            memory_total_mb: Some(16384.0),
            memory_free_mb: Some(10240.0),
            power_w: Some(182.5),
            power_limit_w: Some(320.0),
            encoder_pct: Some(12.0),
            decoder_pct: Some(0.0),
            clock_graphics_mhz: Some(2505.0),
            clock_memory_mhz: Some(11201.0),
            throttle_reasons: Some(vec![]),
        }]);
        fake.set_slow(vec![SlowReading {
            index: 0,
            fan_speed_pct: Some(41.0),
            processes: Some(vec![GpuProcess {
                gpu_index: 0,
                pid: 4242,
                name: Some("obs".into()),
                used_memory_mb: Some(512.0),
            }]),
        }]);
        fake
    }

    /// An opener handing the engine a clone of this fake.
    pub fn opener(&self) -> GpuOpener {
        let fake = self.clone();
        Box::new(move || Ok(Box::new(fake) as Box<dyn GpuSource>))
    }

    /// An opener that fails the way a machine without NVML does.
    pub fn missing_opener(reason: &str) -> GpuOpener {
        let error = GpuError::LibraryMissing(reason.to_string());
        Box::new(move || Err(error))
    }

    /// Replaces the cheap readings.
    pub fn set_fast(&self, readings: Vec<FastReading>) {
        self.script().fast = readings;
    }

    /// Replaces the expensive readings.
    pub fn set_slow(&self, readings: Vec<SlowReading>) {
        self.script().slow = readings;
    }

    /// Makes one field (by its payload name, such as `power_w`) read as `None` on every device.
    pub fn fail_field(&self, name: &str) {
        self.script().failing_fields.push(name.to_string());
    }

    /// Makes every read fail with `error` (`None` heals the source).
    pub fn fail_source(&self, error: Option<GpuError>) {
        self.script().source_failure = error;
    }

    /// How many fast and slow reads the sampler made.
    pub fn reads(&self) -> (u64, u64) {
        let script = self.script();
        (script.fast_reads, script.slow_reads)
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl GpuSource for FakeGpu {
    fn kind(&self) -> &'static str {
        "fake"
    }

    fn read_fast(&mut self, calls: &CallStats) -> Result<Vec<FastReading>, GpuError> {
        let mut script = self.script();
        script.fast_reads += 1;
        let failed = script.source_failure.clone();
        calls.record("fake_fast", Duration::from_micros(20), failed.is_some());
        if let Some(error) = failed {
            return Err(error);
        }
        let failing = script.failing_fields.clone();
        Ok(script
            .fast
            .iter()
            .map(|r| without_fields(r.clone(), &failing))
            .collect())
    }

    fn read_slow(&mut self, calls: &CallStats) -> Result<Vec<SlowReading>, GpuError> {
        let mut script = self.script();
        script.slow_reads += 1;
        let failed = script.source_failure.clone();
        calls.record("fake_slow", Duration::from_micros(200), failed.is_some());
        if let Some(error) = failed {
            return Err(error);
        }
        let failing = &script.failing_fields;
        Ok(script
            .slow
            .iter()
            .cloned()
            .map(|mut r| {
                if failing.iter().any(|f| f == "fan_speed_pct") {
                    r.fan_speed_pct = None;
                }
                if failing.iter().any(|f| f == "processes") {
                    r.processes = None;
                }
                r
            })
            .collect())
    }
}

/// Clears the named fields, as refused driver calls leave them.
fn without_fields(mut reading: FastReading, failing: &[String]) -> FastReading {
    for name in failing {
        match name.as_str() {
            "name" => reading.name = None,
            "temperature_c" => reading.temperature_c = None,
            "utilization_pct" => reading.utilization_pct = None,
            "memory_used_mb" | "memory_total_mb" | "memory_free_mb" => {
                reading.memory_used_mb = None;
                reading.memory_total_mb = None;
                reading.memory_free_mb = None;
            }
            "power_w" => reading.power_w = None,
            "power_limit_w" => reading.power_limit_w = None,
            "encoder_pct" => reading.encoder_pct = None,
            "decoder_pct" => reading.decoder_pct = None,
            "clock_graphics_mhz" => reading.clock_graphics_mhz = None,
            "clock_memory_mhz" => reading.clock_memory_mhz = None,
            "throttle_reasons" => reading.throttle_reasons = None,
            _ => {}
        }
    }
    reading
}
