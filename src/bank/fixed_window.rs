//! Fixed window: at most `limit` calls per window, counters reset at window boundaries.
//!
//! Rule: time is cut into windows `[k·W, (k+1)·W)` aligned to midnight of day 0; a call is
//! admitted iff fewer than `limit` calls were admitted in its window. Burst behaviour: the
//! counter forgets everything at a boundary, so up to `2·limit` calls can pass within any
//! interval of length `W` that straddles one (`limit` just before, `limit` just after).
//! A rejection can retry at the next boundary.

use super::Rejection;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedWindow {
    /// Admissions a window: its calls over the calls a refresh makes, rounded down.
    limit: u32,
    /// The calls a window and the calls an admission spends (1 unless
    /// [`FixedWindow::per_refresh`]).
    calls_limit: u32,
    calls: u32,
    window_us: u64,
    current: u64,
    count: u32,
}

impl FixedWindow {
    /// The longest a rejected call is told to wait: until the window resets.
    pub fn longest_wait(&self) -> SimDuration {
        SimDuration(self.window_us)
    }

    /// `limit` ≥ 1 calls per `window` (> 0).
    pub fn new(limit: u32, window: SimDuration) -> Self {
        assert!(
            limit >= 1 && !window.is_zero(),
            "fixed window needs limit >= 1 and window > 0"
        );
        FixedWindow {
            limit,
            calls_limit: limit,
            calls: 1,
            window_us: window.as_micros(),
            current: 0,
            count: 0,
        }
    }

    #[inline]
    fn count_at(&self, index: u64) -> u32 {
        if index == self.current {
            self.count
        } else {
            0
        }
    }

    /// The same window counting `calls` calls an admission (a refresh of that many API
    /// calls, `1 ≤ calls ≤ limit`): `⌊limit / calls⌋` refreshes a window, exactly as calls
    /// counted `calls` at a time.
    pub fn per_refresh(self, calls: u32) -> Self {
        assert!(calls >= 1 && calls <= self.calls_limit && self.calls == 1);
        FixedWindow {
            limit: self.calls_limit / calls,
            calls,
            ..self
        }
    }

    /// The limit in calls and its window.
    pub fn limit(&self) -> (u32, SimDuration) {
        (self.calls_limit, SimDuration(self.window_us))
    }

    /// Admissions (refreshes) a window, and the calls each spends.
    pub fn admissions(&self) -> (u32, u32) {
        (self.limit, self.calls)
    }

    #[inline]
    pub fn check(&self, now: SimTime) -> Result<(), Rejection> {
        let index = now.as_micros() / self.window_us;
        if self.count_at(index) < self.limit {
            Ok(())
        } else {
            Err(Rejection {
                retry_at: Some(SimTime((index + 1) * self.window_us)),
            })
        }
    }

    #[inline]
    pub fn admit(&mut self, now: SimTime) {
        let index = now.as_micros() / self.window_us;
        self.count = self.count_at(index) + 1;
        self.current = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(w: &mut FixedWindow, t: u64) -> bool {
        let ok = w.check(SimTime(t)).is_ok();
        if ok {
            w.admit(SimTime(t));
        }
        ok
    }

    #[test]
    fn limit_per_aligned_window_and_reset_at_boundary() {
        let mut w = FixedWindow::new(3, SimDuration(100));
        assert_eq!((0..5).filter(|_| offer(&mut w, 99)).count(), 3);
        assert_eq!(
            w.check(SimTime(99)).unwrap_err().retry_at,
            Some(SimTime(100))
        );
        // Three more right after the boundary: six within two microseconds.
        assert_eq!((0..5).filter(|_| offer(&mut w, 100)).count(), 3);
        assert_eq!((0..5).filter(|_| offer(&mut w, 250)).count(), 3);
    }
}
