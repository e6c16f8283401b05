//! A mergeable quantile sketch with a guaranteed relative error.
//!
//! Values fall into logarithmic buckets `(γ^(k-1), γ^k]` with `γ = (1+α)/(1-α)`; a quantile is
//! answered with its bucket's midpoint, which is within `α` (1 %) of the true value at that rank.
//! Buckets are counts, so sketches of different seconds merge by adding counts; this is what lets
//! `/metrics/latest` answer over a million events in milliseconds. Negative values use a mirrored
//! set of buckets; values within `1e-9` of zero have their own count.

/// Relative accuracy of every quantile: the answer is within this fraction of the true value.
pub const RELATIVE_ACCURACY: f64 = 0.01;

const ZERO_THRESHOLD: f64 = 1e-9;

fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

fn key_of(magnitude: f64) -> i32 {
    (magnitude.ln() / gamma().ln()).ceil() as i32
}

fn value_of(key: i32) -> f64 {
    let gamma = gamma();
    2.0 * gamma.powi(key) / (gamma + 1.0)
}

/// Bucket counts kept sorted by key; compact for the few distinct values of one second. A
/// second never holds 4 billion events, so a 32-bit count halves the memory of every bucket.
#[derive(Debug, Clone, Default)]
struct Buckets(Vec<(i32, u32)>);

impl Buckets {
    fn add(&mut self, key: i32, count: u32) {
        match self.0.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(at) => self.0[at].1 += count,
            Err(at) => self.0.insert(at, (key, count)),
        }
    }

    /// Adds every count of `other`, merging the two sorted lists in one pass.
    fn merge(&mut self, other: &Buckets) {
        if other.0.is_empty() {
            return;
        }
        let mut merged = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut mine, mut theirs) = (self.0.iter().peekable(), other.0.iter().peekable());
        loop {
            let next = match (mine.peek(), theirs.peek()) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    let sum = (a.0, a.1 + b.1);
                    mine.next();
                    theirs.next();
                    sum
                }
                (Some(a), Some(b)) if a.0 < b.0 => *mine.next().expect("peeked"),
                (Some(_), Some(_)) | (None, Some(_)) => *theirs.next().expect("peeked"),
                (Some(_), None) => *mine.next().expect("peeked"),
                (None, None) => break,
            };
            merged.push(next);
        }
        self.0 = merged;
    }
}

/// A quantile sketch of one numeric field over some span of time.
#[derive(Debug, Clone, Default)]
pub struct Sketch {
    positive: Buckets,
    negative: Buckets,
    zeros: u64,
}

impl Sketch {
    /// Releases spare capacity once no more values will come.
    pub fn shrink(&mut self) {
        self.positive.0.shrink_to_fit();
        self.negative.0.shrink_to_fit();
    }

    /// Counts one finite value.
    pub fn insert(&mut self, value: f64) {
        if value.abs() < ZERO_THRESHOLD {
            self.zeros += 1;
        } else if value > 0.0 {
            self.positive.add(key_of(value), 1);
        } else {
            self.negative.add(key_of(-value), 1);
        }
    }

    /// Adds every count of `other`, as if its values had been inserted here.
    pub fn merge(&mut self, other: &Sketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
    }
}

/// Counts by key in one contiguous vector: merging thousands of per-second sketches is then an
/// index and an add per bucket, with no tree to rebalance.
#[derive(Debug, Default)]
struct DenseCounts {
    offset: i32,
    counts: Vec<u64>,
}

impl DenseCounts {
    fn add(&mut self, key: i32, count: u64) {
        if self.counts.is_empty() {
            self.offset = key;
        } else if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = key;
        }
        let at = (key - self.offset) as usize;
        if at >= self.counts.len() {
            self.counts.resize(at + 1, 0);
        }
        self.counts[at] += count;
    }

    /// Non-empty buckets in ascending key order (reversible).
    fn iter(&self) -> impl DoubleEndedIterator<Item = (i32, u64)> + '_ {
        let offset = self.offset;
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(move |(at, count)| (offset + at as i32, *count))
    }
}

/// Sketches of many seconds merged for one query.
#[derive(Debug, Default)]
pub struct MergedSketch {
    positive: DenseCounts,
    negative: DenseCounts,
    zeros: u64,
    total: u64,
}

impl MergedSketch {
    /// Adds every count of `sketch`.
    pub fn merge(&mut self, sketch: &Sketch) {
        for &(key, count) in &sketch.positive.0 {
            self.positive.add(key, u64::from(count));
            self.total += u64::from(count);
        }
        for &(key, count) in &sketch.negative.0 {
            self.negative.add(key, u64::from(count));
            self.total += u64::from(count);
        }
        self.zeros += sketch.zeros;
        self.total += sketch.zeros;
    }

    /// The value at quantile `q` (0..=1), as the lower nearest rank `floor(q * (n - 1))`, or
    /// `None` when nothing was counted.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.total - 1) as f64).floor() as u64;
        let mut seen = 0;
        // Ascending order: the most negative values first, then zeros, then positives.
        for (key, count) in self.negative.iter().rev() {
            seen += count;
            if seen > rank {
                return Some(-value_of(key));
            }
        }
        seen += self.zeros;
        if seen > rank {
            return Some(0.0);
        }
        for (key, count) in self.positive.iter() {
            seen += count;
            if seen > rank {
                return Some(value_of(key));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64).floor() as usize]
    }

    /// A small deterministic generator, so the test needs no extra crate.
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn quantiles_stay_within_the_relative_accuracy() {
        let mut seed = 42;
        let mut values: Vec<f64> = (0..20_000)
            .map(|i| match i % 4 {
                0 => lcg(&mut seed) * 2_000.0,
                1 => 300.0 + lcg(&mut seed).powi(4) * 9_000.0,
                2 => -50.0 + lcg(&mut seed) * 40.0,
                _ => 0.0,
            })
            .collect();
        let mut thirds = [Sketch::default(), Sketch::default(), Sketch::default()];
        for (i, v) in values.iter().enumerate() {
            thirds[i % 3].insert(*v);
        }
        let [mut first, second, third] = thirds;
        first.merge(&second);
        let mut merged = MergedSketch::default();
        [first, third].iter().for_each(|s| merged.merge(s));
        values.sort_by(f64::total_cmp);

        for q in [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0] {
            let exact = exact_quantile(&values, q);
            let approx = merged.quantile(q).unwrap();
            let tolerance = exact.abs() * RELATIVE_ACCURACY * 1.000_001;
            assert!(
                (approx - exact).abs() <= tolerance,
                "q={q}: {approx} vs exact {exact}"
            );
        }
    }

    #[test]
    fn an_empty_sketch_has_no_quantiles() {
        assert_eq!(MergedSketch::default().quantile(0.5), None);
    }
}
