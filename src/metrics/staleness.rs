//! Staleness as customers see it: the age of each connection's data over connection-time,
//! recorded as ramps in O(1) per refresh (see [`Staleness`]).

use super::MINUTE_US;

use crate::time::HOUR_US;
use crate::time::{SimDuration, SimTime};

/// Staleness as customers see it: for each bank, how much connection-time was spent with
/// data of each age, over the measured part of the window (after the warm-up), over every
/// connection while its consent is valid. A connection's data age grows at one second per
/// second from its last successful refresh and drops to zero at the next; one never
/// refreshed has no data, older than any age, and its time is counted apart (`never`).
///
/// A segment of connection-time from `t0` to `t1` with last success `s` spends equal time at
/// every age in `[t0 − s, t1 − s)`, so it adds a ramp to the cumulative "time spent younger
/// than `a`". Ramps are recorded in O(1) as jumps in the first and second differences of
/// that function sampled at bucket boundaries (minutes for [`Staleness`]), and summed once at the end: a connection
/// refreshed daily for 30 days costs 30 constant-time updates, not 30 days of buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ramps<const UNIT: u64> {
    pub banks: usize,
    /// Age buckets per bank: one per minute up to the longest possible age.
    pub buckets: usize,
    /// Bank-major, at each minute boundary: the first difference (µs) and the second
    /// (ramps starting, in units of a minute), side by side, so that a ramp's two updates
    /// (at neighbouring boundaries) touch one cache line, not two.
    diffs: Vec<[i64; 2]>,
    /// Connection-time with no data yet, per bank (µs).
    pub never: Vec<u128>,
    /// Connection-time with data at least `buckets` minutes old, per bank (µs).
    overflow: Vec<u128>,
}

/// The oldest age staleness resolves by the minute unless the scenario says
/// (`window.age_horizon`): the whole window, up to 60 days or four periods when that is
/// longer (monthly refreshes). Older data is counted together, so memory stops growing with
/// the length of a run. (It was eight days: a trial's nightly job, refreshing each connection
/// every 18 days, read "≥ 192 h" at every hour of a 42-day run, the one figure it came for.)
pub fn staleness_horizon(window: SimDuration, period: SimDuration) -> SimDuration {
    let most =
        SimDuration::from_hours(24 * 60).max(SimDuration(period.as_micros().saturating_mul(4)));
    most.min(window)
}

/// Staleness by the minute of age, per bank: what `summary.csv` and `staleness.csv` read.
pub type Staleness = Ramps<MINUTE_US>;

/// Whether a percentile of data age (`hours`, from `quantile_hours`) fell at or past the
/// histogram's horizon (`horizon_hours`), where ages are counted together: it is then a lower
/// bound, the horizon's last bucket edge, and is written "≥ horizon" (a trial's 30-day
/// nightly job read "192.17 h at every hour" as a measured age). Infinite ("never") is not,
/// nor is anything against a horizon of 0 (none recorded).
pub fn past_horizon(hours: f64, horizon_hours: f64) -> bool {
    hours.is_finite() && horizon_hours > 0.0 && hours > horizon_hours
}

impl<const UNIT: u64> Ramps<UNIT> {
    /// Ages resolved by `UNIT` (a minute for [`Staleness`]) up to `horizon` (see
    /// [`staleness_horizon`]).
    pub fn new(banks: usize, horizon: SimDuration) -> Self {
        let buckets = horizon.as_micros().div_ceil(UNIT) as usize + 1;
        Ramps {
            banks,
            buckets,
            diffs: vec![[0; 2]; banks * (buckets + 3)],
            never: vec![0; banks],
            overflow: vec![0; banks],
        }
    }

    /// Records connection-time `[t0, t1)` of `bank` whose last success was `last`
    /// (`SimTime::NEVER` when it has none).
    #[inline]
    pub fn record(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        self.add(bank, last, t0, t1, 1);
    }

    /// Takes back connection-time `[t0, t1)` that a later [`record`](Self::record) from
    /// the same `last` will span (a connection's time without consent, between an expiry
    /// and a reconnection). The sums are linear, so a span recorded with a part taken back
    /// counts the rest: exact once the run is over, whatever the order of the two calls.
    pub fn unrecord(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime) {
        self.add(bank, last, t0, t1, -1);
    }

    /// Adds (`sign` 1) or takes back (−1) connection-time `[t0, t1)`. Totals may pass
    /// below zero between the two calls, so they wrap (a `u128` wraps back exactly).
    #[inline(always)]
    fn add(&mut self, bank: usize, last: SimTime, t0: SimTime, t1: SimTime, sign: i64) {
        if t1 <= t0 {
            return;
        }
        let signed = |x: u128| if sign > 0 { x } else { x.wrapping_neg() };
        if last == SimTime::NEVER {
            self.never[bank] = self.never[bank].wrapping_add(signed((t1 - t0).as_micros() as u128));
            return;
        }
        let (a0, a1) = ((t0 - last).as_micros(), (t1 - last).as_micros());
        // Time spent at ages past the horizon; ramps starting there add nothing within it.
        let cap = self.buckets as u64 * UNIT;
        let over = (a1.saturating_sub(cap) - a0.saturating_sub(cap)) as u128;
        if over > 0 {
            self.overflow[bank] = self.overflow[bank].wrapping_add(signed(over));
        }
        self.ramp(bank, a0.min(cap), sign);
        self.ramp(bank, a1.min(cap), -sign);
    }

    /// Adds `sign · max(0, a − x)` to the cumulative time-younger-than-`a` function.
    #[inline]
    fn ramp(&mut self, bank: usize, x: u64, sign: i64) {
        let row = bank * (self.buckets + 3);
        let k = ((x / UNIT) as usize).min(self.buckets);
        let r = (x - k as u64 * UNIT).min(UNIT);
        self.diffs[row + k + 1][0] += sign * (UNIT - r) as i64;
        self.diffs[row + k + 2][1] += sign;
    }

    /// The oldest age resolved, in hours: a quantile past it is a lower bound
    /// ([`past_horizon`]).
    pub fn horizon_hours(&self) -> f64 {
        (self.buckets - 1) as f64 * UNIT as f64 / HOUR_US as f64
    }

    /// Connection-time (µs) spent at each minute of age by one bank, or by all with `None`;
    /// the last entry is the time at the horizon or older.
    pub fn histogram(&self, bank: Option<usize>) -> Vec<u64> {
        let mut out = vec![0; self.buckets + 1];
        match bank {
            Some(b) => self.add_histogram(b, &mut out),
            None => (0..self.banks).for_each(|b| self.add_histogram(b, &mut out)),
        }
        out
    }

    /// Adds row `b`'s histogram (as [`histogram`](Self::histogram)) to `out`
    /// (`buckets + 1` long).
    pub fn add_histogram(&self, b: usize, out: &mut [u64]) {
        let w = self.buckets + 3;
        let row = &self.diffs[b * w..(b + 1) * w];
        let mut ramps = 0i64;
        for i in 1..=self.buckets {
            ramps += row[i][1];
            out[i - 1] += (row[i][0] + ramps * UNIT as i64).max(0) as u64;
        }
        out[self.buckets] += self.overflow[b] as u64;
    }

    /// Connection-time with no data, for one bank or all.
    pub fn never_us(&self, bank: Option<usize>) -> u128 {
        match bank {
            Some(b) => self.never[b],
            None => self.never.iter().sum(),
        }
    }

    /// Share of connection-time with no data (never refreshed), for one bank or all; `None`
    /// when no connection-time was measured.
    pub fn never_share(&self, bank: Option<usize>) -> Option<f64> {
        let never = self.never_us(bank);
        let total = self
            .histogram(bank)
            .iter()
            .map(|&x| x as u128)
            .sum::<u128>()
            + never;
        (total > 0).then(|| never as f64 / total as f64)
    }

    /// The `q`-quantile (0..=1) of data age over connection-time, in hours, at minute
    /// resolution (the upper edge of the bucket; at or past the horizon, its last bucket's
    /// edge, a lower bound: see [`past_horizon`]). `Some(f64::INFINITY)` when it falls among connections never refreshed;
    /// `None` when no connection-time was measured.
    pub fn quantile_hours(&self, bank: Option<usize>, q: f64) -> Option<f64> {
        let h = self.histogram(bank);
        let total = h.iter().map(|&x| x as u128).sum::<u128>() + self.never_us(bank);
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u128).clamp(1, total);
        let mut acc = 0u128;
        for (m, &c) in h.iter().enumerate() {
            acc += c as u128;
            if acc >= rank {
                return Some((m + 1).min(self.buckets) as f64 * UNIT as f64 / HOUR_US as f64);
            }
        }
        Some(f64::INFINITY)
    }

    /// Share of connection-time with data at least `hours` old (never refreshed included).
    pub fn share_older_than(&self, bank: Option<usize>, hours: u64) -> Option<f64> {
        let h = self.histogram(bank);
        let never = self.never_us(bank);
        let total = h.iter().map(|&x| x as u128).sum::<u128>() + never;
        if total == 0 {
            return None;
        }
        let from = ((hours * HOUR_US / UNIT) as usize).min(h.len());
        let old = h[from..].iter().map(|&x| x as u128).sum::<u128>() + never;
        Some(old as f64 / total as f64)
    }
}

/// The `q`-quantile of ages `h` (time at each `unit_us` of age, its last entry, the
/// `buckets`-th, at the horizon or older) and time with no data `never`, in hours:
/// interpolated within its bucket, where a ramp's time is spread evenly (a bucket's upper
/// edge would put every figure on the grid, and two strategies' paired difference would read
/// "+2.17 ± 0.00" replication after replication); the horizon among ages at it or older,
/// infinite among connections never refreshed, `None` with nothing measured.
pub fn interpolated_hours(
    h: &[f64],
    never: f64,
    q: f64,
    buckets: usize,
    unit_us: f64,
) -> Option<f64> {
    let total = h.iter().sum::<f64>() + never;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut acc = 0.0;
    for (m, &x) in h.iter().enumerate() {
        if acc + x >= rank && x > 0.0 {
            let within = match m < buckets {
                true => ((rank - acc) / x).clamp(0.0, 1.0),
                false => 0.0,
            };
            return Some((m as f64 + within) * unit_us / HOUR_US as f64);
        }
        acc += x;
    }
    Some(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000_000;

    /// Time at each age adds up to the time recorded, past the horizon included, and the
    /// shares and quantiles read it: a connection refreshed at 0 and watched for 30 days
    /// with a 10-day horizon spends 10 days within it (a flat histogram) and 20 beyond.
    #[test]
    fn ages_past_the_horizon_are_counted_together() {
        let horizon = SimDuration::from_hours(240);
        let mut s = Staleness::new(1, horizon);
        s.record(0, SimTime(0), SimTime(0), SimTime(720 * H));
        let h = s.histogram(Some(0));
        assert_eq!(h.len(), s.buckets + 1);
        let total: u128 = h.iter().map(|&x| x as u128).sum();
        assert_eq!(total, 720 * H as u128);
        // The horizon's buckets (240 h and one minute) are flat; the rest is past it.
        assert!(
            h[..s.buckets].iter().all(|&x| x == 60_000_000),
            "flat within the horizon"
        );
        assert_eq!(*h.last().unwrap(), 480 * H - 60_000_000);
        // Two thirds of the time is past the horizon: the median is at least the horizon.
        assert_eq!(
            s.quantile_hours(Some(0), 0.5),
            Some((240 * 60 + 1) as f64 / 60.0)
        );
        assert_eq!(s.quantile_hours(Some(0), 0.2), Some(144.0));
        // The median is marked a lower bound; the 20th percentile and "never" are not.
        assert_eq!(s.horizon_hours(), 240.0);
        assert!(past_horizon(s.quantile_hours(Some(0), 0.5).unwrap(), 240.0));
        assert!(!past_horizon(144.0, 240.0) && !past_horizon(240.0, 240.0));
        assert!(!past_horizon(f64::INFINITY, 240.0));
        let older = s.share_older_than(Some(0), 24).unwrap();
        assert!((older - 696.0 / 720.0).abs() < 1e-12, "{older}");
    }

    /// A window no longer than the horizon is resolved whole, whatever the period.
    #[test]
    fn the_horizon_is_the_window_up_to_sixty_days_or_four_periods() {
        let d = |n: u64| SimDuration::from_hours(24 * n);
        assert_eq!(staleness_horizon(d(4), d(1)), d(4));
        assert_eq!(staleness_horizon(d(42), d(1)), d(42));
        assert_eq!(staleness_horizon(d(90), d(1)), d(60));
        assert_eq!(staleness_horizon(d(365), d(30)), d(120));
    }
}
