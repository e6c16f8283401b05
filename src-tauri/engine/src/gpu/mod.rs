//! The GPU sampler: NVIDIA GPU readings stored as `hardware.gpu` events.
//!
//! A [`GpuSource`] answers two reading tiers: the cheap one (temperature, load, VRAM, power,
//! encoder, clocks, throttle reasons) that the sampler reads every second, and the expensive one
//! (fan, per-process VRAM) read every ten. Every field of a reading is an `Option`: a reading the
//! driver refused is `None` and reaches the payload as `null`, never as 0, so a failing sensor
//! is shown as unknown rather than idle. The real source is NVML ([`nvml`]); tests drive the
//! sampler with a scripted [`fake`] and the demo with a [`simulated`] GPU. NVML calls take the
//! driver lock and may block, so the sampler runs on its own thread ([`sampler`]), and what it
//! saw is kept in a shared [`GpuMonitor`] for `/gpu/status`, `/health` and `/metrics`.

pub mod fake;
mod monitor;
pub mod nvml;
pub mod sampler;
pub mod simulated;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use utoipa::ToSchema;

pub use monitor::{CallStat, CallStats, GpuHealth, GpuMonitor, GpuStatus};
pub use sampler::GpuSampler;

/// Where GPU readings come from (`TELEMETRY_GPU_SOURCE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuSourceKind {
    /// The NVIDIA driver through NVML; the GPU is reported unavailable where it is absent.
    Nvml,
    /// A simulated RTX-class GPU, for the demo and for machines without one.
    Simulated,
    /// No GPU sampling at all.
    Off,
}

impl GpuSourceKind {
    /// The setting's spelling: `nvml`, `simulated` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            GpuSourceKind::Nvml => "nvml",
            GpuSourceKind::Simulated => "simulated",
            GpuSourceKind::Off => "off",
        }
    }
}

impl fmt::Display for GpuSourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GpuSourceKind {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "nvml" => Ok(GpuSourceKind::Nvml),
            "simulated" => Ok(GpuSourceKind::Simulated),
            "off" => Ok(GpuSourceKind::Off),
            _ => Err("expected nvml, simulated or off".into()),
        }
    }
}

/// Why a whole source failed (a single field failing is a `None` in its reading instead).
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum GpuError {
    /// The NVML library is not installed or cannot be loaded.
    #[error("NVML library not found: {0}")]
    LibraryMissing(String),
    /// NVML loaded but refused to start (no driver, no permission, no GPU).
    #[error("NVML could not start: {0}")]
    InitFailed(String),
    /// A whole reading failed, for example the device count.
    #[error("GPU reading failed: {0}")]
    ReadFailed(String),
}

/// The cheap readings of one device. `None` means the driver did not give that value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FastReading {
    /// Device index as NVML numbers it.
    pub index: u32,
    /// Why the device as a whole could not be read (its handle failed); every field is `None`.
    pub device_error: Option<String>,
    /// Product name, such as `NVIDIA GeForce RTX 4080`.
    pub name: Option<String>,
    /// Core temperature in °C.
    pub temperature_c: Option<f64>,
    /// Core utilisation over the driver's last sample period, in percent.
    pub utilization_pct: Option<f64>,
    /// VRAM in use, in MiB.
    pub memory_used_mb: Option<f64>,
    /// Total VRAM, in MiB.
    pub memory_total_mb: Option<f64>,
    /// Free VRAM, in MiB.
    pub memory_free_mb: Option<f64>,
    /// Board power draw, in watts.
    pub power_w: Option<f64>,
    /// Enforced power limit, in watts.
    pub power_limit_w: Option<f64>,
    /// NVENC (video encoder) utilisation, in percent.
    pub encoder_pct: Option<f64>,
    /// NVDEC (video decoder) utilisation, in percent.
    pub decoder_pct: Option<f64>,
    /// Graphics clock, in MHz.
    pub clock_graphics_mhz: Option<f64>,
    /// Memory clock, in MHz.
    pub clock_memory_mhz: Option<f64>,
    /// Why the clocks are held down right now, as short names (`sw_power_cap`, `hw_thermal`, ...);
    /// empty when nothing throttles.
    pub throttle_reasons: Option<Vec<String>>,
}

impl FastReading {
    /// A reading of a device whose handle failed: every value unknown.
    pub fn failed(index: u32, error: impl Into<String>) -> Self {
        FastReading {
            index,
            device_error: Some(error.into()),
            ..FastReading::default()
        }
    }
}

/// The expensive readings of one device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlowReading {
    /// Device index as NVML numbers it.
    pub index: u32,
    /// First fan's speed, in percent of its maximum (`None` on fanless or failing boards).
    pub fan_speed_pct: Option<f64>,
    /// Processes holding memory on this device (compute and graphics); `None` when the list
    /// could not be read.
    pub processes: Option<Vec<GpuProcess>>,
}

/// One process holding memory on a GPU.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GpuProcess {
    /// Device the memory is on.
    pub gpu_index: u32,
    /// Process id.
    pub pid: u32,
    /// Process name from `/proc/<pid>/comm`, when readable.
    pub name: Option<String>,
    /// Memory held on the device, in MiB; `None` where the driver does not say (Windows WDDM).
    pub used_memory_mb: Option<f64>,
}

/// A supplier of GPU readings, one method per tier. Calls may block; only the sampler thread
/// makes them. `calls` records how long each driver call took, for `/metrics`.
pub trait GpuSource: Send {
    /// Short name shown in `/gpu/status` (`nvml`, `simulated`, `fake`).
    fn kind(&self) -> &'static str;

    /// The cheap readings of every device. `Err` means nothing could be read at all.
    fn read_fast(&mut self, calls: &CallStats) -> Result<Vec<FastReading>, GpuError>;

    /// The expensive readings of every device. `Err` means nothing could be read at all.
    fn read_slow(&mut self, calls: &CallStats) -> Result<Vec<SlowReading>, GpuError>;
}

/// Opens a source on the sampler thread (opening NVML may block).
pub type GpuOpener = Box<dyn FnOnce() -> Result<Box<dyn GpuSource>, GpuError> + Send>;

/// The opener for a configured kind; `None` for [`GpuSourceKind::Off`].
pub fn opener_for(kind: GpuSourceKind) -> Option<GpuOpener> {
    match kind {
        GpuSourceKind::Nvml => Some(Box::new(|| {
            nvml::NvmlSource::open().map(|s| Box::new(s) as Box<dyn GpuSource>)
        })),
        GpuSourceKind::Simulated => Some(Box::new(|| {
            Ok(Box::new(simulated::SimulatedGpu::default()) as Box<dyn GpuSource>)
        })),
        GpuSourceKind::Off => None,
    }
}

/// MiB in a byte count, as the payloads report memory.
pub(crate) fn bytes_to_mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
