//! The customers' side of the run loop: their on-demand requests (one event each, drawn as
//! the previous one is handled) and what their outcomes do. A request goes straight to the
//! aggregator (the direct lane) or, with the priority lane, into the pool of its bank ahead
//! of the background work; it is customer-present, so an unattended quota lets it through
//! (`Bank::try_admit`). Its outcome is the customer's: never retried, never requeued.

use super::{Event, Outcome, World, FETCH, ON_DEMAND, RECONNECT, UNLINKED};
use crate::demand::Lane;
use crate::time::SimTime;

impl World {
    /// Draws the first request after `after` and schedules it (none when the scenario has
    /// no on-demand refreshes or the window ends first).
    pub(super) fn schedule_request(&mut self, after: SimTime) {
        let Some(d) = &self.demand else {
            return;
        };
        let conns = &self.conns;
        let linked = |c: u32| conns[c as usize].flags & UNLINKED == 0;
        self.next_request = d.next(
            after,
            &mut self.demand_index,
            (conns.len() as u32, linked),
            self.window_end,
            &self.streams,
        );
        if let Some(r) = self.next_request {
            self.queue.schedule(r.at, Event::Demand);
        }
    }

    /// A customer asks for their connection's data. A request for a connection whose refresh
    /// is already under way (a request open, or a call pending at the bank) rides it.
    pub(super) fn demand_request(&mut self, now: SimTime) {
        let Some(r) = self.next_request.take() else {
            return;
        };
        self.schedule_request(now);
        let (c, ci) = (r.conn, r.conn as usize);
        debug_assert!(
            self.conns[ci].flags & UNLINKED == 0,
            "a request before the join"
        );
        let b = self.conns[ci].bank as usize;
        self.tally[b].events += 1;
        // Like every other figure, the customers' leave out the warm-up. (`pending_since` is
        // a submission instant here: a run with customers' requests is never settled.)
        let measured = (now >= self.measured_from) as u64;
        self.demand_stats.requests[b] += measured;
        // The client was told this connection needs its customer to reconnect: the app asks
        // them to, and calls nobody (the renewal itself is `reconnect.rs`'s).
        if self.conns[ci].flags & RECONNECT != 0 {
            return;
        }
        if self.demand_since[ci] != SimTime::NEVER || self.conns[ci].pending_since != SimTime::NEVER
        {
            self.demand_stats.joined[b] += measured;
            return;
        }
        self.demand_since[ci] = now;
        match self.customers_pool(b) {
            Some(q) => {
                q.request(c);
                self.fill_slots(now);
            }
            None => {
                self.conns[ci].flags |= ON_DEMAND;
                self.unslotted += 1;
                self.submit(now, c, false, true);
            }
        }
    }

    /// The pool whose priority lane bank `b`'s customers' calls take, or `None` where they
    /// call at once: the direct lane, or a client without slots (bulk, random offsets, a
    /// pace: the scenario refuses the lane there, but the planner tries them all).
    pub(super) fn customers_pool(&mut self, b: usize) -> Option<&mut crate::strategy::Queue> {
        let lane = self.demand.as_ref().map_or(Lane::Direct, |d| d.demand.lane);
        match (lane, self.client.pool_of(b)) {
            (Lane::Priority, Some(q)) if !q.is_paced() => Some(q),
            _ => None,
        }
    }

    /// An attempt for a customer's in-app request of connection `ci` over the measured
    /// days: a call the bank decides, or (Mastercard's rule) the earlier refresh's outcome
    /// replayed, which the customer meets as its own. Not the reconnect flow's fetch.
    #[inline]
    pub(super) fn count_customer_attempt(&mut self, ci: usize, present: bool) {
        let asked = self.conns[ci].flags & FETCH == 0;
        if present && asked && self.demand_since[ci] >= self.measured_from {
            let b = self.conns[ci].bank as usize;
            self.demand_stats.attempts[b] += 1;
        }
    }

    /// The outcome of a customer's request: data (its wait recorded), a failure, a
    /// reconnect the customer must make, or a recent refresh the platform answered with.
    pub(super) fn on_demand_learned(&mut self, now: SimTime, c: u32, outcome: Outcome) {
        let ci = c as usize;
        let b = self.conns[ci].bank as usize;
        // The reconnect flow's fetch is customer-present too, but no customer's request.
        let fetch = self.conns[ci].flags & FETCH != 0;
        self.conns[ci].flags &= !(ON_DEMAND | FETCH);
        let since = std::mem::replace(&mut self.demand_since[ci], SimTime::NEVER);
        let measured = since >= self.measured_from && !fetch;
        match outcome {
            Outcome::Success if measured => self.demand_stats.served(b, since, now),
            Outcome::RateLimited | Outcome::Error if measured => self.demand_stats.failed[b] += 1,
            // Unless the customer reconnected while the answer was on its way.
            Outcome::ReconnectRequired if self.conns[ci].consent_expires <= now => {
                self.conns[ci].flags |= RECONNECT
            }
            Outcome::Deduplicated if measured => self.demand_stats.joined[b] += 1,
            _ => {}
        }
        // The reconnect flow's fetch took the lane as the customers' requests do.
        match self.customers_pool(b) {
            Some(q) => q.release_urgent(),
            None => self.unslotted -= 1,
        }
    }

    /// The measured requests still without their data when the window ends at `end` (queued
    /// for the lane's slots; a call under way is answered as the run drains): counted at the
    /// wait they have had (`DemandStats::unanswered`), a lower bound. Not the link or
    /// reconnect flows' fetches.
    pub(super) fn close_requests(&mut self, end: SimTime) {
        if !self.demand_stats.enabled() {
            return;
        }
        let open = (self.demand_since.iter().enumerate())
            .filter(|&(_, &since)| since != SimTime::NEVER && since >= self.measured_from);
        for (ci, &since) in open {
            let conn = &self.conns[ci];
            if conn.flags & FETCH == 0 {
                (self.demand_stats).unanswered(conn.bank as usize, since, end);
            }
        }
    }
}
