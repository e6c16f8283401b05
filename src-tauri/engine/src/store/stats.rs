//! Counters of the writer's work, for `/metrics`: commits, group sizes and commit time.
//!
//! The writer thread updates them with relaxed atomics after each group commit; readers take a
//! consistent-enough copy without ever blocking the writer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the write-batch-size histogram, in events per committed group.
pub const GROUP_SIZE_BOUNDS: &[u64] = &[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 20_000];

/// What the writer did since start.
#[derive(Debug, Default)]
pub struct WriterStats {
    groups: AtomicU64,
    events: AtomicU64,
    failed_groups: AtomicU64,
    commit_micros: AtomicU64,
    /// One counter per bound of [`GROUP_SIZE_BOUNDS`], not cumulative.
    size_buckets: [AtomicU64; 12],
}

/// A copy of [`WriterStats`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriterStatsSnapshot {
    /// Groups committed.
    pub groups: u64,
    /// Events committed.
    pub events: u64,
    /// Groups whose commit failed (none of their events stored).
    pub failed_groups: u64,
    /// Time spent committing, in seconds.
    pub commit_seconds: f64,
    /// Cumulative histogram of group sizes: `(upper bound, groups of at most that many events)`.
    pub size_histogram: Vec<(u64, u64)>,
}

impl WriterStats {
    /// Counts one committed group of `events` events that took `elapsed`.
    pub fn record_group(&self, events: usize, elapsed: Duration) {
        self.groups.fetch_add(1, Ordering::Relaxed);
        self.events.fetch_add(events as u64, Ordering::Relaxed);
        self.commit_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        let slot = GROUP_SIZE_BOUNDS
            .iter()
            .position(|&bound| events as u64 <= bound)
            .unwrap_or(GROUP_SIZE_BOUNDS.len() - 1);
        self.size_buckets[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one group whose commit failed.
    pub fn record_failure(&self) {
        self.failed_groups.fetch_add(1, Ordering::Relaxed);
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> WriterStatsSnapshot {
        let mut cumulative = 0;
        let size_histogram = GROUP_SIZE_BOUNDS
            .iter()
            .zip(&self.size_buckets)
            .map(|(&bound, count)| {
                cumulative += count.load(Ordering::Relaxed);
                (bound, cumulative)
            })
            .collect();
        WriterStatsSnapshot {
            groups: self.groups.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            failed_groups: self.failed_groups.load(Ordering::Relaxed),
            commit_seconds: self.commit_micros.load(Ordering::Relaxed) as f64 / 1e6,
            size_histogram,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_sizes_land_in_a_cumulative_histogram() {
        let stats = WriterStats::default();

        stats.record_group(1, Duration::from_millis(2));
        stats.record_group(7, Duration::from_millis(3));
        stats.record_group(20_000, Duration::from_millis(5));

        let snapshot = stats.snapshot();
        assert_eq!((snapshot.groups, snapshot.events), (3, 20_008));
        assert_eq!(
            snapshot.size_histogram[0],
            (1, 1),
            "one group of a single event"
        );
        assert_eq!(
            snapshot.size_histogram[3],
            (10, 2),
            "the group of 7 is at most 10"
        );
        assert_eq!(
            snapshot.size_histogram.last(),
            Some(&(20_000, 3)),
            "the last bound counts all"
        );
        assert!(
            (snapshot.commit_seconds - 0.010).abs() < 1e-9,
            "commit time adds up"
        );
    }
}
