//! The coverage of a period shorter than a day (`period_coverage`): a day's coverage counts
//! one success a day, so a 12-hour client refreshing each connection once a day reads 100 %.
//! Each success that is its connection's first in one of the client's periods (counted from
//! the window's start) is credited to the day its period starts; the periods due are, day by
//! day, the connections due times the periods that start that day and end within the window,
//! less the periods of that day before the one a connection linked or reconnected in, and
//! with a period across midnight, plus one a connection links in though not due on the day
//! it began. So a client
//! that refreshes every connection every period reads exactly 1, whatever the period and
//! however short the window. Kept apart from the run loop in `sim.rs`; both are `impl World`.

use super::{Conn, World};
use crate::time::{SimDuration, SimTime, DAY_US};

impl World {
    /// The client's period holding `t`, counted from the window's start.
    #[inline]
    fn period_of(&self, t: SimTime) -> u64 {
        t.saturating_since(self.window_start).as_micros() / self.short_period
    }

    /// The day period `k` starts on, if it ends within the window (a period the window cuts
    /// short is not counted).
    #[inline]
    fn period_day(&self, k: u64) -> Option<usize> {
        let start = self.window_start + SimDuration(k * self.short_period);
        (start + SimDuration(self.short_period) <= self.window_end)
            .then(|| self.daily.day_of(start))
    }

    /// A success of connection `conn` (of bank `b`) at `now`: the first in its period is
    /// credited to the day the period starts, where the connection is due that day.
    #[inline]
    pub(super) fn count_period(&mut self, conn: &Conn, b: usize, now: SimTime) {
        let k = self.period_of(now);
        let last = conn.last_success;
        let first = last == SimTime::NEVER || last < self.window_start || self.period_of(last) < k;
        if let (true, Some(d)) = (first, self.period_day(k)) {
            if conn.consent_expires >= self.daily.day_end(d) {
                self.daily.days[d * self.daily.banks + b].period_covered += 1;
            }
        }
    }

    /// Connection `conn` (of bank `b`, as it was before) links or reconnects at `now`: the
    /// day's periods that started before its own cannot be covered, though it is due that
    /// day; a success earlier in its own period under the lapsed consent, which was not
    /// counted (not due then), now is.
    pub(super) fn period_on_link(&mut self, conn: &Conn, b: usize, now: SimTime) {
        let (k, today) = (self.period_of(now), self.daily.day_of(now));
        // The day's periods before `k` that the denominator counts (none where `k` began
        // on an earlier day).
        let before = k
            .min(self.whole_periods())
            .saturating_sub(self.first_period_of(today));
        let i = today * self.daily.banks + b;
        self.daily.days[i].period_unreachable += before;
        // Its own period, begun on an earlier day it was not due on (a period across
        // midnight): due all the same, on the day it starts, where its success is credited.
        if let Some(d) = self.period_day(k).filter(|&d| d < today) {
            if conn.consent_expires < self.daily.day_end(d) {
                self.daily.days[d * self.daily.banks + b].period_joined += 1;
            }
        }
        let last = conn.last_success;
        let earlier =
            last != SimTime::NEVER && last >= self.window_start && self.period_of(last) == k;
        // Its period was due from the day it began (today's, or made so above): the success
        // under the lapsed consent, not counted then, is now.
        if let (true, Some(d)) = (earlier, self.period_day(k)) {
            if conn.consent_expires < self.daily.day_end(d) {
                self.daily.days[d * self.daily.banks + b].period_covered += 1;
            }
        }
    }

    /// The periods that start on day `d` and end within the window.
    pub(super) fn periods_of_day(&self, d: usize) -> u64 {
        if self.short_period == 0 {
            return 0;
        }
        let next = self.first_period_of(d + 1);
        next.min(self.whole_periods())
            .saturating_sub(self.first_period_of(d))
    }

    /// The first period that starts on day `d` or later: ⌈d·day / period⌉.
    fn first_period_of(&self, d: usize) -> u64 {
        (d as u64 * DAY_US).div_ceil(self.short_period)
    }

    /// How many periods end within the window (periods `0..n`).
    fn whole_periods(&self) -> u64 {
        let window = self
            .window_end
            .saturating_since(self.window_start)
            .as_micros();
        window / self.short_period
    }
}
