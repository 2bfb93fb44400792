//! Histograms of seconds (to acknowledge, to resolve) with fixed bucket edges, the rollup's
//! way of keeping percentiles beyond the live window, and the percentile estimate from one:
//! linear interpolation inside the bucket that holds the rank. Bucket `i` holds values in
//! `[EDGES[i-1], EDGES[i])` (bucket 0: below 30 s; the last: a week and more).

/// Bucket edges in seconds: about 25 % apart from 30 s up to a week.
pub const EDGES: [f64; 36] = [
    30.0, 45.0, 60.0, 75.0, 90.0, 120.0, 150.0, 180.0, 240.0, 300.0, 360.0, 450.0, 600.0, 750.0,
    900.0, 1200.0, 1500.0, 1800.0, 2400.0, 3000.0, 3600.0, 4500.0, 5400.0, 7200.0, 9000.0, 10800.0,
    14400.0, 18000.0, 21600.0, 28800.0, 43200.0, 64800.0, 86400.0, 172800.0, 345600.0, 604800.0,
];
/// Buckets: one more than edges.
pub const BUCKETS: usize = EDGES.len() + 1;

/// The bucket of `secs`.
pub fn bucket(secs: f64) -> usize {
    EDGES.partition_point(|e| *e <= secs)
}

/// A histogram: counts per bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hist(pub Vec<i64>);

impl Default for Hist {
    fn default() -> Self {
        Hist(vec![0; BUCKETS])
    }
}

impl Hist {
    pub fn add(&mut self, secs: f64) {
        self.0[bucket(secs)] += 1;
    }

    pub fn merge(&mut self, other: &[i64]) {
        for (a, b) in self.0.iter_mut().zip(other) {
            *a += b;
        }
    }

    pub fn count(&self) -> i64 {
        self.0.iter().sum()
    }

    /// The `q` quantile (0–1) estimated as `percentile_cont` would place it: rank
    /// `q × (n − 1)`, interpolated linearly across its bucket's range. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = q * (n - 1) as f64;
        let mut seen = 0i64;
        for (i, c) in self.0.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            if rank < (seen + c) as f64 {
                let lo = if i == 0 { 0.0 } else { EDGES[i - 1] };
                let hi = EDGES.get(i).copied().unwrap_or(lo * 2.0);
                let within = (rank - seen as f64 + 0.5) / *c as f64;
                return Some(lo + (hi - lo) * within.clamp(0.0, 1.0));
            }
            seen += c;
        }
        None
    }

    /// The bucket range `[lo, hi)` that holds `secs`, for stating an estimate's precision.
    pub fn range_of(secs: f64) -> (f64, f64) {
        let i = bucket(secs);
        let lo = if i == 0 { 0.0 } else { EDGES[i - 1] };
        (lo, EDGES.get(i).copied().unwrap_or(f64::INFINITY))
    }
}

/// Whether `estimate` lies within the buckets of the two values (of sorted `values`) that
/// the exact `q` quantile interpolates between: the estimate's stated precision.
pub fn within(values: &[f64], q: f64, estimate: f64) -> bool {
    if values.is_empty() {
        return false;
    }
    let rank = q * (values.len() - 1) as f64;
    let lo = Hist::range_of(values[rank.floor() as usize]).0;
    let hi = Hist::range_of(values[rank.ceil() as usize]).1;
    (lo..=hi).contains(&estimate)
}

/// The exact `q` quantile of `values` as Postgres' `percentile_cont` computes it.
pub fn quantile_exact(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = q * (values.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(values[lo] + (values[hi] - values[lo]) * (rank - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_half_open_and_quantiles_stay_in_the_bucket_of_the_exact_one() {
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(29.9), 0);
        assert_eq!(bucket(30.0), 1);
        assert_eq!(bucket(1e9), BUCKETS - 1);
        let mut values = vec![10.0, 40.0, 65.0, 300.0, 301.0, 1000.0, 4000.0];
        let mut h = Hist::default();
        values.iter().for_each(|v| h.add(*v));
        for q in [0.5, 0.9] {
            let exact = quantile_exact(&mut values, q).unwrap();
            let est = h.quantile(q).unwrap();
            assert!(
                within(&values, q, est),
                "q {q}: exact {exact}, estimate {est}"
            );
        }
        assert_eq!(quantile_exact(&mut [1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        assert_eq!(quantile_exact(&mut [5.0], 0.9), Some(5.0));
        assert_eq!(Hist::default().quantile(0.5), None);
    }
}
