//! Client retries: exponential backoff with jitter, optionally honouring Retry-After.
//!
//! After a retryable failure the client waits and tries again, up to `max_attempts` attempts
//! per refresh (the first included). The wait before retry `n` (0-based) is built from
//! `v = min(cap, base·2^n)`:
//! - `none`: `v`;
//! - `full`: uniform in `[0, v)` (AWS's "full jitter");
//! - `equal`: `v/2` plus uniform in `[0, v/2)`;
//! - `decorrelated`: `min(cap, uniform in [base, 3·previous))`, starting from `previous = base`.
//!
//! When `honour_retry_after` is set and the 429 carried a Retry-After (whole seconds, as HTTP
//! sends it: see [`crate::bank::Bank::try_admit`]), the client waits at least until then,
//! plus a uniform jitter in `[0, retry_after_jitter)` so that the clients told the same
//! second do not all come back at that instant. Only `rate_limited` and `error` outcomes can be retried; a
//! `reconnect_required` needs the customer and is never retried.

use crate::time::{SimDuration, SimTime};
use rand::{Rng, RngExt};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
    Equal,
    Decorrelated,
}

impl Jitter {
    pub fn name(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Full => "full",
            Jitter::Equal => "equal",
            Jitter::Decorrelated => "decorrelated",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per refresh including the first; 1 means no retries.
    pub max_attempts: u32,
    pub base: SimDuration,
    pub cap: SimDuration,
    pub jitter: Jitter,
    pub honour_retry_after: bool,
    /// Jitter added to an honoured Retry-After: uniform in `[0, retry_after_jitter)`.
    pub retry_after_jitter: SimDuration,
    /// Queued clients: a worker keeps its slot while it waits to retry (`true`, as an HTTP
    /// client's retry middleware sleeps in the worker: tower's `Retry`, the AWS SDKs,
    /// urllib3), or hands the slot to the next refresh (`false`, as job queues such as
    /// Sidekiq, Celery or BullMQ reschedule a failed job and move on).
    pub hold_slot: bool,
    pub on_rate_limited: bool,
    pub on_error: bool,
}

impl Default for RetryPolicy {
    /// No retries.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 1,
            base: SimDuration::from_secs(1),
            cap: SimDuration::from_mins(5),
            jitter: Jitter::Full,
            honour_retry_after: true,
            retry_after_jitter: SimDuration::ZERO,
            hold_slot: true,
            on_rate_limited: true,
            on_error: true,
        }
    }
}

impl RetryPolicy {
    pub fn enabled(&self) -> bool {
        self.max_attempts > 1
    }

    /// The wait before retry number `n` (0 for the first retry). `previous` is the last wait
    /// (used by decorrelated jitter; pass `base` for the first); `retry_after` is the
    /// rejection's Retry-After instant, if any.
    pub fn delay<R: Rng + ?Sized>(
        &self,
        n: u32,
        previous: SimDuration,
        now: SimTime,
        retry_after: Option<SimTime>,
        rng: &mut R,
    ) -> SimDuration {
        let cap = self.cap.as_micros();
        let base = self.base.as_micros();
        let v = base
            .saturating_mul(1u64.checked_shl(n.min(63)).unwrap_or(u64::MAX))
            .min(cap);
        let wait = match self.jitter {
            Jitter::None => v,
            Jitter::Full => uniform(rng, 0, v),
            Jitter::Equal => v / 2 + uniform(rng, 0, v - v / 2),
            Jitter::Decorrelated => {
                let hi = previous.as_micros().max(base).saturating_mul(3);
                uniform(rng, base, hi).min(cap)
            }
        };
        let mut wait = SimDuration(wait);
        if self.honour_retry_after {
            if let Some(at) = retry_after {
                let jitter = uniform(rng, 0, self.retry_after_jitter.as_micros());
                wait = wait.max(at.saturating_since(now) + SimDuration(jitter));
            }
        }
        wait
    }
}

/// Uniform integer in `[lo, hi)`, or `lo` when the range is empty.
fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus as TestRng;

    fn policy(jitter: Jitter) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 10,
            base: SimDuration::from_secs(1),
            cap: SimDuration::from_secs(30),
            jitter,
            honour_retry_after: true,
            retry_after_jitter: SimDuration::ZERO,
            hold_slot: true,
            on_rate_limited: true,
            on_error: true,
        }
    }

    #[test]
    fn exponential_without_jitter_doubles_up_to_the_cap() {
        let p = policy(Jitter::None);
        let mut rng = TestRng::seed_from_u64(1);
        let waits: Vec<u64> = (0..7)
            .map(|n| p.delay(n, p.base, SimTime(0), None, &mut rng).as_micros() / 1_000_000)
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn jitters_stay_in_their_ranges_and_have_the_right_means() {
        let mut rng = TestRng::seed_from_u64(2);
        let n = 20_000;
        for (jitter, lo, hi, mean) in [
            (Jitter::Full, 0.0, 8.0, 4.0),
            (Jitter::Equal, 4.0, 8.0, 6.0),
        ] {
            let p = policy(jitter);
            let xs: Vec<f64> = (0..n)
                .map(|_| p.delay(3, p.base, SimTime(0), None, &mut rng).as_secs_f64())
                .collect();
            assert!(xs.iter().all(|&x| x >= lo && x < hi), "{jitter:?}");
            let m = xs.iter().sum::<f64>() / n as f64;
            // Uniform on an interval of width w has sd w/sqrt(12); 6 standard errors.
            let se = (hi - lo) / 12f64.sqrt() / (n as f64).sqrt();
            assert!((m - mean).abs() < 6.0 * se, "{jitter:?} mean {m}");
        }
        let p = policy(Jitter::Decorrelated);
        let prev = SimDuration::from_secs(4);
        for _ in 0..1000 {
            let d = p.delay(0, prev, SimTime(0), None, &mut rng).as_secs_f64();
            assert!((1.0..12.0).contains(&d));
        }
    }

    #[test]
    fn retry_after_is_a_floor_when_honoured() {
        let mut p = policy(Jitter::None);
        let mut rng = TestRng::seed_from_u64(3);
        let now = SimTime(10_000_000);
        let ra = Some(SimTime(70_000_000));
        assert_eq!(
            p.delay(0, p.base, now, ra, &mut rng),
            SimDuration::from_secs(60)
        );
        p.retry_after_jitter = SimDuration::from_secs(2);
        for _ in 0..1000 {
            let d = p.delay(0, p.base, now, ra, &mut rng).as_secs_f64();
            assert!((60.0..62.0).contains(&d), "{d}");
        }
        p.honour_retry_after = false;
        assert_eq!(
            p.delay(0, p.base, now, ra, &mut rng),
            SimDuration::from_secs(1)
        );
    }
}
