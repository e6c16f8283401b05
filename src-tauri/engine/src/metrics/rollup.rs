//! Per-second buckets of every event type, remembered for the longest window, with per-minute
//! aggregates on top so a two-hour window merges about 180 buckets per field, not 7,200.

use std::collections::{BTreeMap, HashMap};

use super::sketch::{MergedSketch, Sketch};
use super::{round2, FieldSummary, MetricFields, TypeSummary, MAX_WINDOW_SECS};
use crate::time::Micros;

/// Exact count, sum and extremes of one field over a span, with its sketch.
#[derive(Debug, Clone)]
struct FieldStats {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    sketch: Sketch,
}

impl FieldStats {
    fn new() -> Self {
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

/// Everything one event type did over a span (a second or a minute).
#[derive(Debug, Clone, Default)]
struct SpanStats {
    count: u64,
    failures: f64,
    /// Few fields per type, so a vector beats a map.
    fields: Vec<(String, FieldStats)>,
}

impl SpanStats {
    fn field_mut(&mut self, name: &str) -> &mut FieldStats {
        let at = match self.fields.iter().position(|(n, _)| n == name) {
            Some(at) => at,
            None => {
                self.fields.push((name.to_string(), FieldStats::new()));
                self.fields.len() - 1
            }
        };
        &mut self.fields[at].1
    }

    fn add(&mut self, metrics: &MetricFields) {
        self.count += 1;
        self.failures += metrics.failures.unwrap_or(0.0);
        for (name, value) in &metrics.values {
            self.field_mut(name).add(*value);
        }
    }

    fn merge(&mut self, other: &SpanStats) {
        self.count += other.count;
        self.failures += other.failures;
        for (name, field) in &other.fields {
            self.field_mut(name).merge(field);
        }
    }
}

/// One event type's buckets. Invariant: each minute aggregate equals the merge of the seconds
/// of that minute that are still held.
#[derive(Debug, Default)]
struct TypeSeries {
    seconds: BTreeMap<i64, SpanStats>,
    minutes: BTreeMap<i64, SpanStats>,
}

impl TypeSeries {
    fn forget_before(&mut self, first_kept: i64) {
        self.seconds = self.seconds.split_off(&first_kept);
        self.minutes = self.minutes.split_off(&first_kept.div_euclid(60));
        if first_kept.rem_euclid(60) != 0 {
            // The minute cut in two is rebuilt from the seconds it keeps.
            let minute = first_kept.div_euclid(60);
            let mut rebuilt = SpanStats::default();
            for stats in self
                .seconds
                .range(first_kept..(minute + 1) * 60)
                .map(|(_, s)| s)
            {
                rebuilt.merge(stats);
            }
            if rebuilt.count == 0 {
                self.minutes.remove(&minute);
            } else {
                self.minutes.insert(minute, rebuilt);
            }
        }
    }

    /// Merges everything from second `start` on: single seconds up to the next whole minute,
    /// then minute aggregates.
    fn since(&self, start: i64) -> SpanStats {
        let first_minute = (start + 59).div_euclid(60);
        let mut total = SpanStats::default();
        for stats in self.seconds.range(start..first_minute * 60).map(|(_, s)| s) {
            total.merge(stats);
        }
        for stats in self.minutes.range(first_minute..).map(|(_, s)| s) {
            total.merge(stats);
        }
        total
    }
}

/// The in-memory rollup behind `/metrics/latest`, keyed by type, then by epoch second.
///
/// Invariant: it holds exactly the committed, unpruned events whose time is at most
/// [`MAX_WINDOW_SECS`] (plus one second) before the latest `now` it was given.
#[derive(Debug, Default)]
pub struct Rollup {
    types: HashMap<String, TypeSeries>,
}

impl Rollup {
    /// Counts one committed event, unless it is too old for any window.
    pub fn record(&mut self, event_type: &str, ts: Micros, metrics: &MetricFields, now: Micros) {
        let second = ts.div_euclid(1_000_000);
        if second < horizon(now) {
            return;
        }
        let series = match self.types.get_mut(event_type) {
            Some(series) => series,
            None => self.types.entry(event_type.to_string()).or_default(),
        };
        series.seconds.entry(second).or_default().add(metrics);
        series
            .minutes
            .entry(second.div_euclid(60))
            .or_default()
            .add(metrics);
    }

    /// Forgets every event before `cutoff`, which must be the start of a second; called when the
    /// store prunes with the same cutoff, so the two stay in step.
    pub fn forget_before(&mut self, cutoff: Micros) {
        let first_kept = cutoff.div_euclid(1_000_000);
        self.types.retain(|_, series| {
            series.forget_before(first_kept);
            !series.seconds.is_empty()
        });
    }

    /// Aggregates of every type over the last `window_secs` seconds before `now`.
    pub fn summarize(&mut self, window_secs: u64, now: Micros) -> BTreeMap<String, TypeSummary> {
        self.forget_before(horizon(now) * 1_000_000);
        let start = (now / 1_000_000) - window_secs as i64;
        self.types
            .iter()
            .filter_map(|(name, series)| {
                type_summary(&series.since(start)).map(|s| (name.clone(), s))
            })
            .collect()
    }
}

/// First second the rollup keeps: the longest window, plus the partial second it starts in.
fn horizon(now: Micros) -> i64 {
    now.div_euclid(1_000_000) - MAX_WINDOW_SECS as i64 - 1
}

fn type_summary(total: &SpanStats) -> Option<TypeSummary> {
    if total.count == 0 {
        return None;
    }
    let fields = total
        .fields
        .iter()
        .map(|(name, field)| (name.clone(), field_summary(field)))
        .collect();
    Some(TypeSummary {
        count: total.count,
        failures: round2(total.failures),
        fields,
    })
}

fn field_summary(total: &FieldStats) -> FieldSummary {
    let mut merged = MergedSketch::default();
    merged.merge(&total.sketch);
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
            failures: None,
            values: vec![("latency_ms".into(), ms)],
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
            values: vec![],
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
    fn forgetting_drops_pruned_seconds_and_old_events_are_ignored() {
        let mut rollup = Rollup::default();
        rollup.record("t", NOW - 100 * SEC, &latency(1.0), NOW);
        rollup.record("t", NOW - 10 * SEC, &latency(2.0), NOW);
        rollup.record("t", NOW - 9000 * SEC, &latency(3.0), NOW);

        rollup.forget_before(NOW - 50 * SEC);

        assert_eq!(rollup.summarize(7200, NOW)["t"].count, 1);
    }

    #[test]
    fn minute_aggregates_agree_with_seconds_after_a_cut_inside_a_minute() {
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
}
