//! A bank (ASPSP): how long its calls take, how often they fail, and how it throttles.
//!
//! Each rate-limit policy is a small type in its own module that decides admission from the
//! time passed in and holds no clock. A bank has a list of them; a call is admitted only if
//! all admit, and a rejection by one consumes nothing from the others (check all, then
//! commit all). The client never sees the policies, only outcomes.

pub mod concurrency;
pub mod token_bucket;

pub use concurrency::ConcurrencyCap;
pub use token_bucket::TokenBucket;

use crate::time::{SimDuration, SimTime};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal};

/// A rejected call (HTTP 429). `retry_at` is the earliest time the rejecting policy knows the
/// call could succeed, when it knows one (the basis of a Retry-After header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub retry_at: Option<SimTime>,
}

/// One rate-limit policy. A closed enum rather than trait objects: dispatch is a jump table
/// on the hot path, and the set of policies is the model's vocabulary.
#[derive(Clone, Debug, PartialEq)]
pub enum Limit {
    Concurrency(ConcurrencyCap),
    TokenBucket(TokenBucket),
}

impl Limit {
    #[inline]
    fn check(&self, now: SimTime) -> Result<(), Rejection> {
        match self {
            Limit::Concurrency(c) => c.check(),
            Limit::TokenBucket(t) => t.check(now),
        }
    }
    #[inline]
    fn admit(&mut self, now: SimTime) {
        match self {
            Limit::Concurrency(c) => c.admit(),
            Limit::TokenBucket(t) => t.admit(now),
        }
    }
    #[inline]
    fn release(&mut self) {
        match self {
            Limit::Concurrency(c) => c.release(),
            Limit::TokenBucket(_) => {}
        }
    }
}

/// The distribution of a bank call's service time (from the bank call's start to its answer).
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceTime {
    Constant(SimDuration),
    Exponential {
        mean: SimDuration,
        dist: Exp<f64>,
    },
    /// `ln(service seconds) ~ Normal(mu, sigma)`; the median is `exp(mu)`.
    LogNormal {
        mu: f64,
        sigma: f64,
        dist: LogNormal<f64>,
    },
}

/// z-score of the 95th percentile of the standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;

impl ServiceTime {
    pub fn constant(d: SimDuration) -> Self {
        ServiceTime::Constant(d)
    }
    /// Exponential with the given mean (> 0).
    pub fn exponential(mean: SimDuration) -> Self {
        let dist = Exp::new(1.0 / mean.as_secs_f64()).expect("mean > 0 validated");
        ServiceTime::Exponential { mean, dist }
    }
    /// Lognormal from its median and log-space sigma (≥ 0).
    pub fn lognormal_sigma(median: SimDuration, sigma: f64) -> Self {
        let mu = median.as_secs_f64().ln();
        let dist = LogNormal::new(mu, sigma).expect("sigma >= 0 validated");
        ServiceTime::LogNormal { mu, sigma, dist }
    }
    /// Lognormal from its median and 95th percentile (p95 ≥ median).
    pub fn lognormal_p95(median: SimDuration, p95: SimDuration) -> Self {
        let sigma = (p95.as_secs_f64() / median.as_secs_f64()).ln() / Z95;
        Self::lognormal_sigma(median, sigma)
    }

    /// Draws one service time.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match self {
            ServiceTime::Constant(d) => *d,
            ServiceTime::Exponential { dist, .. } => SimDuration::from_secs_f64(dist.sample(rng)),
            ServiceTime::LogNormal { dist, .. } => SimDuration::from_secs_f64(dist.sample(rng)),
        }
    }

    /// The distribution's mean in seconds (exact, for Little's-law checks and docs).
    pub fn mean_secs(&self) -> f64 {
        match self {
            ServiceTime::Constant(d) => d.as_secs_f64(),
            ServiceTime::Exponential { mean, .. } => mean.as_secs_f64(),
            ServiceTime::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
        }
    }
}

/// A bank as configured by a scenario: immutable parameters plus the initial state of its
/// policies. Each run clones it, so runs never share state.
#[derive(Clone, Debug, PartialEq)]
pub struct Bank {
    pub name: String,
    /// Share of connections held at this bank, in (0, 1].
    pub share: f64,
    pub service_time: ServiceTime,
    /// Probability that an admitted call ends in a 5xx error rather than success.
    pub error_rate: f64,
    pub limits: Vec<Limit>,
}

impl Bank {
    /// Admits a call at `now` if every policy admits it; otherwise consumes nothing and
    /// returns the first rejection.
    #[inline]
    pub fn try_admit(&mut self, now: SimTime) -> Result<(), Rejection> {
        for limit in &self.limits {
            limit.check(now)?;
        }
        for limit in &mut self.limits {
            limit.admit(now);
        }
        Ok(())
    }

    /// Records the end of an admitted call.
    #[inline]
    pub fn release(&mut self) {
        for limit in &mut self.limits {
            limit.release();
        }
    }

    /// Draws an admitted call's service time and whether it fails, in that fixed order.
    #[inline]
    pub fn draw_call<R: Rng + ?Sized>(&self, rng: &mut R) -> (SimDuration, bool) {
        let service = self.service_time.sample(rng);
        let failed = self.error_rate > 0.0 && rng.random::<f64>() < self.error_rate;
        (service, failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(limits: Vec<Limit>) -> Bank {
        Bank {
            name: "b".into(),
            share: 1.0,
            service_time: ServiceTime::constant(SimDuration::from_secs(1)),
            error_rate: 0.0,
            limits,
        }
    }

    #[test]
    fn a_rejection_consumes_nothing_from_other_policies() {
        // Token bucket of burst 2 listed first, cap of 1 second: the cap's rejection must
        // not take a token.
        let mut b = bank(vec![
            Limit::TokenBucket(TokenBucket::new(1e-3, 2)),
            Limit::Concurrency(ConcurrencyCap::new(1)),
        ]);
        let t = SimTime(0);
        assert!(b.try_admit(t).is_ok());
        assert!(b.try_admit(t).is_err()); // cap full: bucket keeps its second token
        b.release();
        assert!(b.try_admit(t).is_ok()); // second token still there
        b.release();
        assert!(b.try_admit(t).is_err()); // now the bucket is empty
    }

    #[test]
    fn lognormal_from_p95_has_that_p95() {
        let s = ServiceTime::lognormal_p95(SimDuration::from_secs(5), SimDuration::from_secs(15));
        let ServiceTime::LogNormal { mu, sigma, .. } = s else {
            panic!()
        };
        assert!((mu.exp() - 5.0).abs() < 1e-9);
        assert!(((mu + Z95 * sigma).exp() - 15.0).abs() < 1e-9);
    }
}
