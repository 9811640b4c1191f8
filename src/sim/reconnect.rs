//! Customers reconnecting after their consent expired, and new ones linking a connection
//! (`consent.rs` draws when): the connection's consent begins, the reconnect flow fetches
//! its data, it is due from then on, and the time it spent without consent (or before it
//! joined) counts neither in its data age nor in the days it was due. Kept apart from the
//! run loop in `sim.rs`; both are `impl World`.

use super::{Conn, Event, World, FETCH, HELD, ON_DEMAND, RECONNECT, UNLINKED};
use crate::consent::{Consents, Joins};
use crate::metrics::Held;
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};

/// What the run keeps for reconnections.
#[derive(Debug, Default)]
pub(super) struct Renewals {
    /// How long a renewed consent lasts.
    lifetime: SimDuration,
    /// Per day and bank (`d * banks + b`), connections that were counted due through the
    /// consent they hold at the end but had none at the day's end: `finish` takes them off.
    pub(super) lapsed: Vec<u64>,
    /// Per connection, when its customer last (re)linked it (`ZERO`: not in the window), and
    /// what its piece before that held on the day: for `daily.csv`'s count of stale
    /// connections (`fresh.rs`).
    relinked: Vec<(SimTime, Held)>,
}

impl Renewals {
    /// Where connection `ci`'s connected time since `from` (its last refresh, or the
    /// window's start) starts: `from`, or its customer's last (re)link when later, with what
    /// the piece before the relink held on its day.
    #[inline]
    pub(super) fn piece_from(&self, ci: usize, from: SimTime) -> (SimTime, Held) {
        match self.relinked.get(ci) {
            Some(&(at, held)) if at > from => (at, held),
            _ => (from, Held::NONE),
        }
    }
}

impl World {
    /// Schedules every join and reconnection of the window (none unless the scenario has
    /// customers who join or reconnect). Drawn at the start, as the connections are, since
    /// they depend only on each connection's expiry and its customer's stream. A joiner's
    /// link is a reconnection of a connection that had no consent; its consent expires a
    /// lifetime later.
    pub(super) fn schedule_reconnections(&mut self, sc: &Scenario) {
        let consents = Consents::new(sc);
        let joins = Joins::new(sc);
        if !consents.reconnects() && joins.count == 0 {
            return;
        }
        self.renewals = Renewals {
            lifetime: consents.lifetime(),
            lapsed: vec![0; self.daily.days.len()],
            relinked: vec![(SimTime::ZERO, Held::NONE); self.conns.len()],
        };
        for c in 0..self.conns.len() as u32 {
            let mut expiry = self.conns[c as usize].consent_expires;
            if c >= joins.first {
                let at = joins.at(&self.streams, c);
                self.queue.schedule(at, Event::Reconnect(c));
                expiry = at + consents.lifetime();
            }
            let queue = &mut self.queue;
            consents.each_reconnection(&self.streams, c, expiry, |at| {
                queue.schedule(at, Event::Reconnect(c));
            });
        }
    }

    /// Connection `c`'s customer reconnects (or links it for the first time) at `now`: a new
    /// consent, due from now, and the reconnect flow fetches the data at once.
    pub(super) fn reconnect(&mut self, now: SimTime, c: u32) {
        // A client that settles its calls ahead must apply those ended by now first, under
        // the consent they ended in.
        self.settle_before(now);
        let ci = c as usize;
        let conn = self.conns[ci];
        let b = conn.bank as usize;
        debug_assert!(conn.consent_expires <= now, "a reconnect before the expiry");
        self.take_back_gap(now, ci, &conn);
        self.lapse_days(b, conn.consent_expires, now);
        self.conns[ci].consent_expires = now + self.renewals.lifetime;
        if self.short_period > 0 {
            self.period_on_link(&conn, b, now);
        }
        if conn.last_success != SimTime::NEVER {
            // Refreshed recently enough under the lapsed consent to cover today (and on, with
            // a period of days), but not counted so, its consent ending before the day did.
            // Now it runs through them.
            let through = self.daily.day_of(conn.last_success) + self.cover_days - 1;
            self.cover(ci, self.daily.day_of(now), through, |t| &mut t.covered);
        }
        if let Some(last) = conn.background_day.checked_sub(1) {
            // The same of the background's own last success.
            let through = last as usize + self.cover_days - 1;
            let today = self.daily.day_of(now);
            self.cover(ci, today, through, |t| &mut t.background_covered);
        }
        // A new consent: Mastercard's rule answers no request from one under the old.
        if let Some(at) = self.last_request.get_mut(ci) {
            *at = SimTime::NEVER;
        }
        let (day, t) = (self.daily.at(b, now), &mut self.tally[b]);
        if conn.flags & UNLINKED != 0 {
            (t.joined, day.joined) = (t.joined + 1, day.joined + 1);
            self.conns[ci].flags &= !UNLINKED;
        } else {
            (t.reconnected, day.reconnected) = (t.reconnected + 1, day.reconnected + 1);
        }
        // Cleared before the fetch: D•One's rule leaves accounts awaiting a reconnect out of
        // a customer's, and would answer this one from its siblings' freshness.
        self.conns[ci].flags &= !RECONNECT;
        if let Some(log) = &mut self.log {
            log.linking = conn.flags & UNLINKED != 0;
        }
        self.fetch_on_reconnect(now, c);
        if conn.flags & RECONNECT == 0 {
            // The client never learned of the expiry: it still refreshes the connection.
            return;
        }
        let Some(q) = self.client.pool_of(b) else {
            return;
        };
        // A looping queue dropped it when it learned; a daily pass meets it again at its
        // next turn. Held, as everything in the queue is, so that a pass still to reach it
        // does not take it a second time.
        if q.looping && conn.flags & HELD == 0 {
            q.requeue(c, self.conns[ci].age_order());
            self.conns[ci].flags |= HELD;
        }
        self.fill_slots(now);
    }

    /// The link or reconnect flow fetches the customer's data: a customer-present call, as an
    /// on-demand request (an unattended quota lets it through, its outcome is the customer's
    /// and never retried), left out of the on-demand figures; through the priority lane where
    /// the customers' requests take it, as the app's calls do (a trial's fetches, calling
    /// directly, passed brokerages' caps its pools kept and tripped their penalty boxes). A
    /// call under way answers it with its task; a customer's request still open (answered,
    /// not yet learned) stands for it. In a settled run nobody waits for its outcome: it is
    /// settled as it is submitted, as the client's calls are.
    fn fetch_on_reconnect(&mut self, now: SimTime, c: u32) {
        let ci = c as usize;
        if self.demand_since[ci] != SimTime::NEVER {
            return;
        }
        self.conns[ci].flags |= FETCH;
        if self.settled.is_some() {
            self.submit(now, c, false, true);
            self.conns[ci].flags &= !FETCH;
            return;
        }
        self.demand_since[ci] = now;
        let b = self.conns[ci].bank as usize;
        if let Some(q) = self.customers_pool(b) {
            q.request(c);
            self.fill_slots(now);
            return;
        }
        self.conns[ci].flags |= ON_DEMAND;
        self.unslotted += 1;
        self.submit(now, c, false, true);
    }

    /// Connection `ci` (`conn`) reconnects at `now` after a gap without consent from its
    /// expiry: no connection-time, so its data age is taken off the segment that the next
    /// refresh (or the window's end) records from the last one. Its connected time up to the
    /// expiry counts among the day's stale connections, its time on today's date kept for
    /// the piece from now on (which counts today by the two together).
    fn take_back_gap(&mut self, now: SimTime, ci: usize, conn: &Conn) {
        let b = conn.bank as usize;
        let gap_from = conn.consent_expires.max(self.segment_from(conn));
        let gap_to = now.max(gap_from);
        self.staleness
            .unrecord(b, conn.last_success, gap_from, gap_to);
        let opens = super::asks(&self.demand, ci);
        (self.at_open).unrecord_of(opens, b, conn.last_success, gap_from, gap_to);
        let gap_from = conn.consent_expires.max(self.day_segment_from(conn));
        self.daily_age
            .unrecord(b, conn.last_success, gap_from, now.max(gap_from));
        let (from, held) = self.renewals.piece_from(ci, self.day_segment_from(conn));
        let to = conn.consent_expires.max(from);
        (self.daily_age).count_stale(b, conn.last_success, (from, to), held);
        let mut held = (self.daily_age).held_at_end(conn.last_success, (from, to), held);
        #[cfg(test)]
        (self.daily_age.pieces).push((ci, b, conn.last_success, from, to));
        if held.day as usize != self.daily_age.day_of(now) {
            held = Held::NONE;
        }
        self.renewals.relinked[ci] = (now, held);
    }

    /// The days of bank `b` whose end fell in `[expired, renewed)`: counted due by the
    /// consent a connection holds at the end, they had none.
    fn lapse_days(&mut self, b: usize, expired: SimTime, renewed: SimTime) {
        let mut d = self.daily.day_of(expired);
        while d < self.daily.len_days() && self.daily.day_end(d) < renewed {
            if self.daily.day_end(d) > expired {
                self.renewals.lapsed[d * self.daily.banks + b] += 1;
            }
            d += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{STALE_FOR, STALE_HOURS};
    use crate::time::{SimDuration, SimTime, DAY_US, HOUR_US};
    use std::collections::BTreeMap;

    /// The count of stale connections a day, by brute force over every piece the run
    /// counted: each connection's time at each threshold summed per day, however many
    /// pieces (a lapse and a reconnect the same day, several reconnects) it came in, counted
    /// where it reaches the hour. Consents lapsing (at 0.5 a day, twice and more in the
    /// window), customers reconnecting and joining, reconnect fetches failing, a queue too
    /// slow for its book.
    #[test]
    fn the_counts_are_each_connections_time_summed_by_the_day() {
        for share in ["0.1", "0.5"] {
            let text = format!(
                "[window]\nlength = \"8d\"\nwarmup = \"1d\"\n\
                 [population]\nconnections = 10000\nconsent_expiry_share = {share}\n\
                 reconnect_share = 0.9\nreconnect_mean_days = 0.3\njoin_share = 0.02\n\
                 [strategy]\nkind = \"queued\"\nconcurrency = 1\n\
                 [[banks]]\nname = \"a\"\nshare = 0.7\nerror_rate = 0.3\n\
                 service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"9s\" }}\n\
                 [[banks]]\nname = \"b\"\nshare = 0.3\n\
                 service_time = {{ dist = \"constant\", value = \"4s\" }}\n"
            );
            let sc = crate::scenario::parse(&text, "inline", "lapses", &[]).unwrap();
            let r = crate::sim::run(&sc, 5);
            check_by_brute_force(&r, sc.window_start, 8);
        }
    }

    fn check_by_brute_force(r: &crate::metrics::RunResult, start: SimTime, days: usize) {
        let a = &r.daily_age;
        // (connection, day, threshold) → (µs at it or older, pieces stale that day).
        let mut spent: BTreeMap<(usize, usize, usize), (u64, u32)> = BTreeMap::new();
        let mut bank_of = BTreeMap::new();
        for &(c, b, last, from, to) in &a.pieces {
            bank_of.insert(c, b);
            for (k, hours) in STALE_HOURS.into_iter().enumerate() {
                let age = SimDuration(hours * HOUR_US);
                let stale = match last == SimTime::NEVER {
                    true => from + age,
                    false => (last + age).max(from),
                };
                for d in 0..days {
                    let d0 = start + SimDuration(d as u64 * DAY_US);
                    let d1 = match d + 1 == days {
                        true => SimTime::NEVER,
                        false => d0 + SimDuration(DAY_US),
                    };
                    let t = to.min(d1).saturating_since(stale.max(d0)).as_micros();
                    let e = spent.entry((c, d, k)).or_default();
                    *e = (e.0 + t, e.1 + (t > 0) as u32);
                }
            }
        }
        let mut want = vec![[[0u64; 2]; 2]; days];
        for (&(c, d, k), &(us, _)) in &spent {
            want[d][bank_of[&c]][k] += (us >= STALE_FOR) as u64;
        }
        let mut reconnects = 0;
        for (d, w) in want.iter().enumerate() {
            for (b, w) in w.iter().enumerate() {
                let x = a.day(d, Some(b));
                assert_eq!(
                    [x.stale_24h_connections, x.stale_48h_connections],
                    *w,
                    "day {d}, bank {b}"
                );
            }
            reconnects += r.daily.total(d).reconnected;
        }
        // Something to check: day-old data, a lapse and a reconnect sharing a day's count.
        let two_days: u64 = want.iter().map(|w| w[0][1] + w[1][1]).sum();
        let shared = spent
            .values()
            .filter(|(us, n)| *n > 1 && *us >= STALE_FOR)
            .count();
        assert!(want[7][0][0] > 3000 && two_days > 5, "{want:?}");
        assert!(reconnects > 1000 && shared > 100, "{reconnects}, {shared}");
    }
}
