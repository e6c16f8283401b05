//! Events committed since the engine started, by type: the counters behind `/metrics`.
//!
//! Prometheus wants counters that only grow, so these are kept apart from the window rollup,
//! which forgets old seconds and is rebuilt from disk at start.

use std::collections::BTreeMap;

use super::MetricFields;

/// Count and sum of one metric field since start.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FieldTotal {
    /// Values seen.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
}

/// What one event type committed since start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeTotal {
    /// Events committed.
    pub events: u64,
    /// Count and sum of each metric field, by field name.
    pub fields: BTreeMap<String, FieldTotal>,
}

/// Totals since start, by event type.
#[derive(Debug, Clone, Default)]
pub struct EventTotals {
    types: BTreeMap<String, TypeTotal>,
}

impl EventTotals {
    /// Counts one committed event.
    pub fn count(&mut self, event_type: &str, metrics: &MetricFields) {
        let total = match self.types.get_mut(event_type) {
            Some(total) => total,
            None => self.types.entry(event_type.to_string()).or_default(),
        };
        total.events += 1;
        for (name, value) in &metrics.values {
            let field = match total.fields.get_mut(name) {
                Some(field) => field,
                None => total.fields.entry(name.clone()).or_default(),
            };
            field.count += 1;
            field.sum += value;
        }
    }

    /// Every type's totals, sorted by type.
    pub fn by_type(&self) -> &BTreeMap<String, TypeTotal> {
        &self.types
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_count_events_and_sum_fields_per_type() {
        let mut totals = EventTotals::default();
        let fields = MetricFields {
            values: vec![("latency_ms".into(), 40.0)],
            ..MetricFields::default()
        };

        totals.count("pipeline.metric", &fields);
        totals.count("pipeline.metric", &fields);
        totals.count("asr_final", &MetricFields::default());

        let pipeline = &totals.by_type()["pipeline.metric"];
        assert_eq!(pipeline.events, 2, "each committed event counts once");
        assert_eq!(
            pipeline.fields["latency_ms"],
            FieldTotal {
                count: 2,
                sum: 80.0
            }
        );
        assert!(
            totals.by_type()["asr_final"].fields.is_empty(),
            "no fields, no field totals"
        );
    }
}
