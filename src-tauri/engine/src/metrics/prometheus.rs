//! `GET /metrics`: the Prometheus text exposition (format 0.0.4), written by hand.
//!
//! Everything a user who outgrows the dashboard scrapes into Prometheus and Grafana: GPU gauges
//! per device, events committed per type, latency summaries of `_ms` fields, and the engine's
//! own health (commits, write batch sizes, queue depth, driver call time, CPU and memory).
//! Names follow Prometheus conventions: base units (seconds, bytes, hertz, ratios of 0..1),
//! `_total` on counters. A GPU reading that is unknown is left out, never written as 0.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::exposition::Exposition;
use super::process::ProcessStats;
use super::totals::EventTotals;
use super::TypeSummary;
use crate::gpu::{CallStat, GpuStatus};
use crate::store::WriterStatsSnapshot;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The window the latency quantiles cover, in seconds.
pub const QUANTILE_WINDOW_SECS: u64 = 300;

/// Everything the exposition shows, gathered by the route.
pub struct Snapshot {
    /// Events committed since start, by type.
    pub totals: EventTotals,
    /// Aggregates of the last [`QUANTILE_WINDOW_SECS`] seconds, by type.
    pub recent: BTreeMap<String, TypeSummary>,
    /// The writer's counters.
    pub writer: WriterStatsSnapshot,
    /// Write requests waiting for the writer.
    pub queue_depth: usize,
    /// The GPU sampler's status and latest readings.
    pub gpu: GpuStatus,
    /// Driver call timings by call name.
    pub gpu_calls: Vec<(&'static str, CallStat)>,
    /// Failed device reads by device index.
    pub gpu_device_failures: Vec<(u32, u64)>,
    /// This process's CPU and memory, where readable.
    pub process: Option<ProcessStats>,
}

/// Renders the whole exposition.
pub fn render(snapshot: &Snapshot) -> String {
    let mut text = Exposition::default();
    write_events(&mut text, snapshot);
    write_store(&mut text, snapshot);
    write_gpu(&mut text, &snapshot.gpu);
    write_gpu_health(&mut text, snapshot);
    write_process(&mut text, snapshot.process);
    text.finish()
}

fn write_events(text: &mut Exposition, snapshot: &Snapshot) {
    let types = snapshot.totals.by_type();
    let name = "kitsu_events_ingested_total";
    text.family(
        name,
        "counter",
        "Events committed since the engine started, by type.",
    );
    for (event_type, total) in types {
        text.sample(name, &[("type", event_type)], total.events as f64);
    }
    let name = "kitsu_event_duration_seconds";
    text.family(
        name,
        "summary",
        "Payload fields ending in _ms, in seconds: quantiles over the last 5 minutes, sum and count since start.",
    );
    for (event_type, total) in types {
        for (field, sums) in total.fields.iter().filter(|(f, _)| f.ends_with("_ms")) {
            let labels = [("type", event_type.as_str()), ("field", field.as_str())];
            if let Some(recent) = snapshot
                .recent
                .get(event_type)
                .and_then(|t| t.fields.get(field))
            {
                for (q, v) in [
                    ("0.5", recent.p50),
                    ("0.9", recent.p90),
                    ("0.95", recent.p95),
                    ("0.99", recent.p99),
                ] {
                    let labels = [labels[0], labels[1], ("quantile", q)];
                    text.sample(name, &labels, v / 1000.0);
                }
            }
            text.sample(&format!("{name}_sum"), &labels, sums.sum / 1000.0);
            text.sample(&format!("{name}_count"), &labels, sums.count as f64);
        }
    }
}

fn write_store(text: &mut Exposition, snapshot: &Snapshot) {
    let writer = &snapshot.writer;
    text.family(
        "kitsu_store_events_committed_total",
        "counter",
        "Events committed to SQLite since start.",
    );
    text.sample(
        "kitsu_store_events_committed_total",
        &[],
        writer.events as f64,
    );
    text.family(
        "kitsu_store_commit_failures_total",
        "counter",
        "Group commits that failed (nothing of them stored).",
    );
    text.sample(
        "kitsu_store_commit_failures_total",
        &[],
        writer.failed_groups as f64,
    );
    let name = "kitsu_store_write_batch_events";
    text.family(
        name,
        "histogram",
        "Events per group commit of the single writer.",
    );
    for (bound, count) in &writer.size_histogram {
        text.sample(
            &format!("{name}_bucket"),
            &[("le", &bound.to_string())],
            *count as f64,
        );
    }
    text.sample(
        &format!("{name}_bucket"),
        &[("le", "+Inf")],
        writer.groups as f64,
    );
    text.sample(&format!("{name}_sum"), &[], writer.events as f64);
    text.sample(&format!("{name}_count"), &[], writer.groups as f64);
    let name = "kitsu_store_commit_duration_seconds";
    text.family(name, "summary", "Time the writer spent in group commits.");
    text.sample(&format!("{name}_sum"), &[], writer.commit_seconds);
    text.sample(&format!("{name}_count"), &[], writer.groups as f64);
    text.family(
        "kitsu_store_queue_depth",
        "gauge",
        "Write requests waiting for the writer.",
    );
    text.sample("kitsu_store_queue_depth", &[], snapshot.queue_depth as f64);
}

/// GPU gauges: family, help, payload field, and the factor to base units.
const GPU_GAUGES: &[(&str, &str, &str, f64)] = &[
    (
        "kitsu_gpu_temperature_celsius",
        "GPU core temperature.",
        "temperature_c",
        1.0,
    ),
    (
        "kitsu_gpu_utilization_ratio",
        "GPU core utilisation, 0 to 1.",
        "utilization_pct",
        0.01,
    ),
    (
        "kitsu_gpu_memory_used_bytes",
        "GPU memory in use.",
        "memory_used_mb",
        1_048_576.0,
    ),
    (
        "kitsu_gpu_memory_total_bytes",
        "GPU memory in total.",
        "memory_total_mb",
        1_048_576.0,
    ),
    (
        "kitsu_gpu_fan_speed_ratio",
        "GPU fan speed, 0 to 1 of its maximum.",
        "fan_speed_pct",
        0.01,
    ),
    (
        "kitsu_gpu_power_watts",
        "GPU board power draw.",
        "power_w",
        1.0,
    ),
    (
        "kitsu_gpu_power_limit_watts",
        "GPU enforced power limit.",
        "power_limit_w",
        1.0,
    ),
    (
        "kitsu_gpu_encoder_utilization_ratio",
        "NVENC video encoder utilisation, 0 to 1.",
        "encoder_pct",
        0.01,
    ),
    (
        "kitsu_gpu_decoder_utilization_ratio",
        "NVDEC video decoder utilisation, 0 to 1.",
        "decoder_pct",
        0.01,
    ),
    (
        "kitsu_gpu_clock_graphics_hertz",
        "GPU graphics clock.",
        "clock_graphics_mhz",
        1e6,
    ),
    (
        "kitsu_gpu_clock_memory_hertz",
        "GPU memory clock.",
        "clock_memory_mhz",
        1e6,
    ),
];

fn device_labels(device: &Map<String, Value>) -> (String, String) {
    let index = device
        .get("index")
        .map(Value::to_string)
        .unwrap_or_default();
    let name = device
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (index, name)
}

fn write_gpu(text: &mut Exposition, gpu: &GpuStatus) {
    text.family(
        "kitsu_gpu_available",
        "gauge",
        "1 while GPU readings come in, 0 otherwise.",
    );
    text.sample(
        "kitsu_gpu_available",
        &[("source", &gpu.source)],
        f64::from(u8::from(gpu.available)),
    );
    for (name, help, field, factor) in GPU_GAUGES {
        text.family(name, "gauge", help);
        for device in &gpu.devices {
            let Some(value) = device.get(*field).and_then(Value::as_f64) else {
                continue;
            };
            let (index, gpu_name) = device_labels(device);
            text.sample(
                name,
                &[("index", &index), ("name", &gpu_name)],
                value * factor,
            );
        }
    }
    let name = "kitsu_gpu_throttled";
    text.family(
        name,
        "gauge",
        "1 for each reason the GPU clocks are held down right now.",
    );
    for device in &gpu.devices {
        let (index, _) = device_labels(device);
        let reasons = device.get("throttle_reasons").and_then(Value::as_array);
        for reason in reasons.into_iter().flatten().filter_map(Value::as_str) {
            text.sample(name, &[("index", &index), ("reason", reason)], 1.0);
        }
    }
}

fn write_gpu_health(text: &mut Exposition, snapshot: &Snapshot) {
    let name = "kitsu_gpu_device_failures_total";
    text.family(name, "counter", "GPU device reads that failed, by device.");
    for (index, failures) in &snapshot.gpu_device_failures {
        text.sample(name, &[("index", &index.to_string())], *failures as f64);
    }
    let name = "kitsu_nvml_call_duration_seconds";
    text.family(name, "summary", "Time spent in GPU driver calls, by call.");
    for (call, stat) in &snapshot.gpu_calls {
        text.sample(&format!("{name}_sum"), &[("call", call)], stat.seconds);
        text.sample(
            &format!("{name}_count"),
            &[("call", call)],
            stat.count as f64,
        );
    }
    let name = "kitsu_nvml_call_errors_total";
    text.family(
        name,
        "counter",
        "GPU driver calls that returned an error, by call.",
    );
    for (call, stat) in &snapshot.gpu_calls {
        text.sample(name, &[("call", call)], stat.errors as f64);
    }
}

fn write_process(text: &mut Exposition, process: Option<ProcessStats>) {
    let Some(process) = process else {
        return;
    };
    text.family(
        "process_cpu_seconds_total",
        "counter",
        "User and system CPU time of the engine.",
    );
    text.sample("process_cpu_seconds_total", &[], process.cpu_seconds);
    text.family(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory of the engine.",
    );
    text.sample(
        "process_resident_memory_bytes",
        &[],
        process.resident_bytes as f64,
    );
}
