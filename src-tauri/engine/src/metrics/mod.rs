//! Window aggregates for `/metrics/latest`: counts, sums, extremes and percentiles per type.
//!
//! The original service scanned every event of the window on each request (3.6 s at 100k
//! events). Here the writer feeds each committed event into an in-memory [`Rollup`] of
//! per-second buckets, each holding exact count, sum, min and max and a [`Sketch`] for
//! percentiles, so a query merges at most 7,200 buckets per field whatever the number of events.
//! Percentiles are within 1 % relative error ([`sketch::RELATIVE_ACCURACY`]); everything else is
//! exact. The window starts at the beginning of the second that holds `now - window_seconds`.

pub mod exposition;
pub mod process;
pub mod prometheus;
mod rollup;
pub mod series;
pub mod sketch;
pub mod totals;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub use rollup::{Rollup, MAX_LABEL_VALUES_PER_SECOND, OTHER_LABEL_VALUE};
pub use series::{SeriesAnswer, SeriesQuery};
pub use sketch::Sketch;

/// Shortest window `/metrics/latest` accepts, in seconds.
pub const MIN_WINDOW_SECS: u64 = 60;
/// Longest window `/metrics/latest` accepts, and how far back the rollup remembers, in seconds.
pub const MAX_WINDOW_SECS: u64 = 7200;

/// Payload field-name endings that mark a numeric field as a metric.
pub const METRIC_SUFFIXES: &[&str] = &["_ms", "_pct", "_c", "_w", "_mb"];

/// The numbers of one event that the rollup aggregates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricFields {
    /// `payload.failures`, when it is a number.
    pub failures: Option<f64>,
    /// Every numeric payload field whose name ends in one of [`METRIC_SUFFIXES`].
    pub values: Vec<(String, f64)>,
    /// What a series can be split by: `source` (the event's) and the short string payload fields
    /// (at most [`MAX_LABELS`], each value at most [`MAX_LABEL_BYTES`]). Empty when the event
    /// has no metric values, since there would be nothing to split.
    pub labels: Vec<(String, String)>,
}

/// Most string payload fields one event offers to `split_by`.
pub const MAX_LABELS: usize = 8;
/// Longest string payload value kept for `split_by`; longer text (a transcript) is not a label.
pub const MAX_LABEL_BYTES: usize = 64;
/// The split dimension that means the event's source rather than a payload field.
pub const SOURCE_LABEL: &str = "source";

impl MetricFields {
    /// Picks the aggregated fields out of a payload object.
    ///
    /// ```
    /// use kitsu_telemetry_engine::metrics::MetricFields;
    /// let payload = serde_json::json!({"latency_ms": 12, "stage": "tts", "failures": 1});
    /// let fields = MetricFields::from_payload(payload.as_object().unwrap());
    /// assert_eq!(fields.values, vec![("latency_ms".to_string(), 12.0)]);
    /// assert_eq!(fields.failures, Some(1.0));
    /// ```
    pub fn from_payload(payload: &Map<String, Value>) -> Self {
        let values: Vec<(String, f64)> = payload
            .iter()
            .filter(|(name, _)| METRIC_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)))
            .filter_map(|(name, value)| number(value).map(|n| (name.clone(), n)))
            .collect();
        let failures = payload.get("failures").and_then(number);
        let labels = if values.is_empty() {
            Vec::new()
        } else {
            labels_of(payload)
        };
        MetricFields {
            failures,
            values,
            labels,
        }
    }

    /// Adds the event's source as the `source` label (replacing a payload field of that name).
    ///
    /// ```
    /// use kitsu_telemetry_engine::metrics::MetricFields;
    /// let payload = serde_json::json!({"latency_ms": 12, "stage": "tts"});
    /// let fields = MetricFields::from_payload(payload.as_object().unwrap()).with_source(Some("tts_worker"));
    /// assert_eq!(fields.label("stage"), Some("tts"));
    /// assert_eq!(fields.label("source"), Some("tts_worker"));
    /// ```
    pub fn with_source(mut self, source: Option<&str>) -> Self {
        self.labels.retain(|(name, _)| name != SOURCE_LABEL);
        if let (false, Some(source)) = (self.values.is_empty(), source) {
            self.labels
                .push((SOURCE_LABEL.to_string(), source.to_string()));
        }
        self
    }

    /// The value of label `name`, if the event has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The short string fields of a payload, in payload order.
fn labels_of(payload: &Map<String, Value>) -> Vec<(String, String)> {
    payload
        .iter()
        .filter(|(name, _)| name.as_str() != SOURCE_LABEL)
        .filter_map(|(name, value)| match value {
            Value::String(text) if text.len() <= MAX_LABEL_BYTES => {
                Some((name.clone(), text.clone()))
            }
            _ => None,
        })
        .take(MAX_LABELS)
        .collect()
}

/// A JSON number as f64; booleans and strings are not numbers here.
fn number(value: &Value) -> Option<f64> {
    value.as_f64().filter(|n| n.is_finite())
}

/// Aggregates of one field over the window. All values are rounded to 2 decimals.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldSummary {
    /// Sum of the values.
    pub sum: f64,
    /// Mean of the values.
    pub avg: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Median, within 1 % relative error.
    pub p50: f64,
    /// 90th percentile, within 1 % relative error.
    pub p90: f64,
    /// 95th percentile, within 1 % relative error.
    pub p95: f64,
    /// 99th percentile, within 1 % relative error.
    pub p99: f64,
}

/// Aggregates of one event type over the window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TypeSummary {
    /// Events of this type in the window.
    pub count: u64,
    /// Sum of numeric `payload.failures`.
    pub failures: f64,
    /// One entry per metric field, keyed by field name (flattened beside `count`).
    #[serde(flatten)]
    pub fields: BTreeMap<String, FieldSummary>,
}

/// The answer of `GET /metrics/latest`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestMetrics {
    /// The window asked for, in seconds.
    pub window_seconds: u64,
    /// Aggregates by event type.
    pub metrics: BTreeMap<String, TypeSummary>,
}

/// Rounds to 2 decimals, as the original service did.
pub(crate) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
