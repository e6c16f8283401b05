//! Unit tests of chart series over the rollup.

use super::*;
use crate::metrics::{MetricFields, MAX_LABEL_VALUES_PER_SECOND, OTHER_LABEL_VALUE};

/// 2026-01-01T00:00:00Z, a multiple of every bucket width used here.
const NOW: Micros = 1_767_225_600_000_000;
const SEC: Micros = 1_000_000;

fn metric(latency_ms: f64, stage: &str, source: &str) -> MetricFields {
    let payload = serde_json::json!({"stage": stage, "latency_ms": latency_ms});
    MetricFields::from_payload(payload.as_object().unwrap()).with_source(Some(source))
}

fn query(window_secs: u64, bucket_secs: u64, split_by: Option<&str>) -> SeriesQuery {
    SeriesQuery {
        event_type: "pipeline.metric".into(),
        field: "latency_ms".into(),
        window_secs,
        bucket_secs,
        split_by: split_by.map(str::to_string),
    }
}

#[test]
fn buckets_are_aligned_and_empty_ones_are_omitted() {
    let mut rollup = Rollup::default();
    for (ago, ms) in [(5, 100.0), (7, 300.0), (25, 50.0), (400, 1.0)] {
        rollup.record(
            "pipeline.metric",
            NOW - ago * SEC,
            &metric(ms, "llm", "policy"),
            NOW,
        );
    }

    let series = rollup.series(&query(60, 10, None), NOW);

    assert_eq!(series.len(), 1, "no split: one series");
    assert_eq!(series[0].key, None, "an unsplit series has a null key");
    let buckets = &series[0].buckets;
    let starts: Vec<&str> = buckets.iter().map(|b| b.start.as_str()).collect();
    assert_eq!(
        starts,
        ["2025-12-31T23:59:30Z", "2025-12-31T23:59:50Z"],
        "two buckets hold values; the 400 s old event is outside the window"
    );
    assert_eq!(
        (buckets[1].count, buckets[1].avg, buckets[1].max),
        (2, 200.0, 300.0)
    );
    assert_eq!(
        buckets[0].p50, 50.0,
        "one value: every percentile is that value"
    );
}

#[test]
fn splitting_by_a_payload_field_or_the_source_gives_one_series_per_value() {
    let mut rollup = Rollup::default();
    rollup.record(
        "pipeline.metric",
        NOW - 2 * SEC,
        &metric(600.0, "llm", "policy"),
        NOW,
    );
    rollup.record(
        "pipeline.metric",
        NOW - 2 * SEC,
        &metric(90.0, "tts", "tts_worker"),
        NOW,
    );
    rollup.record(
        "pipeline.metric",
        NOW - 3 * SEC,
        &metric(700.0, "llm", "policy"),
        NOW,
    );

    let by_stage = rollup.series(&query(60, 60, Some("stage")), NOW);
    let by_source = rollup.series(&query(60, 60, Some("source")), NOW);

    let keys: Vec<_> = by_stage.iter().map(|s| s.key.clone().unwrap()).collect();
    assert_eq!(keys, ["llm", "tts"], "one series per stage, sorted");
    assert_eq!(by_stage[0].buckets[0].count, 2, "both llm events");
    assert_eq!(by_stage[0].buckets[0].avg, 650.0);
    assert_eq!(
        by_source[1].key.as_deref(),
        Some("tts_worker"),
        "the event source splits too"
    );
    assert!(
        rollup.series(&query(60, 60, Some("mode")), NOW).is_empty(),
        "no event has a mode"
    );
}

#[test]
fn a_label_with_too_many_values_gathers_the_rest_under_other() {
    let mut rollup = Rollup::default();
    for i in 0..(MAX_LABEL_VALUES_PER_SECOND + 5) {
        rollup.record(
            "pipeline.metric",
            NOW,
            &metric(1.0, &format!("s{i}"), "x"),
            NOW,
        );
    }

    let series = rollup.series(&query(60, 60, Some("stage")), NOW);

    assert_eq!(
        series.len(),
        MAX_LABEL_VALUES_PER_SECOND + 1,
        "the cap plus one (other)"
    );
    let other = series
        .iter()
        .find(|s| s.key.as_deref() == Some(OTHER_LABEL_VALUE));
    assert_eq!(
        other.map(|s| s.buckets[0].count),
        Some(5),
        "the overflow is still counted"
    );
}

#[test]
fn validation_refuses_windows_and_buckets_out_of_range() {
    assert_eq!(query(300, 10, None).validate(), Ok(()));
    assert_eq!(
        query(7200, 8, None).validate(),
        Ok(()),
        "901 buckets at most"
    );
    assert_eq!(
        query(1000, 1, None).validate(),
        Ok(()),
        "1 s buckets never straddle"
    );

    for (window, bucket) in [
        (59, 1),
        (7201, 60),
        (300, 0),
        (300, 301),
        (7200, 7),
        (1001, 1),
    ] {
        let error = query(window, bucket, None).validate();
        assert!(error.is_err(), "{window}/{bucket} must be refused");
    }
    let advice = query(7200, 1, None).validate().unwrap_err();
    assert!(
        advice.contains("at least 8"),
        "the error says what bucket works: {advice}"
    );
}

#[test]
fn a_split_holding_a_whole_second_is_stored_once_and_survives_a_late_event() {
    let mut rollup = Rollup::default();
    rollup.record(
        "pipeline.metric",
        NOW - 3 * SEC,
        &metric(100.0, "llm", "policy"),
        NOW,
    );
    rollup.record(
        "pipeline.metric",
        NOW - 3 * SEC,
        &metric(300.0, "llm", "policy"),
        NOW,
    );
    // The next second completes the first, whose only stage and source cover all its events.
    rollup.record(
        "pipeline.metric",
        NOW - 2 * SEC,
        &metric(50.0, "tts", "tts_worker"),
        NOW,
    );
    let before = rollup.series(&query(60, 1, Some("stage")), NOW);
    // A late event lands in the completed second with another stage.
    rollup.record(
        "pipeline.metric",
        NOW - 3 * SEC,
        &metric(900.0, "asr", "asr_worker"),
        NOW,
    );

    let after = rollup.series(&query(60, 1, Some("stage")), NOW);

    assert_eq!(before[0].key.as_deref(), Some("llm"));
    assert_eq!(
        (before[0].buckets[0].count, before[0].buckets[0].avg),
        (2, 200.0),
        "llm read through the second"
    );
    let stage = |key: &str| {
        after
            .iter()
            .find(|s| s.key.as_deref() == Some(key))
            .unwrap()
            .buckets[0]
            .clone()
    };
    assert_eq!(
        (stage("llm").count, stage("llm").avg),
        (2, 200.0),
        "llm keeps its own values"
    );
    assert_eq!(
        (stage("asr").count, stage("asr").max),
        (1, 900.0),
        "the late stage is separate"
    );
    let all = rollup.series(&query(60, 1, None), NOW);
    assert_eq!(
        all[0].buckets[0].count, 3,
        "the second counts all three events"
    );
}
