//! What customer-initiated refreshes got: per bank, the requests, how they ended, and the
//! time from a customer's request to their data (a success learned), as a histogram.

use crate::time::{SimDuration, SimTime};

/// Histogram buckets of request-to-data time: 100 ms each, up to an hour (the last bucket
/// holds longer waits).
const BUCKET_US: u64 = 100_000;
const BUCKETS: usize = 36_001;

/// On-demand counters and waits, per bank.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DemandStats {
    banks: usize,
    /// Requests customers made.
    pub requests: Vec<u64>,
    /// Requests for a connection whose refresh was already under way: they ride it.
    pub joined: Vec<u64>,
    /// Attempts made for requests, and how they ended.
    pub attempts: Vec<u64>,
    pub successes: Vec<u64>,
    /// Rate-limited or failed (429 or 5xx).
    pub failed: Vec<u64>,
    /// Bank-major histogram of request-to-data times (empty when there are no requests).
    waits: Vec<u32>,
}

impl DemandStats {
    pub fn new(banks: usize, enabled: bool) -> DemandStats {
        let v = || vec![0; if enabled { banks } else { 0 }];
        DemandStats {
            banks,
            requests: v(),
            joined: v(),
            attempts: v(),
            successes: v(),
            failed: v(),
            waits: vec![0; if enabled { banks * BUCKETS } else { 0 }],
        }
    }

    /// Whether the run had customer-initiated refreshes.
    pub fn enabled(&self) -> bool {
        !self.requests.is_empty()
    }

    /// A success learned at `now` for a request made at `since`.
    #[inline]
    pub fn served(&mut self, bank: usize, since: SimTime, now: SimTime) {
        self.successes[bank] += 1;
        let bucket = (now.saturating_since(since).as_micros() / BUCKET_US) as usize;
        self.waits[bank * BUCKETS + bucket.min(BUCKETS - 1)] += 1;
    }

    /// A request made at `since` still without its data when the window ends at `end`
    /// (queued for a slot): counted at the wait it has had, a lower bound of its own, past
    /// the hour once it has waited one. (A trial's queue of one slot through the priority
    /// lane served no request of the measured days, its waits empty, and a plan read it as
    /// none refused.)
    pub fn unanswered(&mut self, bank: usize, since: SimTime, end: SimTime) {
        let bucket = (end.saturating_since(since).as_micros() / BUCKET_US) as usize;
        self.waits[bank * BUCKETS + bucket.min(BUCKETS - 1)] += 1;
    }

    fn sum(v: &[u64], bank: Option<usize>) -> u64 {
        match bank {
            Some(b) => v.get(b).copied().unwrap_or(0),
            None => v.iter().sum(),
        }
    }

    /// Attempts made for requests of `bank` (`None`: all banks).
    pub fn attempts_of(&self, bank: Option<usize>) -> u64 {
        Self::sum(&self.attempts, bank)
    }

    /// Requests of `bank` (`None`: all banks).
    pub fn requests_of(&self, bank: Option<usize>) -> u64 {
        Self::sum(&self.requests, bank)
    }

    /// (429s + 5xx) over the attempts made for requests; `None` without attempts.
    pub fn failure_rate(&self, bank: Option<usize>) -> Option<f64> {
        let attempts = Self::sum(&self.attempts, bank);
        (attempts > 0).then(|| Self::sum(&self.failed, bank) as f64 / attempts as f64)
    }

    /// The `q` quantile of request-to-data time in seconds (the upper edge of its 100 ms
    /// bucket), over the requests that got data and those counted [`Self::unanswered`];
    /// infinite when it falls among waits of an hour or more (the histogram's last bucket);
    /// `None` when there are none.
    pub fn wait_quantile_seconds(&self, bank: Option<usize>, q: f64) -> Option<f64> {
        if !self.enabled() {
            return None;
        }
        let count = |i: usize| -> u64 {
            match bank {
                Some(b) => self.waits[b * BUCKETS + i] as u64,
                None => (0..self.banks)
                    .map(|b| self.waits[b * BUCKETS + i] as u64)
                    .sum(),
            }
        };
        let total: u64 = (0..BUCKETS).map(count).sum();
        if total == 0 {
            return None;
        }
        let rank = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for i in 0..BUCKETS {
            seen += count(i);
            if seen >= rank {
                if i == BUCKETS - 1 {
                    return Some(f64::INFINITY);
                }
                return Some(SimDuration((i as u64 + 1) * BUCKET_US).as_secs_f64());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_quantiles_are_bucket_edges() {
        let mut d = DemandStats::new(2, true);
        let t = |s: f64| SimTime((s * 1e6) as u64);
        for w in [1.0, 2.0, 3.0, 10.05] {
            d.served(0, t(100.0), t(100.0 + w));
        }
        d.served(1, t(0.0), t(7200.0));
        assert_eq!(d.wait_quantile_seconds(Some(0), 0.5), Some(2.1));
        assert_eq!(d.wait_quantile_seconds(Some(0), 1.0), Some(10.1));
        assert_eq!(d.wait_quantile_seconds(None, 1.0), Some(f64::INFINITY));
        // Requests still waiting at the end count at their wait so far, past the hour once
        // they have waited one.
        let mut e = DemandStats::new(1, true);
        e.unanswered(0, t(0.0), t(3599.9));
        assert_eq!(e.wait_quantile_seconds(None, 1.0), Some(3600.0));
        e.unanswered(0, t(0.0), t(3600.0));
        assert_eq!(e.wait_quantile_seconds(None, 1.0), Some(f64::INFINITY));
        assert_eq!(
            DemandStats::new(1, false).wait_quantile_seconds(None, 0.5),
            None
        );
    }
}
