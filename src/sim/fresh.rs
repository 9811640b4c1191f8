//! A connection's data refreshed: the data age it had since its last refresh is recorded,
//! it counts as a user of the day, and as covered on the days of its period (and, when the
//! background's own call refreshed it, as covered by the background). Kept apart from the
//! run loop in `sim.rs`; both are `impl World`.

use super::{Conn, World};
use crate::metrics::DayTally;
use crate::time::SimTime;

impl World {
    /// Connection `ci`'s data is refreshed at `now` (within the window): its staleness
    /// segment since the last refresh ends, it counts as a user of the day if it is its
    /// first success that day, and as covered on the days of its period the last success
    /// did not cover; by the `background`'s call (not a customer's request, nor a refresh
    /// one triggered), as covered by the background on the days its last one did not.
    #[inline]
    pub(super) fn refreshed(&mut self, now: SimTime, ci: usize, background: bool) {
        let conn = self.conns[ci];
        let b = conn.bank as usize;
        let (from, to) = (self.segment_from(&conn), now.min(conn.consent_expires));
        self.staleness.record(b, conn.last_success, from, to);
        let opens = super::asks(&self.demand, ci);
        (self.at_open).record_of(opens, b, conn.last_success, from, to);
        let from = self.day_segment_from(&conn);
        self.daily_age.record(b, conn.last_success, from, to);
        let (from, held) = self.renewals.piece_from(ci, from);
        (self.daily_age).count_stale(b, conn.last_success, (from, to), held);
        #[cfg(test)]
        (self.daily_age.pieces).push((ci, b, conn.last_success, from, to));
        let d = self.daily.day_of(now);
        let last =
            (conn.last_success != SimTime::NEVER).then(|| self.daily.day_of(conn.last_success));
        if last.is_none_or(|l| l < d) {
            self.daily.days[d * self.daily.banks + b].users += 1;
        }
        // The days this success covers that the last one did not.
        let from = last.map_or(d, |l| d.max(l + self.cover_days));
        let through = d + self.cover_days - 1;
        if from <= through {
            self.cover(ci, from, through, |t| &mut t.covered);
        }
        if self.short_period > 0 {
            self.count_period(&conn, b, now);
        }
        if background && self.daily.tracks_background() {
            let last = self.conns[ci].background_day.checked_sub(1);
            let from = last.map_or(d, |l| d.max(l as usize + self.cover_days));
            if from <= through {
                self.cover(ci, from, through, |t| &mut t.background_covered);
            }
            self.conns[ci].background_day = d as u8 + 1;
        }
        self.conns[ci].last_success = now;
    }

    /// Where the staleness segment from `conn`'s last refresh starts: the refresh, or the
    /// measured time's start.
    #[inline]
    pub(super) fn segment_from(&self, conn: &Conn) -> SimTime {
        if conn.last_success == SimTime::NEVER {
            self.measured_from
        } else {
            conn.last_success.max(self.measured_from)
        }
    }

    /// Where `daily.csv`'s data-age segment from `conn`'s last refresh starts: the refresh,
    /// or the window's start (every day is kept, the warm-up's too).
    #[inline]
    pub(super) fn day_segment_from(&self, conn: &Conn) -> SimTime {
        match conn.last_success == SimTime::NEVER {
            true => self.window_start,
            false => conn.last_success,
        }
    }

    /// Counts connection `ci` covered on days `from..=through` (those in the window), up to
    /// the first whose end its consent does not reach: a day is covered when the connection
    /// was due at its end and refreshed on it or on the `cover_days − 1` days before.
    /// `count` picks the counter: all cover, or the background's.
    #[inline]
    pub(super) fn cover(
        &mut self,
        ci: usize,
        from: usize,
        through: usize,
        count: fn(&mut DayTally) -> &mut u64,
    ) {
        let conn = self.conns[ci];
        let banks = self.daily.banks;
        for d in from..=through.min(self.daily.len_days() - 1) {
            if conn.consent_expires < self.daily.day_end(d) {
                break;
            }
            *count(&mut self.daily.days[d * banks + conn.bank as usize]) += 1;
        }
    }
}
