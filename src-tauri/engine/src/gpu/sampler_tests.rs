//! Unit tests of the sampler with the scripted fake source.

use super::*;
use crate::gpu::fake::FakeGpu;
use crate::gpu::{GpuError, GpuSourceKind};

const TS: Micros = 1_767_225_600_000_000;

fn sampler_over(fake: &FakeGpu) -> (Sampler, Arc<GpuMonitor>) {
    let monitor = Arc::new(GpuMonitor::new(GpuSourceKind::Nvml));
    (
        Sampler::new(Box::new(fake.clone()), monitor.clone()),
        monitor,
    )
}

fn payload_of(event: &NewEvent) -> Map<String, Value> {
    serde_json::from_str(&event.payload_json).expect("payloads are JSON objects")
}

#[test]
fn a_fast_reading_becomes_one_hardware_gpu_event_per_device_with_every_contract_field() {
    let fake = FakeGpu::rtx_4080();
    let (mut sampler, monitor) = sampler_over(&fake);

    let events = sampler.sample(false, TS);

    assert_eq!(events.len(), 1, "one device, one event");
    assert_eq!(events[0].event_type, "hardware.gpu");
    assert_eq!(events[0].source.as_deref(), Some("telemetry.gpu"));
    assert_eq!(events[0].ts, TS, "stamped with the sampling time");
    let payload = payload_of(&events[0]);
    for field in [
        "index",
        "name",
        "temperature_c",
        "utilization_pct",
        "memory_used_mb",
        "memory_total_mb",
        "memory_free_mb",
        "memory_pct",
        "fan_speed_pct",
        "power_w",
        "encoder_pct",
        "decoder_pct",
        "power_limit_w",
        "clock_graphics_mhz",
        "clock_memory_mhz",
        "throttle_reasons",
    ] {
        assert!(
            payload.contains_key(field),
            "the payload must carry {field}"
        );
    }
    assert_eq!(payload["memory_pct"], 37.5, "6 GiB of 16 GiB");
    assert!(
        payload.get("processes").is_none(),
        "processes come only on the slow tier"
    );
    let metrics = &events[0].metric_fields;
    assert!(
        metrics
            .values
            .iter()
            .any(|(n, v)| n == "power_w" && *v == 182.5),
        "power_w is a metric"
    );
    assert!(
        monitor.status().available,
        "a reading makes the gpu available"
    );
}

#[test]
fn a_failed_field_is_null_never_zero() {
    let fake = FakeGpu::rtx_4080();
    fake.fail_field("power_w");
    fake.fail_field("temperature_c");
    let (mut sampler, _) = sampler_over(&fake);

    let payload = payload_of(&sampler.sample(false, TS)[0]);

    assert_eq!(
        payload["power_w"],
        Value::Null,
        "a refused power reading is unknown"
    );
    assert_eq!(
        payload["temperature_c"],
        Value::Null,
        "a refused temperature is unknown"
    );
    assert_eq!(
        payload["utilization_pct"], 37.0,
        "the other fields are still read"
    );
    assert_eq!(
        payload["fan_speed_pct"],
        Value::Null,
        "no slow reading yet: fan unknown"
    );
}

#[test]
fn the_slow_tier_adds_fan_and_processes_and_the_fan_is_kept_for_fast_ticks() {
    let fake = FakeGpu::rtx_4080();
    let (mut sampler, monitor) = sampler_over(&fake);

    let slow = payload_of(&sampler.sample(true, TS)[0]);
    let fast = payload_of(&sampler.sample(false, TS + 1_000_000)[0]);

    assert_eq!(slow["fan_speed_pct"], 41.0);
    assert_eq!(
        slow["processes"][0]["name"], "obs",
        "the process list rides on the slow tier"
    );
    assert_eq!(slow["processes"][0]["used_memory_mb"], 512.0);
    assert_eq!(
        fast["fan_speed_pct"], 41.0,
        "the last fan reading is repeated on fast ticks"
    );
    assert_eq!(fake.reads(), (2, 1), "two fast reads, one slow read");
    assert_eq!(
        monitor.status().processes.len(),
        1,
        "the status keeps the process list"
    );
}

#[test]
fn a_failing_source_stores_nothing_and_marks_the_gpu_unavailable_with_the_reason() {
    let fake = FakeGpu::rtx_4080();
    let (mut sampler, monitor) = sampler_over(&fake);
    sampler.sample(false, TS);
    fake.fail_source(Some(GpuError::ReadFailed("GPU is lost".into())));

    let events = sampler.sample(false, TS + 1_000_000);

    assert!(events.is_empty(), "a failed reading is not stored as zeros");
    let status = monitor.status();
    assert!(!status.available, "the gpu is shown as unavailable");
    assert!(
        status.reason.unwrap().contains("GPU is lost"),
        "the reason is kept"
    );

    fake.fail_source(None);
    assert_eq!(
        sampler.sample(false, TS + 2_000_000).len(),
        1,
        "readings resume"
    );
    assert!(monitor.health().available, "and the gpu is available again");
}

#[test]
fn a_failing_device_is_counted_and_still_reported_with_unknown_values() {
    let fake = FakeGpu::rtx_4080();
    let mut readings = vec![FastReading::failed(1, "Unknown error")];
    readings.insert(
        0,
        FakeGpu::rtx_4080()
            .read_fast(&Default::default())
            .unwrap()
            .remove(0),
    );
    fake.set_fast(readings);
    let (mut sampler, monitor) = sampler_over(&fake);

    sampler.sample(false, TS);
    let events = sampler.sample(false, TS + 1_000_000);

    assert_eq!(events.len(), 2, "the healthy device is still read");
    let broken = payload_of(&events[1]);
    assert_eq!(broken["index"], 1);
    assert_eq!(
        broken["temperature_c"],
        Value::Null,
        "a failed device reads as unknown"
    );
    assert_eq!(
        monitor.device_failures(),
        vec![(1, 2)],
        "every failure is counted"
    );
}

#[test]
fn a_driver_without_any_gpu_is_unavailable_not_an_empty_success() {
    let fake = FakeGpu::default();
    let (mut sampler, monitor) = sampler_over(&fake);

    let events = sampler.sample(true, TS);

    assert!(events.is_empty(), "nothing to store");
    let reason = monitor.health().reason.unwrap_or_default();
    assert!(reason.contains("no GPU"), "the status says why: {reason}");
}

#[test]
fn an_unreadable_process_list_is_null_not_an_empty_list() {
    let fake = FakeGpu::rtx_4080();
    fake.fail_field("processes");
    let (mut sampler, _) = sampler_over(&fake);

    let payload = payload_of(&sampler.sample(true, TS)[0]);

    assert_eq!(
        payload["processes"],
        Value::Null,
        "unknown is not the same as no process"
    );
    assert_eq!(payload["fan_speed_pct"], 41.0, "the fan was still read");
}
