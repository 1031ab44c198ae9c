//! Latency histograms with fixed buckets: counts add up across hours, days and groups, and a
//! median or p90 read from them lies in the bucket that holds the exact value.

use serde::{Deserialize, Serialize};

/// Upper bounds (exclusive) of the buckets, in seconds; a last bucket holds everything above.
/// Finer where answers usually fall (minutes to a working day), coarser for the long tail.
pub const BOUNDS: [i64; 28] = [
    60,
    5 * 60,
    10 * 60,
    15 * 60,
    30 * 60,
    45 * 60,
    3600,
    90 * 60,
    2 * 3600,
    3 * 3600,
    4 * 3600,
    6 * 3600,
    8 * 3600,
    12 * 3600,
    18 * 3600,
    86400,
    36 * 3600,
    2 * 86400,
    3 * 86400,
    4 * 86400,
    5 * 86400,
    7 * 86400,
    10 * 86400,
    14 * 86400,
    21 * 86400,
    30 * 86400,
    60 * 86400,
    90 * 86400,
];

/// How many buckets a histogram has.
pub const BUCKETS: usize = BOUNDS.len() + 1;

/// The bucket a duration falls in (negative durations, from clock skew, count as zero).
pub fn bucket_of(seconds: i64) -> usize {
    BOUNDS.iter().position(|bound| seconds < *bound).unwrap_or(BOUNDS.len())
}

/// The seconds bucket `index` spans: `[lower, upper)`, the last one open-ended.
pub fn bucket_span(index: usize) -> (i64, Option<i64>) {
    let lower = if index == 0 { 0 } else { BOUNDS[index - 1] };
    (lower, BOUNDS.get(index).copied())
}

/// Counts per bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram(pub [u64; BUCKETS]);

impl Default for Histogram {
    fn default() -> Self {
        Self([0; BUCKETS])
    }
}

impl Histogram {
    pub fn of(samples: impl IntoIterator<Item = i64>) -> Self {
        let mut h = Self::default();
        for s in samples {
            h.record(s);
        }
        h
    }

    pub fn record(&mut self, seconds: i64) {
        self.0[bucket_of(seconds)] += 1;
    }

    pub fn add(&mut self, other: &Histogram) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            *mine += theirs;
        }
    }

    pub fn count(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The `q`-quantile (0 < q ≤ 1) in seconds, by the nearest-rank rule: the bucket holding
    /// the sample of rank ⌈q·n⌉, interpolated linearly within it (the open last bucket answers
    /// its lower bound). `None` without samples.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut below = 0;
        for (index, count) in self.0.iter().enumerate() {
            if *count > 0 && below + count >= rank {
                let (lower, upper) = bucket_span(index);
                let Some(upper) = upper else { return Some(lower) };
                let within = (rank - below) as f64 / *count as f64;
                return Some(lower + ((upper - lower) as f64 * within).round() as i64);
            }
            below += count;
        }
        None
    }

    pub fn median(&self) -> Option<i64> {
        self.quantile(0.5)
    }

    pub fn p90(&self) -> Option<i64> {
        self.quantile(0.9)
    }
}

/// The exact `q`-quantile of samples by the same nearest-rank rule (for tests and rebuilds).
pub fn exact_quantile(samples: &[i64], q: f64) -> Option<i64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_has_one_bucket_and_the_bounds_rise() {
        assert!(BOUNDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(bucket_of(-5), 0);
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(59), 0);
        assert_eq!(bucket_of(60), 1);
        assert_eq!(bucket_of(3599), 6);
        assert_eq!(bucket_of(3600), 7);
        assert_eq!(bucket_of(i64::MAX), BUCKETS - 1);
        for i in 0..BUCKETS {
            let (lower, upper) = bucket_span(i);
            assert_eq!(bucket_of(lower), i);
            if let Some(upper) = upper {
                assert_eq!(bucket_of(upper - 1), i);
            }
        }
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles() {
        assert_eq!(Histogram::default().median(), None);
        assert_eq!(exact_quantile(&[], 0.5), None);
    }

    #[test]
    fn a_lone_long_wait_reads_as_the_open_bucket_s_lower_bound() {
        let h = Histogram::of([200 * 86400]);
        assert_eq!(h.median(), Some(90 * 86400));
    }

    #[test]
    fn adding_histograms_is_adding_their_samples() {
        let mut a = Histogram::of([10, 4000]);
        a.add(&Histogram::of([70_000]));
        assert_eq!(a, Histogram::of([10, 4000, 70_000]));
        assert_eq!(a.count(), 3);
    }

    /// Percentiles from the buckets are within one bucket of the exact ones: the bucket the
    /// estimate falls in is the bucket the exact value falls in.
    #[test]
    fn percentiles_land_in_the_exact_value_s_bucket() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..300 {
            let n = 1 + (next() % 200) as usize;
            let spread = [600_i64, 86_400, 40 * 86_400][round % 3];
            let samples: Vec<i64> = (0..n).map(|_| (next() % spread as u64) as i64).collect();
            let h = Histogram::of(samples.iter().copied());
            for q in [0.5, 0.9] {
                let exact = exact_quantile(&samples, q).unwrap();
                let estimate = h.quantile(q).unwrap();
                let (lower, upper) = bucket_span(bucket_of(exact));
                assert!(
                    estimate >= lower && upper.is_none_or(|u| estimate <= u),
                    "q {q}: exact {exact}, estimate {estimate}, bucket {lower}..{upper:?}"
                );
            }
        }
    }
}
