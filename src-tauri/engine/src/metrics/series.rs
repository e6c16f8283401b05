//! Time series of one metric field for charts: `GET /metrics/series`.
//!
//! The answer comes from the same per-second buckets as `/metrics/latest` (the writer feeds them
//! after each commit), merged into chart buckets: a two-hour window costs at most 7,200 small
//! merges per series, however many events it holds, and never touches SQLite. Chart buckets are
//! aligned to multiples of `bucket_seconds` since the epoch, so a chart that polls sees the same
//! buckets fill up instead of shifting; the oldest and newest ones may cover only part of their
//! span. A split (`source` or a short string payload field) gives one series per value; events
//! without that field are left out of a split answer.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::rollup::{field_summary, horizon, FieldStats, Rollup, SecondStats};
use super::sketch::MergedSketch;
use super::{MAX_WINDOW_SECS, MIN_WINDOW_SECS};
use crate::time::{self, Micros};

/// Most buckets one series may have.
pub const MAX_BUCKETS: u64 = 1000;

/// What a chart asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesQuery {
    /// Event type, exact.
    pub event_type: String,
    /// Numeric payload field, such as `latency_ms` or `temperature_c`.
    pub field: String,
    /// How far back, in seconds (60 to 7200).
    pub window_secs: u64,
    /// Width of one bucket, in seconds.
    pub bucket_secs: u64,
    /// `source`, or a string payload field, to get one series per value.
    pub split_by: Option<String>,
}

/// One chart bucket. Percentiles are within 1 % relative error; the rest is exact.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SeriesBucket {
    /// Start of the bucket, ISO-8601 UTC.
    pub start: String,
    /// Values in the bucket.
    pub count: u64,
    /// Their mean.
    pub avg: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// The buckets of one split value (`key` is `null` without a split). Empty buckets are omitted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Series {
    /// The split value, or `null` when not split.
    pub key: Option<String>,
    /// Buckets with at least one value, oldest first.
    pub buckets: Vec<SeriesBucket>,
}

/// The answer of `GET /metrics/series`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeriesAnswer {
    /// The event type asked for.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The field asked for.
    pub field: String,
    /// The window, in seconds.
    pub window_seconds: u64,
    /// The bucket width, in seconds.
    pub bucket_seconds: u64,
    /// One series, or one per split value sorted by value.
    pub series: Vec<Series>,
}

impl SeriesQuery {
    /// Checks the window and bucket sizes; the error says what to change.
    pub fn validate(&self) -> Result<(), String> {
        let (window, bucket) = (self.window_secs, self.bucket_secs);
        if !(MIN_WINDOW_SECS..=MAX_WINDOW_SECS).contains(&window) {
            return Err(format!(
                "window_seconds must be between {MIN_WINDOW_SECS} and {MAX_WINDOW_SECS}"
            ));
        }
        if !(1..=window).contains(&bucket) {
            return Err("bucket_seconds must be between 1 and window_seconds".into());
        }
        if max_buckets(window, bucket) > MAX_BUCKETS {
            let least = (1..=window).find(|&b| max_buckets(window, b) <= MAX_BUCKETS);
            return Err(format!(
                "a {window} s window in {bucket} s buckets is more than {MAX_BUCKETS} buckets; \
                 use bucket_seconds of at least {}",
                least.unwrap_or(window)
            ));
        }
        Ok(())
    }

    /// The per-field statistics of one second for every series key this query splits into.
    fn keyed_fields<'a>(&self, stats: &'a SecondStats) -> Vec<(Option<&'a str>, &'a FieldStats)> {
        let of = |fields: &'a [(String, FieldStats)]| {
            fields
                .iter()
                .find(|(name, _)| *name == self.field)
                .map(|(_, f)| f)
        };
        match &self.split_by {
            None => of(&stats.fields).map(|f| (None, f)).into_iter().collect(),
            Some(label) => stats
                .splits
                .iter()
                .filter(|split| split.label == *label)
                .filter_map(|split| {
                    of(stats.split_fields(split)).map(|f| (Some(split.value.as_str()), f))
                })
                .collect(),
        }
    }
}

/// Most aligned buckets a window can touch: one more than fit when it starts mid-bucket.
fn max_buckets(window: u64, bucket: u64) -> u64 {
    if bucket == 1 {
        window
    } else {
        (window + bucket - 2) / bucket + 1
    }
}

/// Count, sum and extremes plus the merged sketch of one chart bucket.
struct Accumulator {
    stats: FieldStats,
    sketch: MergedSketch,
}

impl Accumulator {
    fn add(&mut self, second: &FieldStats) {
        self.stats.count += second.count;
        self.stats.sum += second.sum;
        self.stats.min = self.stats.min.min(second.min);
        self.stats.max = self.stats.max.max(second.max);
        self.sketch.merge(&second.sketch);
    }

    fn bucket(&self, start_second: i64) -> SeriesBucket {
        let summary = field_summary(&self.stats, &self.sketch);
        SeriesBucket {
            start: time::format_time(start_second * 1_000_000),
            count: self.stats.count,
            avg: summary.avg,
            min: summary.min,
            max: summary.max,
            p50: summary.p50,
            p95: summary.p95,
            p99: summary.p99,
        }
    }
}

impl Rollup {
    /// The series `query` asks for, over the seconds `(now - window, now]`.
    pub fn series(&mut self, query: &SeriesQuery, now: Micros) -> Vec<Series> {
        self.forget_before(horizon(now) * 1_000_000);
        let Some(seconds) = self.types.get(&query.event_type) else {
            return Vec::new();
        };
        let last = now.div_euclid(1_000_000);
        let first = last - query.window_secs as i64 + 1;
        let width = query.bucket_secs.max(1) as i64;
        let mut merged: BTreeMap<Option<&str>, BTreeMap<i64, Accumulator>> = BTreeMap::new();
        for (&second, stats) in seconds.range(first..=last) {
            let start = second.div_euclid(width) * width;
            for (key, field) in query.keyed_fields(stats) {
                merged
                    .entry(key)
                    .or_default()
                    .entry(start)
                    .or_insert_with(|| Accumulator {
                        stats: FieldStats::new(),
                        sketch: MergedSketch::default(),
                    })
                    .add(field);
            }
        }
        merged
            .into_iter()
            .map(|(key, buckets)| Series {
                key: key.map(str::to_string),
                buckets: buckets
                    .iter()
                    .map(|(&start, acc)| acc.bucket(start))
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "series_tests.rs"]
mod tests;
