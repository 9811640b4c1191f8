//! Token bucket, implemented as GCRA (the generic cell rate algorithm, as in `governor`).
//!
//! Rule: tokens refill at `rate` per second up to `burst`; a call takes one token or is
//! rejected (HTTP 429). Burst behaviour: up to `burst` calls pass at once from a full bucket,
//! then calls pass at the steady `rate`. Guarantee: in any interval of length `T`, at most
//! `burst + rate·T` calls are admitted.
//!
//! GCRA keeps one number instead of a token count: the theoretical arrival time `tat` of the
//! next conforming call. A call at `now` conforms iff `now ≥ tat − τ` with `τ = (burst − 1)·I`,
//! where `I = 1/rate` is the emission interval; admitting it sets `tat = max(tat, now) + I`.
//! State and arithmetic are integer nanoseconds, and `I` is rounded *up* to a whole
//! nanosecond, so the bucket never admits faster than its nominal rate.

use super::Rejection;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    emission_ns: u64,
    tolerance_ns: u64,
    tat_ns: u64,
    /// Tokens an admission spends: the API calls of one refresh ([`TokenBucket::per_refresh`]).
    calls: u32,
}

impl TokenBucket {
    /// The longest a rejected call is told to wait: one emission interval (a rejection
    /// means the next conforming instant is less than one interval away).
    pub fn longest_wait(&self) -> SimDuration {
        SimDuration(self.emission_ns.div_ceil(1_000))
    }

    /// `rate` calls per second (finite, > 0) with bursts of up to `burst` (≥ 1) calls.
    pub fn new(rate: f64, burst: u32) -> Self {
        assert!(
            rate.is_finite() && rate > 0.0,
            "token bucket rate must be > 0"
        );
        assert!(burst >= 1, "token bucket burst must be >= 1");
        let emission_ns = (1e9 / rate).ceil().max(1.0) as u64;
        TokenBucket {
            emission_ns,
            tolerance_ns: (burst as u64 - 1).saturating_mul(emission_ns),
            tat_ns: 0,
            calls: 1,
        }
    }

    /// The same bucket spending `calls` tokens an admission (a refresh of that many API
    /// calls, `1 ≤ calls ≤ burst`): GCRA with the emission interval `calls · I` and the
    /// tolerance `(burst − calls) · I`, so a full bucket admits `⌊burst / calls⌋` refreshes at
    /// once and `rate / calls` a second after, exactly as tokens spent `calls` at a time.
    pub fn per_refresh(self, calls: u32) -> Self {
        assert!(
            calls >= 1 && self.burst() >= calls as u64 && self.calls == 1,
            "a refresh's calls must fit in the burst"
        );
        let k = calls as u64;
        TokenBucket {
            emission_ns: self.emission_ns.saturating_mul(k),
            tolerance_ns: self.tolerance_ns - (k - 1) * self.emission_ns,
            tat_ns: 0,
            calls,
        }
    }

    /// The API calls an admission spends.
    pub fn calls(&self) -> u32 {
        self.calls
    }

    /// Would a call at `now` be admitted? Changes nothing. A rejection says when the next
    /// call would conform.
    #[inline]
    pub fn check(&self, now: SimTime) -> Result<(), Rejection> {
        let now_ns = now.as_micros().saturating_mul(1_000);
        if now_ns.saturating_add(self.tolerance_ns) >= self.tat_ns {
            Ok(())
        } else {
            let ready_ns = self.tat_ns - self.tolerance_ns;
            Err(Rejection {
                retry_at: Some(SimTime(ready_ns.div_ceil(1_000))),
            })
        }
    }

    /// The most admissions (refreshes) the bucket admits in any span of length `span`:
    /// `burst + rate·span` in calls, over the calls an admission spends (the rate as the
    /// integer emission interval realises it).
    pub fn most_in(&self, span: SimDuration) -> f64 {
        let burst = (self.tolerance_ns / self.emission_ns + 1) as f64;
        burst + span.as_micros() as f64 * 1_000.0 / self.emission_ns as f64
    }

    /// Calls per second, as the integer emission interval realises it.
    pub fn rate(&self) -> f64 {
        self.calls as f64 * 1e9 / self.emission_ns as f64
    }

    /// Calls a full bucket holds.
    pub fn burst(&self) -> u64 {
        let k = self.calls as u64;
        self.tolerance_ns * k / self.emission_ns + k
    }

    /// Records an admitted call at `now` (after every policy of the bank has agreed).
    #[inline]
    pub fn admit(&mut self, now: SimTime) {
        let now_ns = now.as_micros().saturating_mul(1_000);
        self.tat_ns = self.tat_ns.max(now_ns).saturating_add(self.emission_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(tb: &mut TokenBucket, t: SimTime) -> bool {
        let ok = tb.check(t).is_ok();
        if ok {
            tb.admit(t);
        }
        ok
    }

    #[test]
    fn full_bucket_admits_burst_then_rate() {
        let mut tb = TokenBucket::new(2.0, 5);
        let t0 = SimTime(0);
        let admitted = (0..10).filter(|_| offer(&mut tb, t0)).count();
        assert_eq!(admitted, 5);
        // One token every 500 ms afterwards.
        assert!(!offer(&mut tb, t0 + SimDuration::from_millis(499)));
        assert!(offer(&mut tb, t0 + SimDuration::from_millis(500)));
        assert!(!offer(&mut tb, t0 + SimDuration::from_millis(999)));
        assert!(offer(&mut tb, t0 + SimDuration::from_millis(1000)));
    }

    #[test]
    fn rejection_says_when_the_next_call_conforms() {
        let mut tb = TokenBucket::new(4.0, 1);
        assert!(offer(&mut tb, SimTime(0)));
        let r = tb.check(SimTime(1)).unwrap_err();
        assert_eq!(r.retry_at, Some(SimTime(250_000)));
        assert!(offer(&mut tb, r.retry_at.unwrap()));
    }

    #[test]
    fn idle_bucket_refills_only_to_burst() {
        let mut tb = TokenBucket::new(10.0, 3);
        let later = SimTime(SimDuration::from_hours(1).as_micros());
        let admitted = (0..10).filter(|_| offer(&mut tb, later)).count();
        assert_eq!(admitted, 3);
    }

    /// Eight calls a refresh from a bucket of 2 calls a second and a burst of 20: two
    /// refreshes at once (16 calls; a third's 8 would pass 20), then one every 4 s.
    #[test]
    fn a_refresh_of_several_calls_spends_that_many_tokens() {
        let mut tb = TokenBucket::new(2.0, 20).per_refresh(8);
        assert_eq!((tb.rate(), tb.burst(), tb.calls()), (2.0, 20, 8));
        let t0 = SimTime(0);
        assert_eq!((0..5).filter(|_| offer(&mut tb, t0)).count(), 2);
        // 16 spent, 4 left: the next refresh needs 4 more, 2 s later; then one every 4 s.
        assert!(!offer(&mut tb, t0 + SimDuration::from_millis(1_999)));
        assert!(offer(&mut tb, t0 + SimDuration::from_millis(2_000)));
        assert!(!offer(&mut tb, t0 + SimDuration::from_millis(5_999)));
        assert!(offer(&mut tb, t0 + SimDuration::from_millis(6_000)));
        // Two at once, and one every 4 s of a 40 s span.
        assert_eq!(tb.most_in(SimDuration::from_secs(40)), 12.0);
    }

    #[test]
    fn fractional_rates_never_exceed_nominal() {
        // 3 per second does not divide a microsecond grid; admitted count over a long
        // saturated run must still be within burst + rate * T.
        let mut tb = TokenBucket::new(3.0, 2);
        let mut admitted = 0u64;
        let secs = 10_000u64;
        for us in (0..secs * 1_000_000).step_by(1_000) {
            if offer(&mut tb, SimTime(us)) {
                admitted += 1;
            }
        }
        assert!(admitted <= 2 + 3 * secs, "{admitted}");
        assert!(admitted >= 3 * secs - 1, "{admitted}");
    }
}
