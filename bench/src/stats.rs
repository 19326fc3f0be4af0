//! Summaries of timings.

use std::time::Duration;

/// Timings of one kind, sorted.
#[derive(Debug, Clone)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new(mut samples: Vec<Duration>) -> Self {
        assert!(!samples.is_empty(), "no timings to summarise");
        samples.sort();
        Self(samples)
    }

    /// The nearest-rank percentile: the smallest sample that at least `p`
    /// per cent of the samples do not exceed.
    pub fn percentile(&self, p: u32) -> Duration {
        let rank = (self.0.len() * p as usize).div_ceil(100).max(1);
        self.0[rank - 1]
    }

    pub fn median(&self) -> Duration {
        self.percentile(50)
    }

    pub fn min(&self) -> Duration {
        self.0[0]
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(values: &[u64]) -> Samples {
        Samples::new(values.iter().map(|&v| Duration::from_millis(v)).collect())
    }

    #[test]
    fn nearest_rank_percentiles() {
        let five = samples(&[5, 1, 4, 2, 3]);
        assert_eq!(five.median(), Duration::from_millis(3));
        assert_eq!(five.min(), Duration::from_millis(1));
        assert_eq!(five.percentile(99), Duration::from_millis(5));
        let hundred = samples(&(1..=100).collect::<Vec<_>>());
        assert_eq!(hundred.percentile(99), Duration::from_millis(99));
        assert_eq!(hundred.median(), Duration::from_millis(50));
        assert_eq!(samples(&[7]).percentile(0), Duration::from_millis(7));
    }
}
