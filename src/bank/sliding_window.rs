//! Sliding window (log): at most `limit` calls in any trailing window of length `W`.
//!
//! Rule: a call at `t` is admitted iff fewer than `limit` calls were admitted in
//! `(t − W, t]`. Unlike the fixed window there is no edge burst: no interval of length `W`
//! ever holds more than `limit` admissions. The policy keeps the times of the last `limit`
//! admissions in a ring; a rejection can retry when the oldest of them leaves the window.

use super::Rejection;
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlidingWindow {
    /// Admissions in a window: its calls over the calls a refresh makes, rounded down.
    limit: u32,
    /// The calls in a window and the calls an admission spends (1 unless
    /// [`SlidingWindow::per_refresh`]).
    calls_limit: u32,
    calls: u32,
    window: SimDuration,
    recent: VecDeque<SimTime>,
}

impl SlidingWindow {
    /// The longest a rejected call is told to wait: until the oldest call leaves the window.
    pub fn longest_wait(&self) -> SimDuration {
        self.window
    }

    /// `limit` ≥ 1 calls in any `window` (> 0).
    pub fn new(limit: u32, window: SimDuration) -> Self {
        assert!(
            limit >= 1 && !window.is_zero(),
            "sliding window needs limit >= 1 and window > 0"
        );
        SlidingWindow {
            limit,
            calls_limit: limit,
            calls: 1,
            window,
            recent: VecDeque::with_capacity(limit.min(1 << 16) as usize),
        }
    }

    /// The same window counting `calls` calls an admission (a refresh of that many API
    /// calls, `1 ≤ calls ≤ limit`): `⌊limit / calls⌋` refreshes in any window, exactly as
    /// calls counted `calls` at a time.
    pub fn per_refresh(self, calls: u32) -> Self {
        assert!(calls >= 1 && calls <= self.calls_limit && self.calls == 1);
        let limit = self.calls_limit / calls;
        SlidingWindow {
            limit,
            calls,
            recent: VecDeque::with_capacity(limit.min(1 << 16) as usize),
            ..self
        }
    }

    /// The limit in calls and its window.
    pub fn limit(&self) -> (u32, SimDuration) {
        (self.calls_limit, self.window)
    }

    /// Admissions (refreshes) in a window, and the calls each spends.
    pub fn admissions(&self) -> (u32, u32) {
        (self.limit, self.calls)
    }

    #[inline]
    pub fn check(&self, now: SimTime) -> Result<(), Rejection> {
        if (self.recent.len() as u32) < self.limit {
            return Ok(());
        }
        let oldest = *self.recent.front().expect("full ring");
        let frees_at = oldest + self.window;
        if frees_at <= now {
            Ok(())
        } else {
            Err(Rejection {
                retry_at: Some(frees_at),
            })
        }
    }

    #[inline]
    pub fn admit(&mut self, now: SimTime) {
        if self.recent.len() as u32 == self.limit {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(w: &mut SlidingWindow, t: u64) -> bool {
        let ok = w.check(SimTime(t)).is_ok();
        if ok {
            w.admit(SimTime(t));
        }
        ok
    }

    #[test]
    fn never_more_than_limit_in_any_window() {
        let mut w = SlidingWindow::new(3, SimDuration(100));
        assert_eq!((0..5).filter(|_| offer(&mut w, 99)).count(), 3);
        // The fixed window would admit three more at 100; the sliding one waits until 199.
        assert!(!offer(&mut w, 100));
        assert_eq!(
            w.check(SimTime(150)).unwrap_err().retry_at,
            Some(SimTime(199))
        );
        assert_eq!((0..5).filter(|_| offer(&mut w, 199)).count(), 3);
    }
}
