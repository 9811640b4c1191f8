//! A connection's data refreshed: the data age it had since its last refresh is recorded,
//! and it counts as a user of the day. Kept apart from the run loop in `sim.rs`; both are
//! `impl World`.

use super::World;
use crate::time::SimTime;

impl World {
    /// Connection `ci`'s data is refreshed at `now` (within the window): its staleness
    /// segment since the last refresh ends, and it counts as a user of the day if it is its
    /// first success that day.
    #[inline]
    pub(super) fn refreshed(&mut self, now: SimTime, ci: usize) {
        let conn = self.conns[ci];
        let b = conn.bank as usize;
        let from = if conn.last_success == SimTime::NEVER {
            self.measured_from
        } else {
            conn.last_success.max(self.measured_from)
        };
        let to = now.min(conn.consent_expires);
        self.staleness.record(b, conn.last_success, from, to);
        let d = self.daily.day_of(now);
        if conn.last_success == SimTime::NEVER || self.daily.day_of(conn.last_success) < d {
            let due = conn.consent_expires >= self.daily.day_end(d);
            let day = &mut self.daily.days[d * self.daily.banks + b];
            day.users += 1;
            day.covered += due as u64;
        }
        self.conns[ci].last_success = now;
    }
}
