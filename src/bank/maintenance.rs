//! Maintenance window: a daily period during which the bank rejects calls or slows down.
//!
//! Rule: every day between `start` and `end` (times of day, `start < end`), calls are either
//! all rejected (a rejection can retry at `end`) or admitted with their service time
//! multiplied by `slowdown`. An overnight outage is written as two windows (`23:00–24:00`
//! and `00:00–01:00`). With `days`, only on those calendar days of the clock (day 0 its first,
//! the one the window opens on): an incident, a bad day at one bank, whose aftermath a
//! planner wants to see.

use super::Rejection;
use crate::time::{SimDuration, SimTime};

use crate::time::DAY_US;

/// What the bank does during the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaintenanceMode {
    Reject,
    Slow { factor: f64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Maintenance {
    start_us: u64,
    end_us: u64,
    mode: MaintenanceMode,
    /// The days it opens on, sorted (day 0 from the clock's first midnight); empty: every day.
    days: Vec<u32>,
}

impl Maintenance {
    /// The longest a rejected call is told to wait: the whole window, when it rejects.
    pub fn longest_wait(&self) -> SimDuration {
        match self.mode {
            MaintenanceMode::Reject => SimDuration(self.end_us - self.start_us),
            MaintenanceMode::Slow { .. } => SimDuration::ZERO,
        }
    }

    /// A window from `start` to `end` after midnight (`start < end ≤ 24h`).
    pub fn new(start: SimDuration, end: SimDuration, mode: MaintenanceMode) -> Self {
        assert!(
            start < end && end.as_micros() <= DAY_US,
            "maintenance window must have start < end <= 24:00"
        );
        Maintenance {
            start_us: start.as_micros(),
            end_us: end.as_micros(),
            mode,
            days: Vec::new(),
        }
    }

    /// The window on `days` only (sorted and distinct), not every day.
    pub fn on_days(self, days: Vec<u32>) -> Self {
        debug_assert!(days.windows(2).all(|w| w[0] < w[1]));
        Maintenance { days, ..self }
    }

    /// Whether it opens every day (else on some days only: no daily capacity it takes).
    pub fn every_day(&self) -> bool {
        self.days.is_empty()
    }

    /// When it opens and closes, microseconds into the day.
    pub fn span_us(&self) -> (u64, u64) {
        (self.start_us, self.end_us)
    }

    /// The days it opens on (empty: every day).
    pub fn days(&self) -> &[u32] {
        &self.days
    }

    /// How long the window is open each day, and what the bank does then.
    pub fn window(&self) -> (SimDuration, MaintenanceMode) {
        (SimDuration(self.end_us - self.start_us), self.mode)
    }

    /// The share of `span` (microseconds into the day) the window refuses every call in each
    /// day: 0 for a window that only slows them, or opens on some days only.
    pub fn closed_share(&self, span: (u64, u64)) -> f64 {
        let overlap = crate::time::daily_overlap(span, (self.start_us, self.end_us));
        match (self.mode, span.1 > span.0 && self.every_day()) {
            (MaintenanceMode::Reject, true) => overlap as f64 / (span.1 - span.0) as f64,
            _ => 0.0,
        }
    }

    /// Is the window open at `now`, and if so when does it close?
    #[inline]
    fn open_until(&self, now: SimTime) -> Option<SimTime> {
        let tod = now.as_micros() % DAY_US;
        let today = || (now.as_micros() / DAY_US) as u32;
        (self.start_us <= tod
            && tod < self.end_us
            && (self.days.is_empty() || self.days.binary_search(&today()).is_ok()))
        .then(|| SimTime(now.as_micros() - tod + self.end_us))
    }

    #[inline]
    pub fn check(&self, now: SimTime) -> Result<(), Rejection> {
        match (self.mode, self.open_until(now)) {
            (MaintenanceMode::Reject, Some(end)) => Err(Rejection {
                retry_at: Some(end),
            }),
            _ => Ok(()),
        }
    }

    /// Factor applied to the service time of a call admitted at `now`.
    #[inline]
    pub fn latency_factor(&self, now: SimTime) -> f64 {
        match (self.mode, self.open_until(now)) {
            (MaintenanceMode::Slow { factor }, Some(_)) => factor,
            _ => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000_000;

    #[test]
    fn rejects_daily_between_start_and_end() {
        let m = Maintenance::new(SimDuration(H), SimDuration(3 * H), MaintenanceMode::Reject);
        assert!(m.check(SimTime(H - 1)).is_ok());
        assert_eq!(
            m.check(SimTime(H)).unwrap_err().retry_at,
            Some(SimTime(3 * H))
        );
        assert!(m.check(SimTime(3 * H)).is_ok());
        assert_eq!(
            m.check(SimTime(26 * H)).unwrap_err().retry_at,
            Some(SimTime(27 * H)),
            "next day too"
        );
        assert_eq!(m.latency_factor(SimTime(2 * H)), 1.0);
    }

    /// On its days only: day 1's 01:00–03:00 refuses, day 0's and day 2's do not.
    #[test]
    fn a_dated_window_opens_on_its_days_only() {
        let m = Maintenance::new(SimDuration(H), SimDuration(3 * H), MaintenanceMode::Reject)
            .on_days(vec![1]);
        assert!(m.check(SimTime(2 * H)).is_ok());
        assert_eq!(
            m.check(SimTime(26 * H)).unwrap_err().retry_at,
            Some(SimTime(27 * H))
        );
        assert!(m.check(SimTime(50 * H)).is_ok());
        assert!(!m.every_day() && m.closed_share((0, 4 * H)) == 0.0);
    }

    #[test]
    fn slow_mode_admits_with_a_factor() {
        let m = Maintenance::new(
            SimDuration(H),
            SimDuration(3 * H),
            MaintenanceMode::Slow { factor: 4.0 },
        );
        assert!(m.check(SimTime(2 * H)).is_ok());
        assert_eq!(m.latency_factor(SimTime(2 * H)), 4.0);
        assert_eq!(m.latency_factor(SimTime(4 * H)), 1.0);
    }
}
