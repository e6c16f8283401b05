//! The real source: NVIDIA's management library through `nvml-wrapper`.
//!
//! NVML is initialised once, when the sampler starts. The crate loads `libnvidia-ml.so`, which
//! only exists where the CUDA development files are installed; a plain driver install ships
//! `libnvidia-ml.so.1`, so a failed default load is retried with that name. Every call is timed
//! and a failing call leaves its field `None`; a device whose handle fails is reported as
//! failed, and the others are still read.

use std::ffi::OsStr;

use nvml_wrapper::bitmasks::device::ThrottleReasons;
use nvml_wrapper::enum_wrappers::device::{Clock, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::struct_wrappers::device::ProcessInfo;
use nvml_wrapper::{Device, Nvml};

use super::{bytes_to_mb, CallStats, FastReading, GpuError, GpuProcess, GpuSource, SlowReading};

/// The library name a driver-only Linux install provides.
const VERSIONED_LIBRARY: &str = "libnvidia-ml.so.1";

/// Throttle reasons worth showing a streamer, with their short names. Idle and the
/// application-clock settings are left out: they are not why a stream stutters.
const THROTTLE_NAMES: &[(ThrottleReasons, &str)] = &[
    (ThrottleReasons::SW_POWER_CAP, "sw_power_cap"),
    (ThrottleReasons::HW_SLOWDOWN, "hw_slowdown"),
    (ThrottleReasons::SW_THERMAL_SLOWDOWN, "sw_thermal"),
    (ThrottleReasons::HW_THERMAL_SLOWDOWN, "hw_thermal"),
    (ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN, "hw_power_brake"),
    (ThrottleReasons::SYNC_BOOST, "sync_boost"),
    (ThrottleReasons::DISPLAY_CLOCK_SETTING, "display_clock"),
];

/// NVML, initialised.
pub struct NvmlSource {
    nvml: Nvml,
}

impl NvmlSource {
    /// Loads and initialises NVML, retrying with `libnvidia-ml.so.1` when the default name is
    /// missing. Fails with the reason when there is no library, driver or permission.
    pub fn open() -> Result<Self, GpuError> {
        let nvml = match Nvml::init() {
            Ok(nvml) => nvml,
            Err(NvmlError::LibloadingError(first)) => Nvml::builder()
                .lib_path(OsStr::new(VERSIONED_LIBRARY))
                .init()
                .map_err(|second| open_error(second, &first.to_string()))?,
            Err(other) => return Err(GpuError::InitFailed(other.to_string())),
        };
        tracing::info!(
            driver = nvml.sys_driver_version().unwrap_or_default(),
            "nvml initialised"
        );
        Ok(NvmlSource { nvml })
    }

    fn device_count(&self, calls: &CallStats) -> Result<u32, GpuError> {
        calls
            .time("device_count", || self.nvml.device_count())
            .map_err(|e| GpuError::ReadFailed(format!("device count: {e}")))
    }
}

fn open_error(second: NvmlError, first: &str) -> GpuError {
    match second {
        NvmlError::LibloadingError(e) => GpuError::LibraryMissing(format!(
            "libnvidia-ml.so: {first}; {VERSIONED_LIBRARY}: {e}"
        )),
        other => GpuError::InitFailed(other.to_string()),
    }
}

impl GpuSource for NvmlSource {
    fn kind(&self) -> &'static str {
        "nvml"
    }

    fn read_fast(&mut self, calls: &CallStats) -> Result<Vec<FastReading>, GpuError> {
        let count = self.device_count(calls)?;
        Ok((0..count)
            .map(|index| match self.device(index, calls) {
                Ok(device) => fast_reading(index, &device, calls),
                Err(e) => FastReading::failed(index, e.to_string()),
            })
            .collect())
    }

    fn read_slow(&mut self, calls: &CallStats) -> Result<Vec<SlowReading>, GpuError> {
        let count = self.device_count(calls)?;
        Ok((0..count)
            .map(|index| match self.device(index, calls) {
                Ok(device) => slow_reading(index, &device, calls),
                Err(_) => SlowReading {
                    index,
                    ..SlowReading::default()
                },
            })
            .collect())
    }
}

impl NvmlSource {
    fn device(&self, index: u32, calls: &CallStats) -> Result<Device<'_>, NvmlError> {
        calls.time("device_handle", || self.nvml.device_by_index(index))
    }
}

fn fast_reading(index: u32, device: &Device<'_>, calls: &CallStats) -> FastReading {
    let memory = calls.time("memory_info", || device.memory_info()).ok();
    let utilization = calls
        .time("utilization", || device.utilization_rates())
        .ok();
    let milliwatts = |mw: u32| f64::from(mw) / 1000.0;
    FastReading {
        index,
        device_error: None,
        name: calls.time("name", || device.name()).ok(),
        temperature_c: calls
            .time("temperature", || device.temperature(TemperatureSensor::Gpu))
            .ok()
            .map(f64::from),
        utilization_pct: utilization.map(|u| f64::from(u.gpu)),
        memory_used_mb: memory.as_ref().map(|m| bytes_to_mb(m.used)),
        memory_total_mb: memory.as_ref().map(|m| bytes_to_mb(m.total)),
        memory_free_mb: memory.as_ref().map(|m| bytes_to_mb(m.free)),
        power_w: calls
            .time("power_usage", || device.power_usage())
            .ok()
            .map(milliwatts),
        power_limit_w: calls
            .time("power_limit", || device.enforced_power_limit())
            .ok()
            .map(milliwatts),
        encoder_pct: calls
            .time("encoder_utilization", || device.encoder_utilization())
            .ok()
            .map(|u| f64::from(u.utilization)),
        decoder_pct: calls
            .time("decoder_utilization", || device.decoder_utilization())
            .ok()
            .map(|u| f64::from(u.utilization)),
        clock_graphics_mhz: clock(device, Clock::Graphics, calls),
        clock_memory_mhz: clock(device, Clock::Memory, calls),
        throttle_reasons: calls
            .time("throttle_reasons", || device.current_throttle_reasons())
            .ok()
            .map(throttle_names),
    }
}

fn clock(device: &Device<'_>, kind: Clock, calls: &CallStats) -> Option<f64> {
    calls
        .time("clock_info", || device.clock_info(kind))
        .ok()
        .map(f64::from)
}

fn throttle_names(reasons: ThrottleReasons) -> Vec<String> {
    THROTTLE_NAMES
        .iter()
        .filter(|(flag, _)| reasons.contains(*flag))
        .map(|(_, name)| name.to_string())
        .collect()
}

fn slow_reading(index: u32, device: &Device<'_>, calls: &CallStats) -> SlowReading {
    let compute = calls.time("compute_processes", || device.running_compute_processes());
    let graphics = calls.time("graphics_processes", || device.running_graphics_processes());
    let processes = match (compute, graphics) {
        (Err(_), Err(_)) => None,
        (compute, graphics) => Some(merge_processes(
            index,
            compute.unwrap_or_default(),
            graphics.unwrap_or_default(),
        )),
    };
    SlowReading {
        index,
        fan_speed_pct: calls
            .time("fan_speed", || device.fan_speed(0))
            .ok()
            .map(f64::from),
        processes,
    }
}

/// One entry per pid: a process that both computes and draws is listed once, with the larger of
/// its two memory figures (NVML reports the same allocation in both lists).
fn merge_processes(
    index: u32,
    compute: Vec<ProcessInfo>,
    graphics: Vec<ProcessInfo>,
) -> Vec<GpuProcess> {
    let mut merged: Vec<GpuProcess> = Vec::new();
    for info in compute.into_iter().chain(graphics) {
        let used = match info.used_gpu_memory {
            UsedGpuMemory::Used(bytes) => Some(bytes_to_mb(bytes)),
            UsedGpuMemory::Unavailable => None,
        };
        match merged.iter_mut().find(|p| p.pid == info.pid) {
            Some(known) => {
                known.used_memory_mb = match (known.used_memory_mb, used) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                }
            }
            None => merged.push(GpuProcess {
                gpu_index: index,
                pid: info.pid,
                name: process_name(info.pid),
                used_memory_mb: used,
            }),
        }
    }
    merged
}

/// The short command name of `pid`, where `/proc` lets us read it.
pub fn process_name(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim_end().to_string()).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_reasons_get_short_names_and_idle_is_not_one() {
        let reasons = ThrottleReasons::SW_POWER_CAP | ThrottleReasons::GPU_IDLE;

        assert_eq!(throttle_names(reasons), vec!["sw_power_cap".to_string()]);
    }

    #[test]
    fn the_engine_can_name_its_own_process() {
        let name = process_name(std::process::id());

        assert!(
            name.is_some_and(|n| !n.is_empty()),
            "/proc/self/comm is readable on Linux"
        );
    }

    #[test]
    fn nvml_either_reads_every_device_or_says_why_it_cannot() {
        match NvmlSource::open() {
            Ok(mut source) => {
                let calls = CallStats::default();
                let readings = source.read_fast(&calls).expect("an opened NVML reads");
                assert!(
                    readings.iter().all(|r| r.device_error.is_none()),
                    "{readings:?}"
                );
                assert!(!calls.snapshot().is_empty(), "every NVML call is timed");
            }
            Err(error) => assert!(!error.to_string().is_empty(), "the reason is shown"),
        }
    }
}
