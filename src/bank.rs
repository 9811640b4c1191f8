//! A bank (ASPSP): how long its calls take, how often they fail, and how it throttles.
//!
//! Each rate-limit policy is a small type in its own module that decides admission from the
//! time passed in and holds no clock. A bank has a list of them; a call is admitted only if
//! all admit, and a rejection by one consumes nothing from the others (check all, then
//! commit all). The client never sees the policies, only outcomes.

pub mod band;
pub mod capacity;
pub mod concurrency;
pub mod fixed_window;
pub mod limit;
pub mod maintenance;
pub mod penalty_box;
pub mod quota;
pub mod sliding_window;
pub mod token_bucket;

pub use capacity::{Capacity, PolicyBound};
pub use concurrency::ConcurrencyCap;
pub use fixed_window::FixedWindow;
pub use limit::Limit;
pub use maintenance::{Maintenance, MaintenanceMode};
pub use penalty_box::PenaltyBox;
pub use quota::{Quota, QuotaPeriod};
pub use sliding_window::SlidingWindow;
pub use token_bucket::TokenBucket;

use crate::time::{SimDuration, SimTime};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal};

/// A rejected call (HTTP 429). `retry_at` is when the Retry-After header says to come back:
/// the earliest time the rejecting policy knows the call could succeed, rounded up to whole
/// seconds after the rejection as HTTP sends it, when it knows one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub retry_at: Option<SimTime>,
}

/// A bank's refusal of a call: the Retry-After it sends, and whether it refuses every call
/// now (a rate, window, concurrency or maintenance limit) or only this connection's (its
/// quota), which is what a client pausing the whole bank must tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub retry_at: Option<SimTime>,
    pub bank_wide: bool,
    /// A maintenance window refused it (whatever else did too): the bank was closed, not
    /// overrun by the client (the planner keeps such refusals apart from the 429s a client
    /// causes).
    pub outage: bool,
    /// Which of the bank's `limits` refused it: bit `i` for `limits[i]` (the 64th bit for
    /// the 64th and any after), so a run can say which policy its 429s came from.
    pub by: u64,
}

/// What a bank's 429 tells the client about when to retry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryAfter {
    /// No Retry-After header.
    #[default]
    None,
    /// Always the same delay.
    Fixed(SimDuration),
    /// The rejecting policies' own earliest-success time, when they know one.
    Policy,
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

/// The longest service time drawn: 100 years. A lognormal with a sigma near its bound of 10
/// draws times past `u64` microseconds, and the instants after them (the call's end, the
/// poll that reveals it) would saturate or overflow; a call of 100 years outlasts any window
/// all the same.
pub const LONGEST_SERVICE: SimDuration = SimDuration::from_hours(100 * 365 * 24);

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

    /// Draws one service time, at most [`LONGEST_SERVICE`].
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        let d = match self {
            ServiceTime::Constant(d) => *d,
            ServiceTime::Exponential { dist, .. } => SimDuration::from_secs_f64(dist.sample(rng)),
            ServiceTime::LogNormal { dist, .. } => SimDuration::from_secs_f64(dist.sample(rng)),
        };
        d.min(LONGEST_SERVICE)
    }

    /// The distribution's second moment `E[S²]` in seconds² (for residual-time bounds).
    pub fn second_moment_secs2(&self) -> f64 {
        match self {
            ServiceTime::Constant(d) => d.as_secs_f64().powi(2),
            ServiceTime::Exponential { mean, .. } => 2.0 * mean.as_secs_f64().powi(2),
            ServiceTime::LogNormal { mu, sigma, .. } => (2.0 * mu + 2.0 * sigma * sigma).exp(),
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
    /// What the bank models (from the scenario or its preset); may be empty.
    pub description: String,
    /// Share of connections held at this bank, in (0, 1].
    pub share: f64,
    pub service_time: ServiceTime,
    /// Probability that an admitted call ends in a 5xx error rather than success.
    pub error_rate: f64,
    pub limits: Vec<Limit>,
    /// `Some(k)`: the bank serves at most `k` calls at once and queues the rest internally
    /// (FIFO) instead of rejecting them, so latency grows with load (M/M/k when service is
    /// exponential and arrivals Poisson). `None`: every admitted call is served at once.
    pub servers: Option<u32>,
    pub retry_after: RetryAfter,
    /// The API calls one refresh makes (`calls_per_refresh`): the limits already count a
    /// refresh as that many (the scenario folds it into them); kept to report the calls at
    /// the bank (`bank_calls`), which thresholds such as the CDR's count.
    pub calls_per_refresh: u32,
    /// The traffic a fit's log had here, where it found no limit of a kind: the model knows
    /// none above it (empty for a bank not fitted).
    pub tested: Tested,
}

/// The traffic a fitted bank's log had (`tested = { per_hour = 1662, in_flight = 9 }`),
/// which `fit` writes where it could not identify a rate limit (`per_hour`) or a cap
/// (`in_flight`): the bank may have one above it, so its figures hold only up to it, and
/// `plan` says where a setting goes beyond (a trial's plan paced a fitted bank at 3.9 times
/// the log's busiest hour, where the true bank refused half its calls).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tested {
    /// The most calls admitted in any hour (sliding by the minute).
    pub per_hour: Option<u64>,
    /// The most calls likely in flight at once.
    pub in_flight: Option<u32>,
    /// The most unattended calls admitted for one connection in one calendar day, where no
    /// per-connection quota showed: `check` and `run` note a period refreshing more often
    /// (a trial's fitted file, run every 6 h, met no quota at a bank whose PSD2 quota
    /// refused 84,500 of the same client's calls).
    pub per_connection_day: Option<u32>,
}

impl Bank {
    /// The least of the bank's concurrency caps that hold all day (`None` without one): the
    /// most calls a client that knows it keeps in flight there.
    pub fn concurrency_cap(&self) -> Option<u32> {
        self.limits
            .iter()
            .filter_map(|l| match l {
                Limit::Concurrency(c) => Some(c.max_in_flight()),
                _ => None,
            })
            .min()
    }

    /// Sizes per-connection policy state for the bank's `connections` connections.
    pub fn prepare(&mut self, connections: u32) {
        for limit in &mut self.limits {
            limit.prepare(connections);
        }
    }

    /// The longest Retry-After this bank can send (so the longest a client pausing the bank
    /// on one would wait), rounded up as HTTP sends it.
    pub fn longest_retry_after(&self) -> SimDuration {
        match self.retry_after {
            RetryAfter::None => SimDuration::ZERO,
            RetryAfter::Fixed(d) => d.ceil_secs(),
            RetryAfter::Policy => self
                .limits
                .iter()
                .map(Limit::longest_wait)
                .max()
                .unwrap_or(SimDuration::ZERO)
                .ceil_secs(),
        }
    }

    /// Whether a policy keeps state per connection (a quota), so that admission needs the
    /// connection's index within the bank; other banks ignore it.
    pub fn per_connection(&self) -> bool {
        self.limits.iter().any(Limit::per_connection)
    }

    /// Admits a call of connection `conn` (its index within this bank) at `now` if every
    /// policy admits it. Otherwise consumes nothing, counts the breach in any penalty box
    /// (which closes at its `after`-th within `within`), and returns the rejection with the
    /// Retry-After this bank sends.
    #[inline]
    pub fn try_admit(&mut self, now: SimTime, conn: u32, present: bool) -> Result<(), Refusal> {
        let mut rejected = false;
        let mut bank_wide = false;
        let mut box_refused = false;
        let mut outage = false;
        let mut retry_at: Option<SimTime> = None;
        // A customer-present call is not counted by an unattended-access quota, nor by a
        // rate policy for unattended calls (nor an unattended one by one for present calls):
        // such a policy admits it.
        let mut by = 0u64;
        for (i, limit) in self.limits.iter().enumerate() {
            if let Err(r) = limit.check(now, conn, present) {
                rejected = true;
                by |= 1 << i.min(63);
                bank_wide |= !limit.per_connection();
                box_refused |= matches!(limit, Limit::PenaltyBox(_));
                outage |= matches!(limit, Limit::Maintenance(_));
                retry_at = retry_at.max(r.retry_at);
            }
        }
        if !rejected {
            for limit in &mut self.limits {
                limit.admit(now, conn, present);
            }
            return Ok(());
        }
        // A breach counts towards the box (closing it at its threshold); a call the shut box
        // refused is no breach and does not extend it.
        let mut box_shut = box_refused;
        if !box_refused {
            for limit in &mut self.limits {
                if let Limit::PenaltyBox(p) = limit {
                    box_shut |= p.on_breach(now);
                }
            }
            // The box now blocks too: the earliest success is no sooner than its end. (With
            // no box the policies would answer as above.) A policy that does not apply to
            // the call has no say in when it may succeed.
            if box_shut {
                for limit in &self.limits {
                    if let Err(r) = limit.check(now, conn, present) {
                        retry_at = retry_at.max(r.retry_at);
                    }
                }
            }
        }
        // HTTP's Retry-After is a whole number of seconds: the earliest instant rounded up.
        let retry_at = match self.retry_after {
            RetryAfter::None => None,
            RetryAfter::Fixed(d) => Some(now + d.ceil_secs()),
            RetryAfter::Policy => retry_at.map(|at| now + at.saturating_since(now).ceil_secs()),
        };
        // A shut penalty box refuses every connection.
        Err(Refusal {
            retry_at,
            bank_wide: bank_wide || box_shut,
            outage,
            by,
        })
    }

    /// Records the end of an admitted call.
    #[inline]
    pub fn release(&mut self) {
        for limit in &mut self.limits {
            limit.release();
        }
    }

    /// Draws an admitted call's service time and whether it fails, in that fixed order; the
    /// service time is stretched by any maintenance slowdown open at `now`.
    #[inline]
    pub fn draw_call<R: Rng + ?Sized>(&self, now: SimTime, rng: &mut R) -> (SimDuration, bool) {
        let mut service = self.service_time.sample(rng);
        let failed = self.error_rate > 0.0 && rng.random::<f64>() < self.error_rate;
        for limit in &self.limits {
            if let Limit::Maintenance(m) = limit {
                let f = m.latency_factor(now);
                if f != 1.0 {
                    service = SimDuration::from_secs_f64(service.as_secs_f64() * f);
                }
            }
        }
        (service, failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(limits: Vec<Limit>) -> Bank {
        Bank {
            name: "b".into(),
            description: String::new(),
            share: 1.0,
            service_time: ServiceTime::constant(SimDuration::from_secs(1)),
            error_rate: 0.0,
            limits,
            servers: None,
            retry_after: RetryAfter::Policy,
            calls_per_refresh: 1,
            tested: Default::default(),
        }
    }

    /// A call two policies refuse is marked as refused by both (a run counts it at each);
    /// one only the second refuses, by it alone.
    #[test]
    fn a_refusal_says_which_policies_refused() {
        let cap = |n| Limit::Concurrency(ConcurrencyCap::new(n));
        let mut b = bank(vec![cap(1), cap(2)]);
        let t = SimTime::ZERO;
        assert!(b.try_admit(t, 0, false).is_ok());
        assert_eq!(b.try_admit(t, 1, false).unwrap_err().by, 0b01);
        b.limits[0] = cap(3);
        assert!(b.try_admit(t, 2, false).is_ok());
        assert_eq!(b.try_admit(t, 3, false).unwrap_err().by, 0b10);
        b.limits = vec![cap(1), cap(1)];
        assert!(b.try_admit(t, 4, false).is_ok());
        assert_eq!(b.try_admit(t, 5, false).unwrap_err().by, 0b11);
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
        assert!(b.try_admit(t, 0, false).is_ok());
        assert!(b.try_admit(t, 0, false).is_err()); // cap full: bucket keeps its second token
        b.release();
        assert!(b.try_admit(t, 0, false).is_ok()); // second token still there
        b.release();
        assert!(b.try_admit(t, 0, false).is_err()); // now the bucket is empty
    }

    #[test]
    fn a_breach_closes_the_penalty_box_and_retry_after_follows_the_mode() {
        let mut b = bank(vec![
            Limit::Concurrency(ConcurrencyCap::new(1)),
            Limit::PenaltyBox(PenaltyBox::new(SimDuration::from_secs(120))),
        ]);
        let t = SimTime(0);
        assert!(b.try_admit(t, 0, false).is_ok());
        let r = b.try_admit(t, 0, false).unwrap_err(); // the cap rejects: the box closes
        assert_eq!(r.retry_at, Some(t + SimDuration::from_secs(120)));
        b.release();
        // The cap is free again, but the box rejects until it opens.
        assert!(b
            .try_admit(t + SimDuration::from_secs(119), 0, false)
            .is_err());
        assert!(b
            .try_admit(t + SimDuration::from_secs(120), 0, false)
            .is_ok());
        b.release();
        b.retry_after = RetryAfter::None;
        b.try_admit(t + SimDuration::from_secs(120), 0, false)
            .unwrap();
        assert_eq!(
            b.try_admit(t + SimDuration::from_secs(120), 0, false)
                .unwrap_err()
                .retry_at,
            None
        );
        b.retry_after = RetryAfter::Fixed(SimDuration::from_secs(30));
        let now = t + SimDuration::from_secs(500);
        assert_eq!(
            b.try_admit(now, 0, false).unwrap_err().retry_at,
            Some(now + SimDuration::from_secs(30))
        );
    }

    /// A customer-present call refused while an unattended-access quota is spent: its
    /// Retry-After is the box's end, not the quota's (which does not apply to it).
    #[test]
    fn a_present_calls_retry_after_ignores_the_unattended_quota() {
        let mut b = bank(vec![
            Limit::Quota(Quota::new(1, QuotaPeriod::Rolling)),
            Limit::Concurrency(ConcurrencyCap::new(1)),
            Limit::PenaltyBox(PenaltyBox::new(SimDuration::from_secs(60))),
        ]);
        b.prepare(1);
        let s = |x| SimTime(SimDuration::from_secs(x).as_micros());
        assert!(b.try_admit(s(0), 0, false).is_ok()); // the quota's one call of the day
        b.release();
        assert!(b.try_admit(s(10), 0, true).is_ok()); // present: the quota does not count
        let r = b.try_admit(s(20), 0, true).unwrap_err(); // the cap refuses; the box closes
        assert_eq!(r.retry_at, Some(s(80)));
        // Unattended, the spent quota does count: a day after its call.
        let r = b.try_admit(s(30), 0, false).unwrap_err();
        assert_eq!(r.retry_at, Some(s(86_400)));
    }

    /// A bucket for unattended calls neither counts nor refuses customer-present ones, and
    /// its refusal of an unattended call refuses every connection's (not one's, as a quota's);
    /// one for customer-present calls is the mirror image.
    #[test]
    fn a_policy_for_one_kind_of_call_lets_the_other_through() {
        let s = |x| SimTime(SimDuration::from_secs(x).as_micros());
        let bucket = || Limit::TokenBucket(TokenBucket::new(0.01, 1));
        let mut b = bank(vec![Limit::only(false, bucket())]);
        assert!(b.try_admit(s(0), 0, false).is_ok());
        for i in 0..5 {
            assert!(b.try_admit(s(1 + i), 0, true).is_ok(), "present call {i}");
        }
        let r = b.try_admit(s(10), 1, false).unwrap_err();
        assert!(r.bank_wide);
        assert_eq!(r.retry_at, Some(s(100)));
        let mut b = bank(vec![Limit::only(true, bucket())]);
        assert!(b.try_admit(s(0), 0, true).is_ok());
        assert!(b.try_admit(s(1), 0, false).is_ok());
        assert!(b.try_admit(s(2), 1, true).is_err());
        // Scheduled too: outside its hours it counts nothing, within them only its kind.
        let night = Limit::during(SimDuration::ZERO, SimDuration::from_hours(6), bucket());
        let mut b = bank(vec![Limit::only(false, night)]);
        assert!(b.try_admit(s(0), 0, false).is_ok());
        assert!(b.try_admit(s(1), 0, true).is_ok());
        assert!(b.try_admit(s(2), 0, false).is_err());
        assert!(b.try_admit(s(7 * 3600), 0, false).is_ok());
    }

    /// A dated bucket (an incident) refuses and counts on its days only: day 1's calls pass
    /// it uncounted, day 2 meets it full (its burst of two, then a refusal until the next
    /// token), day 3 passes again, and the incident names its days and whole-day hours.
    #[test]
    fn a_dated_policy_acts_on_its_days_only() {
        let h = |x: u64| SimTime(x * 3_600_000_000);
        let cut = Limit::dated(vec![2], Limit::TokenBucket(TokenBucket::new(0.001, 2)));
        assert_eq!(
            cut.incident(),
            Some(((0, crate::time::DAY_US), &[2u32][..]))
        );
        let mut b = bank(vec![cut]);
        for i in 0..5 {
            assert!(
                b.try_admit(h(24) + SimDuration(i), 0, false).is_ok(),
                "day 1, call {i}"
            );
        }
        assert!(b.try_admit(h(48), 0, false).is_ok());
        assert!(b.try_admit(h(48) + SimDuration(1), 0, false).is_ok());
        let r = b.try_admit(h(48) + SimDuration(2), 0, false).unwrap_err();
        assert!(r.bank_wide && r.retry_at.is_some());
        assert!(b.try_admit(h(72), 0, false).is_ok());
        let bucket = Limit::TokenBucket(TokenBucket::new(1.0, 1));
        let night = Limit::during(SimDuration::ZERO, SimDuration::from_hours(6), bucket);
        let dated = Limit::only(false, Limit::dated(vec![0, 3], night));
        assert_eq!(
            dated.incident(),
            Some(((0, 6 * 3_600_000_000), &[0u32, 3][..]))
        );
        assert_eq!(
            Limit::TokenBucket(TokenBucket::new(1.0, 1)).incident(),
            None
        );
    }

    #[test]
    fn calls_the_closed_box_rejects_do_not_extend_it() {
        let mut b = bank(vec![
            Limit::Concurrency(ConcurrencyCap::new(1)),
            Limit::PenaltyBox(PenaltyBox::new(SimDuration::from_secs(60))),
        ]);
        let s = |x| SimTime(SimDuration::from_secs(x).as_micros());
        assert!(b.try_admit(s(0), 0, false).is_ok());
        assert_eq!(
            b.try_admit(s(1), 0, false).unwrap_err().retry_at,
            Some(s(61))
        );
        // Box and cap both reject at 20: the box must still open at 61, as it said.
        assert_eq!(
            b.try_admit(s(20), 0, false).unwrap_err().retry_at,
            Some(s(61))
        );
        b.release();
        assert!(b.try_admit(s(61), 0, false).is_ok());
    }

    /// A call refused while a maintenance window is closed is an outage, whatever else
    /// refused it too (here the penalty box the window's first rejection closed).
    #[test]
    fn refusals_in_a_maintenance_window_are_outages() {
        let h = SimDuration::from_hours;
        let mut b = bank(vec![
            Limit::Maintenance(Maintenance::new(h(1), h(3), MaintenanceMode::Reject)),
            Limit::PenaltyBox(PenaltyBox::new(SimDuration::from_secs(600))),
            Limit::Concurrency(ConcurrencyCap::new(1)),
        ]);
        let at = |x: SimDuration| SimTime(x.as_micros());
        assert!(b.try_admit(at(h(1)), 0, false).unwrap_err().outage);
        // The box is closed now too: still an outage while the window is.
        assert!(b.try_admit(at(h(2)), 0, false).unwrap_err().outage);
        // After the window the cap's refusal is the client's own (and closes the box).
        assert!(b.try_admit(at(h(4)), 0, false).is_ok());
        assert!(!b.try_admit(at(h(4)), 0, false).unwrap_err().outage);
    }

    #[test]
    fn scheduled_limits_apply_only_in_their_hours() {
        let h = SimDuration::from_hours;
        let night_only = Limit::during(h(0), h(6), Limit::TokenBucket(TokenBucket::new(1e-6, 1)));
        let mut b = bank(vec![night_only]);
        assert!(b.try_admit(SimTime(h(1).as_micros()), 0, false).is_ok());
        assert!(b.try_admit(SimTime(h(2).as_micros()), 0, false).is_err());
        for i in 0..10 {
            assert!(
                b.try_admit(SimTime(h(7).as_micros() + i), 0, false).is_ok(),
                "daytime is unmetered"
            );
        }
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
