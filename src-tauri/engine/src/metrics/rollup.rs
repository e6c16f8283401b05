//! Per-second buckets of every event type, remembered for the longest window.
//!
//! Each second of a type holds exact count, sum and extremes and a quantile sketch per metric
//! field, overall and split by label (`source`, `stage`, ...), so `/metrics/latest` and the chart
//! series of `/metrics/series` ([`super::series`]) both merge at most 7,200 small buckets. On
//! top, per-minute totals (without splits) let `/metrics/latest` merge about 180 buckets per
//! field for a two-hour window instead of 7,200.

use std::collections::{BTreeMap, HashMap};

use super::sketch::{MergedSketch, Sketch};
use super::totals::EventTotals;
use super::{round2, FieldSummary, MetricFields, TypeSummary, MAX_WINDOW_SECS};
use crate::time::Micros;

/// Exact count, sum and extremes of one field in one second, with its sketch.
#[derive(Debug, Clone)]
pub(super) struct FieldStats {
    pub(super) count: u64,
    pub(super) sum: f64,
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) sketch: Sketch,
}

impl FieldStats {
    pub(super) fn new() -> Self {
        FieldStats {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sketch: Sketch::default(),
        }
    }

    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sketch.insert(value);
    }

    fn merge(&mut self, other: &FieldStats) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sketch.merge(&other.sketch);
    }
}

/// Totals of one type over one minute, without splits. Invariant: equal to the merge of the
/// seconds of that minute that the rollup still holds.
#[derive(Debug, Clone, Default)]
struct MinuteStats {
    count: u64,
    failures: f64,
    fields: Vec<(String, FieldStats)>,
}

impl MinuteStats {
    fn add(&mut self, metrics: &MetricFields) {
        self.count += 1;
        self.failures += metrics.failures.unwrap_or(0.0);
        add_values(&mut self.fields, &metrics.values);
    }

    fn merge_second(&mut self, second: &SecondStats) {
        self.count += second.count;
        self.failures += second.failures;
        merge_fields(&mut self.fields, &second.fields);
    }
}

/// Distinct values one label may have within one type and second; more are counted together
/// under [`OTHER_LABEL_VALUE`], so a label with unbounded values (an id) cannot grow memory.
pub const MAX_LABEL_VALUES_PER_SECOND: usize = 32;
/// The split key that gathers label values beyond [`MAX_LABEL_VALUES_PER_SECOND`].
pub const OTHER_LABEL_VALUE: &str = "(other)";

/// Field statistics of the events of one second that carry one label value.
#[derive(Debug, Clone)]
pub(super) struct Split {
    pub(super) label: String,
    pub(super) value: String,
    /// Events with this label value.
    count: u64,
    /// Every event of the second has this value, so `fields` would repeat the second's own;
    /// it is left empty to save memory (a GPU's name, a constant source).
    whole: bool,
    fields: Vec<(String, FieldStats)>,
}

/// Everything one event type did in one second.
#[derive(Debug, Clone, Default)]
pub(super) struct SecondStats {
    count: u64,
    failures: f64,
    /// Few fields per type, so a vector beats a map.
    pub(super) fields: Vec<(String, FieldStats)>,
    /// The same fields again, per label value.
    pub(super) splits: Vec<Split>,
}

impl SecondStats {
    /// The field statistics of `split`'s events.
    pub(super) fn split_fields<'a>(&'a self, split: &'a Split) -> &'a [(String, FieldStats)] {
        if split.whole {
            &self.fields
        } else {
            &split.fields
        }
    }

    /// Called once the second is complete: drops spare capacity, and the copies of splits that
    /// hold every event of the second.
    fn shrink(&mut self) {
        self.fields.shrink_to_fit();
        self.splits.shrink_to_fit();
        for split in self.splits.iter_mut().filter(|s| s.count == self.count) {
            split.whole = true;
            split.fields = Vec::new();
        }
        let split_fields = self.splits.iter_mut().flat_map(|s| s.fields.iter_mut());
        for (_, field) in self.fields.iter_mut().chain(split_fields) {
            field.sketch.shrink();
        }
    }

    fn add(&mut self, metrics: &MetricFields) {
        // A late event for a completed second: give whole splits their own copy back first.
        for split in self.splits.iter_mut().filter(|s| s.whole) {
            split.fields = self.fields.clone();
            split.whole = false;
        }
        self.count += 1;
        self.failures += metrics.failures.unwrap_or(0.0);
        add_values(&mut self.fields, &metrics.values);
        for (label, value) in &metrics.labels {
            let split = self.split_for(label, value);
            split.count += 1;
            add_values(&mut split.fields, &metrics.values);
        }
    }

    /// The split of `label = value`, created on first use; past the per-second cap of values
    /// for one label, the split of `label = (other)`.
    fn split_for(&mut self, label: &str, value: &str) -> &mut Split {
        let find = |splits: &[Split], value: &str| {
            splits
                .iter()
                .position(|s| s.label == label && s.value == value)
        };
        let mut at = find(&self.splits, value);
        if at.is_none() {
            let values = self.splits.iter().filter(|s| s.label == label).count();
            let value = if values >= MAX_LABEL_VALUES_PER_SECOND {
                OTHER_LABEL_VALUE
            } else {
                value
            };
            at = find(&self.splits, value);
            if at.is_none() {
                self.splits.push(Split {
                    label: label.to_string(),
                    value: value.to_string(),
                    count: 0,
                    whole: false,
                    fields: Vec::new(),
                });
            }
        }
        let last = self.splits.len() - 1;
        &mut self.splits[at.unwrap_or(last)]
    }
}

fn merge_fields(into: &mut Vec<(String, FieldStats)>, from: &[(String, FieldStats)]) {
    for (name, field) in from {
        match into.iter_mut().find(|(n, _)| n == name) {
            Some((_, total)) => total.merge(field),
            None => into.push((name.clone(), field.clone())),
        }
    }
}

fn add_values(fields: &mut Vec<(String, FieldStats)>, values: &[(String, f64)]) {
    for (name, value) in values {
        let at = match fields.iter().position(|(n, _)| n == name) {
            Some(at) => at,
            None => {
                fields.push((name.clone(), FieldStats::new()));
                fields.len() - 1
            }
        };
        fields[at].1.add(*value);
    }
}

/// The in-memory rollup behind `/metrics/latest`, keyed by type, then by epoch second.
///
/// Invariant: it holds exactly the committed, unpruned events whose time is at most
/// [`MAX_WINDOW_SECS`] (plus one second) before the latest `now` it was given.
#[derive(Debug, Default)]
pub struct Rollup {
    pub(super) types: HashMap<String, BTreeMap<i64, SecondStats>>,
    minutes: HashMap<String, BTreeMap<i64, MinuteStats>>,
    totals: EventTotals,
}

impl Rollup {
    /// Records an event the writer just committed: in the window buckets and in the totals since
    /// start that `/metrics` exposes. (Rebuilding from disk at start uses [`Rollup::record`], so
    /// the totals count only what this run committed.)
    pub fn record_committed(
        &mut self,
        event_type: &str,
        ts: Micros,
        metrics: &MetricFields,
        now: Micros,
    ) {
        self.record(event_type, ts, metrics, now);
        self.totals.count(event_type, metrics);
    }

    /// Events committed since start, by type, with count and sum of each metric field.
    pub fn totals(&self) -> &EventTotals {
        &self.totals
    }

    /// Counts one committed event, unless it is too old for any window.
    pub fn record(&mut self, event_type: &str, ts: Micros, metrics: &MetricFields, now: Micros) {
        let second = ts.div_euclid(1_000_000);
        if second < horizon(now) {
            return;
        }
        let seconds = match self.types.get_mut(event_type) {
            Some(seconds) => seconds,
            None => self.types.entry(event_type.to_string()).or_default(),
        };
        if let Some(mut newest) = seconds.last_entry().filter(|e| *e.key() < second) {
            // Events arrive in time order almost always: the newest second is now complete, so
            // its vectors will not grow again and their spare capacity can go.
            newest.get_mut().shrink();
        }
        seconds.entry(second).or_default().add(metrics);
        let minutes = match self.minutes.get_mut(event_type) {
            Some(minutes) => minutes,
            None => self.minutes.entry(event_type.to_string()).or_default(),
        };
        minutes
            .entry(second.div_euclid(60))
            .or_default()
            .add(metrics);
    }

    /// Forgets every event before `cutoff`, which must be the start of a second; called when the
    /// store prunes with the same cutoff, so the two stay in step.
    pub fn forget_before(&mut self, cutoff: Micros) {
        let first_kept = cutoff.div_euclid(1_000_000);
        self.types.retain(|_, seconds| {
            *seconds = seconds.split_off(&first_kept);
            !seconds.is_empty()
        });
        let first_minute = first_kept.div_euclid(60);
        let types = &self.types;
        self.minutes.retain(|event_type, minutes| {
            *minutes = minutes.split_off(&first_minute);
            if first_kept.rem_euclid(60) != 0 && minutes.contains_key(&first_minute) {
                // The minute cut in two is rebuilt from the seconds it keeps.
                let mut rebuilt = MinuteStats::default();
                let kept = types.get(event_type).into_iter().flat_map(|seconds| {
                    seconds
                        .range(first_kept..(first_minute + 1) * 60)
                        .map(|(_, s)| s)
                });
                kept.for_each(|second| rebuilt.merge_second(second));
                minutes.insert(first_minute, rebuilt);
                minutes.retain(|_, minute| minute.count > 0);
            }
            !minutes.is_empty()
        });
    }

    /// Aggregates of every type over the last `window_secs` seconds before `now`.
    pub fn summarize(&mut self, window_secs: u64, now: Micros) -> BTreeMap<String, TypeSummary> {
        self.forget_before(horizon(now) * 1_000_000);
        let start = (now / 1_000_000) - window_secs as i64;
        self.types
            .iter()
            .filter_map(|(name, seconds)| {
                let minutes = self.minutes.get(name)?;
                summarize_type(seconds, minutes, start).map(|s| (name.clone(), s))
            })
            .collect()
    }
}

/// First second the rollup keeps: the longest window, plus the partial second it starts in.
pub(super) fn horizon(now: Micros) -> i64 {
    now.div_euclid(1_000_000) - MAX_WINDOW_SECS as i64 - 1
}

/// Merges single seconds from `start` up to the next whole minute, then whole minutes.
fn summarize_type(
    seconds: &BTreeMap<i64, SecondStats>,
    minutes: &BTreeMap<i64, MinuteStats>,
    start: i64,
) -> Option<TypeSummary> {
    let first_minute = (start + 59).div_euclid(60);
    let mut total = MinuteStats::default();
    for second in seconds.range(start..first_minute * 60).map(|(_, s)| s) {
        total.merge_second(second);
    }
    for minute in minutes.range(first_minute..).map(|(_, m)| m) {
        total.count += minute.count;
        total.failures += minute.failures;
        merge_fields(&mut total.fields, &minute.fields);
    }
    if total.count == 0 {
        return None;
    }
    let fields = total
        .fields
        .iter()
        .map(|(name, field)| {
            let mut merged = MergedSketch::default();
            merged.merge(&field.sketch);
            (name.clone(), field_summary(field, &merged))
        })
        .collect();
    Some(TypeSummary {
        count: total.count,
        failures: round2(total.failures),
        fields,
    })
}

pub(super) fn field_summary(total: &FieldStats, merged: &MergedSketch) -> FieldSummary {
    // Clamping keeps a bucket midpoint from stepping outside the observed range.
    let quantile = |q| {
        round2(
            merged
                .quantile(q)
                .unwrap_or(0.0)
                .clamp(total.min, total.max),
        )
    };
    FieldSummary {
        sum: round2(total.sum),
        avg: round2(total.sum / total.count as f64),
        min: round2(total.min),
        max: round2(total.max),
        p50: quantile(0.5),
        p90: quantile(0.9),
        p95: quantile(0.95),
        p99: quantile(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Micros = 1_767_225_600_000_000;
    const SEC: Micros = 1_000_000;

    fn latency(ms: f64) -> MetricFields {
        MetricFields {
            values: vec![("latency_ms".into(), ms)],
            ..MetricFields::default()
        }
    }

    #[test]
    fn window_counts_only_events_inside_it() {
        let mut rollup = Rollup::default();
        rollup.record("pipeline.metric", NOW - 30 * SEC, &latency(100.0), NOW);
        rollup.record("pipeline.metric", NOW - 90 * SEC, &latency(300.0), NOW);

        let short = rollup.summarize(60, NOW);
        let long = rollup.summarize(120, NOW);

        assert_eq!(
            short["pipeline.metric"].count, 1,
            "the 90 s old event is outside 60 s"
        );
        assert_eq!(long["pipeline.metric"].fields["latency_ms"].sum, 400.0);
        assert_eq!(long["pipeline.metric"].fields["latency_ms"].max, 300.0);
    }

    #[test]
    fn failures_are_summed_and_fields_without_values_are_absent() {
        let mut rollup = Rollup::default();
        let failed = MetricFields {
            failures: Some(2.0),
            ..MetricFields::default()
        };
        rollup.record("soak.result", NOW, &failed, NOW);
        rollup.record("soak.result", NOW, &failed, NOW);

        let summary = &rollup.summarize(300, NOW)["soak.result"];

        assert_eq!(summary.failures, 4.0);
        assert!(summary.fields.is_empty(), "no metric fields were sent");
    }

    #[test]
    fn percentiles_of_a_uniform_spread_are_close_to_exact() {
        let mut rollup = Rollup::default();
        for i in 1..=1000 {
            rollup.record("t", NOW - (i % 50) * SEC, &latency(i as f64), NOW);
        }

        let field = &rollup.summarize(300, NOW)["t"].fields["latency_ms"];

        for (approx, exact) in [(field.p50, 500.0), (field.p90, 900.0), (field.p99, 990.0)] {
            assert!(
                (approx - exact).abs() <= exact * 0.011,
                "{approx} vs {exact}"
            );
        }
        assert_eq!(
            (field.min, field.max, field.avg),
            (1.0, 1000.0, 500.5),
            "exact aggregates"
        );
    }

    #[test]
    fn minute_totals_agree_with_seconds_after_a_cut_inside_a_minute() {
        let mut rollup = Rollup::default();
        for i in 0..600 {
            rollup.record("t", NOW - i * SEC, &latency(i as f64), NOW);
        }

        rollup.forget_before(NOW - 125 * SEC);

        for window in [60, 61, 89, 120, 300] {
            let summary = &rollup.summarize(window, NOW)["t"];
            let expected = (window as i64 + 1).min(126);
            assert_eq!(summary.count as i64, expected, "window {window}");
            assert_eq!(
                summary.fields["latency_ms"].max,
                (expected - 1) as f64,
                "window {window}"
            );
        }
    }

    #[test]
    fn forgetting_drops_pruned_seconds_and_old_events_are_ignored() {
        let mut rollup = Rollup::default();
        rollup.record("t", NOW - 100 * SEC, &latency(1.0), NOW);
        rollup.record("t", NOW - 10 * SEC, &latency(2.0), NOW);
        rollup.record("t", NOW - 9000 * SEC, &latency(3.0), NOW);

        rollup.forget_before(NOW - 50 * SEC);

        assert_eq!(rollup.summarize(7200, NOW)["t"].count, 1);
    }
}
