//! The client's side of the run loop: period starts, submissions, what the client does with
//! an outcome it learns (done, back to the queue, back off, retry), and the queued client's
//! workers taking connections (with their overhead). Kept apart from the bank and platform
//! side in `sim.rs`; both are `impl World`.

use super::{Conn, Event, Outcome, World, HELD, ON_DEMAND, RECONNECT, UNLINKED};
use crate::bank::ServiceTime;
use crate::rng::Purpose;
use crate::strategy::{taken_since, Take};
use crate::time::{SimDuration, SimTime};
use rand::Rng;

impl World {
    /// After a customer's call, a connection the client does not hold (its pass skipped it
    /// while the call was under way): a looping queue takes it back into the loop, held as
    /// everything in the queue is (else the endless pass, gone by, dropped it for good); a
    /// stalest-first pass meets it again while it is still due this period (a joiner,
    /// skipped at the period's start, whose link fetch failed). The same after a call the
    /// platform made for a sibling account (D•One).
    /// Whether the connection went back into a queue (FIFO's pass has no place for it).
    pub(super) fn due_again(&mut self, c: u32) -> bool {
        let conn = &self.conns[c as usize];
        if conn.flags & (HELD | RECONNECT) != 0 {
            return false;
        }
        let due = conn.last_success == SimTime::NEVER || conn.last_success < self.period_started;
        let key = conn.age_order();
        let Some(q) = self.client.pool_of(conn.bank as usize) else {
            return false;
        };
        if q.looping {
            q.requeue(c, key);
            self.conns[c as usize].flags |= HELD;
            true
        } else {
            due && q.due_again(c, key)
        }
    }

    /// A period starts: the queued client's connections are due again; the next period's
    /// start is scheduled while it is within the window. A nightly client's period starts as
    /// its band opens ([`first_period_start`]), not at the window's clock: a pass skips the
    /// connections refreshed since its period began, and from a window opening at 18:00 the
    /// evening's customers would have spared those connections the night's pass.
    pub(super) fn period_start(&mut self, now: SimTime) {
        let next = match self.band {
            Some(band) => next_opening(band, now),
            None => now + self.period,
        };
        if next < self.window_end {
            self.queue.schedule(next, Event::PeriodStart);
        }
        self.period_started = now;
        let (conns, joining) = (&self.conns, self.joining);
        if let Some(pools) = self.client.pools() {
            for q in pools.iter_mut() {
                if joining {
                    q.repace(|c| conns[c as usize].flags & UNLINKED == 0);
                }
                let first = now == first_period_start(self.band, self.window_start);
                q.period_start(first, |c| conns[c as usize].age_order());
            }
        }
        self.hold_outside_band(now);
        self.fill_slots(now);
    }

    /// At a period start, with a band of hours: the pools are held until it opens if it is
    /// shut, and its close today is scheduled ([`World::band_close`]). The period is a day,
    /// so each day's close is scheduled once; no submission looks at the clock.
    fn hold_outside_band(&mut self, now: SimTime) {
        let Some((from, to)) = self.band else {
            return;
        };
        let closes = match band_at((from, to), now) {
            Ok(closes) => closes,
            Err(opens) => {
                self.hold_pools(opens);
                SimTime(opens.as_micros() + (to - from))
            }
        };
        if closes < self.window_end {
            self.queue.schedule(closes, Event::BandClose);
        }
    }

    /// The band of hours closes: the pools are held until it next opens.
    pub(super) fn band_close(&mut self, now: SimTime) {
        if let Some(Err(opens)) = self.band.map(|band| band_at(band, now)) {
            self.hold_pools(opens);
        }
    }

    /// Holds every pool's background submissions until `until` (a pool with one due then
    /// wakes); customers in the priority lane pass.
    fn hold_pools(&mut self, until: SimTime) {
        if let Some(pools) = self.client.pools() {
            pools.iter_mut().for_each(|q| q.hold_band(until));
        }
    }

    /// A submission event: a planned arrival (bulk, random offset), or a queued worker's
    /// request at the end of its overhead, or a passive client's retry.
    pub(super) fn submission(&mut self, now: SimTime, c: u32, is_retry: bool, present: bool) {
        let queued = self.client.busy().is_some();
        if queued {
            self.starting -= 1;
        }
        if now >= self.window_end {
            // The window closed first (a worker in its overhead, or a period cut short).
            let b = self.conns[c as usize].bank as usize;
            if let Some(q) = self.client.pool_of(b) {
                q.release();
            }
            return;
        }
        if !queued && self.conns[c as usize].flags & RECONNECT != 0 {
            // The client knows this customer must reconnect first: not due.
            return;
        }
        self.submit(now, c, is_retry, present);
    }

    /// Connection `c`'s planned instant under `strategy.jitter`: the scheduler sends its
    /// refresh late by a draw in `[0, jitter)`, its own each period (the connection's
    /// scheduling stream, keyed past the offset's draw by the period's index), as a cron job
    /// or a job queue's pick-up is late by a varying amount.
    pub(super) fn planned(&mut self, now: SimTime, c: u32) {
        let period = (now - self.window_start).as_micros() / self.period.as_micros();
        let word = (self.streams)
            .at(Purpose::Schedule, c, 1 + period as u32)
            .next_u64();
        let late = SimDuration(crate::rng::below(word, self.jitter.as_micros()));
        let submit = Event::Submit {
            conn: c,
            retry: false,
            present: false,
        };
        self.queue.schedule(now + late, submit);
    }

    pub(super) fn learned(&mut self, now: SimTime, c: u32, outcome: Outcome, present: bool) {
        let ci = c as usize;
        let b = self.conns[ci].bank as usize;
        self.state[b].outstanding -= 1;
        self.outstanding_all -= 1;
        if let Some(q) = self.client.pool_of(b) {
            // An adaptive pool hears every outcome, retried or not.
            match outcome {
                Outcome::Success => q.learned_success(now),
                Outcome::RateLimited => q.learned_failure(now, false),
                Outcome::Error => q.learned_failure(now, true),
                Outcome::ReconnectRequired | Outcome::Deduplicated => {}
            }
        }
        if present {
            // A customer's request: its outcome is the customer's, never retried or requeued
            // (told by the attempt, not by the connection's flag: the client's own attempt
            // may overlap a customer's).
            self.on_demand_learned(now, c, outcome);
            self.due_again(c);
            self.fill_slots(now);
            return;
        }
        // Only outcomes the policy retries back off; others (a 429 with `on = ["error"]`)
        // are treated as without a policy.
        let retryable = match outcome {
            Outcome::RateLimited => self.retry.on_rate_limited,
            Outcome::Error => self.retry.on_error,
            _ => false,
        };
        if outcome == Outcome::RateLimited && self.pause_on_retry_after {
            self.pause_for_retry_after(c, b);
        }
        // A failure sent before this period began is due in it, whatever `on_failure` says.
        let started = self.period_started;
        let earlier = (self.client.pools()).is_some_and(|p| p.taken_before(c, started));
        if retryable && self.retry.enabled() && now < self.window_end {
            self.back_off(now, c, earlier);
        } else {
            if self.retry.enabled() {
                self.last_wait[ci] = self.retry.base;
            }
            // Unless its customer reconnected while the answer was on its way.
            let lapsed = self.conns[ci].consent_expires <= now;
            if outcome == Outcome::ReconnectRequired && lapsed {
                self.conns[ci].flags = RECONNECT;
            }
            if let Some(q) = self.client.pool_of(b) {
                // A success (or a refresh the platform already had) is done for the period,
                // unless it landed before the period started and is learned after: the new
                // period's pass skipped the connection (it was held), so it is due again. A
                // failure not retried is still due and goes to the back of the queue, or is
                // left to the next period's pass (`strategy.on_failure`). A looping queue
                // sends every connection back but those that need a reconnect.
                let stale = self.conns[ci].last_success < self.period_started;
                let requeue = match outcome {
                    Outcome::ReconnectRequired => !lapsed && q.looping,
                    Outcome::Success => q.looping || stale,
                    Outcome::Deduplicated => q.looping,
                    Outcome::RateLimited | Outcome::Error => q.requeue_failures || earlier,
                };
                q.release();
                if requeue {
                    q.requeue(c, self.conns[ci].age_order());
                } else {
                    self.conns[ci].flags &= !HELD;
                }
            }
        }
        self.fill_slots(now);
    }

    /// A 429 that carried a Retry-After for the whole bank (not a connection's quota) holds
    /// the pool of bank `b` until then, plus a jitter
    /// in `[0, retry.retry_after_jitter)` (so that a client's pools, told the same second,
    /// do not all resume at that instant).
    fn pause_for_retry_after(&mut self, c: u32, b: usize) {
        let at = std::mem::replace(&mut self.pause_at[c as usize], SimTime::NEVER);
        if at == SimTime::NEVER {
            return;
        }
        let span = self.retry.retry_after_jitter.as_micros();
        let jitter = match span {
            0 => 0,
            _ => {
                let attempt = self.conns[c as usize].attempts;
                let w = self.streams.at(Purpose::Pause, c, attempt).next_u64();
                crate::rng::below(w, span)
            }
        };
        if let Some(q) = self.client.pool_of(b) {
            q.pause_until(at + SimDuration(jitter));
        }
    }

    /// A failed attempt of a client with a `[retry]` policy: it waits a backoff, then is
    /// retried while the policy allows (`RetryDue`), or else, for a queued client, goes back
    /// to the queue (`Requeue`, still due this period, after the policy's last wait) or,
    /// under `strategy.on_failure = "next_period"`, lets its slot go at once (but one sent
    /// before this period began, `earlier`, which is due in it). So a
    /// refresh is never resubmitted without a backoff, with polling or callbacks. A queued
    /// worker keeps its slot while it waits (unless `hold_slot` is off), so a slot cannot
    /// spin on a rejecting bank either. A passive client's refresh gives up until the next
    /// period.
    fn back_off(&mut self, now: SimTime, c: u32, earlier: bool) {
        let ci = c as usize;
        let retry = self.chain[ci] < self.retry.max_attempts;
        let n = if retry {
            self.chain[ci] - 1
        } else {
            self.retry.max_attempts - 1
        };
        let retry_after = match self.retry_after[ci] {
            SimTime::NEVER => None,
            at => Some(at),
        };
        let mut rng = self
            .streams
            .at(Purpose::Backoff, c, self.conns[ci].attempts);
        let wait = self
            .retry
            .delay(n, self.last_wait[ci], now, retry_after, &mut rng);
        self.last_wait[ci] = if retry { wait } else { self.retry.base };
        self.retry_after[ci] = SimTime::NEVER;
        let event = if retry {
            Event::RetryDue(c)
        } else {
            Event::Requeue(c)
        };
        let b = self.conns[ci].bank as usize;
        match self.client.pool_of(b) {
            Some(q) if !retry && !q.requeue_failures && !earlier => {
                q.release();
                self.conns[ci].flags &= !HELD;
            }
            Some(q) => {
                if self.retry.hold_slot {
                    self.sleeping += 1;
                } else {
                    q.release();
                }
                self.queue.schedule(now + wait, event);
            }
            None if retry => self.queue.schedule(now + wait, event),
            None => {}
        }
    }

    /// A queued refresh whose retries gave up rejoins the queue's back after its wait (its
    /// worker, if it kept the slot, lets it go).
    pub(super) fn requeue(&mut self, now: SimTime, c: u32) {
        let hold = self.retry.hold_slot;
        let b = self.conns[c as usize].bank as usize;
        if let Some(q) = self.client.pool_of(b) {
            if hold {
                self.sleeping -= 1;
                q.release();
            }
            q.requeue(c, self.conns[c as usize].age_order());
        }
        self.fill_slots(now);
    }

    pub(super) fn retry_due(&mut self, now: SimTime, c: u32) {
        let hold = self.retry.hold_slot;
        let b = self.conns[c as usize].bank as usize;
        let queued = self.client.busy().is_some();
        if queued && hold {
            self.sleeping -= 1;
        }
        if now >= self.window_end {
            // The window closed while backing off: the refresh gives up (and a worker that
            // kept its slot lets it go).
            if let (Some(q), true) = (self.client.pool_of(b), hold) {
                q.release();
            }
            return;
        }
        // Outside the band of hours, or in an hour its pace profile gives no weight, even a
        // worker that kept its slot waits for it to open.
        let shut = self.band.is_some_and(|band| band_at(band, now).is_err());
        match self.client.pool_of(b) {
            Some(q) if hold && (shut || q.idle_hour(now)) => {
                q.release();
                q.retry_due(c);
            }
            // The worker that kept its slot retries at once; a freed refresh waits for one.
            Some(_) if hold => self.submit(now, c, true, false),
            Some(q) => q.retry_due(c),
            None => self.submit(now, c, true, false),
        }
        self.fill_slots(now);
    }

    /// Lets free slots of a queued client submit (due retries first, then the FIFO), pool
    /// by pool.
    pub(super) fn fill_slots(&mut self, now: SimTime) {
        if now >= self.window_end {
            return;
        }
        let pools = self.client.pools().map_or(0, |p| p.len());
        for p in 0..pools {
            self.fill_pool(now, p);
        }
        debug_assert!(
            self.client.busy().is_none_or(|b| b as u64 + self.unslotted
                == self.outstanding_all + self.starting + self.sleeping),
            "queued slots out of step with outstanding refreshes"
        );
    }

    /// Lets pool `p`'s free slots take due connections.
    fn fill_pool(&mut self, now: SimTime, p: usize) {
        while let Some((next, take, paced)) = self.take_next(now, p) {
            let is_retry = take == Take::Retry;
            // An on-demand request is the customer's, not the background pass's.
            self.conns[next as usize].flags |= match take {
                Take::Urgent => ON_DEMAND,
                Take::Fresh | Take::Retry => HELD,
            };
            // The worker's overhead, keyed by the connection and its attempt so that a
            // connection's luck does not depend on which worker took it. A pacer is a timer:
            // it submits on its tick.
            let attempt = self.conns[next as usize].attempts;
            let overhead = match &self.overhead {
                _ if paced => SimDuration::ZERO,
                ServiceTime::Constant(d) => *d,
                o => o.sample(&mut self.streams.at(Purpose::Schedule, next, attempt + 1)),
            };
            if let (Take::Fresh, Some(pools)) = (take, self.client.pools()) {
                // Stamped as it is sent: a period may begin during the worker's overhead.
                pools.took(next, now + overhead);
            }
            if overhead.is_zero() {
                // The idealised lattice client submits as it takes the connection.
                self.submit(now, next, is_retry, take == Take::Urgent);
            } else {
                self.starting += 1;
                let event = Event::Submit {
                    conn: next,
                    retry: is_retry,
                    present: take == Take::Urgent,
                };
                self.queue.schedule(now + overhead, event);
            }
        }
    }

    /// The next connection pool `p` takes now (and whether it is a retry, and whether the
    /// pool is paced), if it may submit now and has one due. A pool held until later (its
    /// pace, a Retry-After) schedules its wake-up instead.
    fn take_next(&mut self, now: SimTime, p: usize) -> Option<(u32, Take, bool)> {
        // The pass skips connections the client holds, those that need a reconnect, and
        // (unless it loops) those already refreshed this period: a connection carried over
        // from the last period may have succeeded before the pass reached it.
        let skip = |c: &Conn, done_since: SimTime| {
            c.flags != 0 || (c.last_success != SimTime::NEVER && c.last_success >= done_since)
        };
        let started = self.period_started;
        let (q, taken) = self.client.pools()?.get_with_taken(p);
        if let Some(at) = q.not_before(now) {
            if !q.waking {
                q.waking = true;
                self.queue.schedule(at, Event::Wake(p as u32));
            }
            // Outside the band of hours, customers in the priority lane still pass; held by a
            // Retry-After pause that ends before the band opens, they wake at its end.
            if let Some(c) = q.next_customer(now) {
                return Some((c, Take::Urgent, false));
            }
            if let Some(until) = q.customers_held(now).filter(|&u| u < at) {
                if !q.customers_waking {
                    q.customers_waking = true;
                    self.queue.schedule(until, Event::CustomersWake(p as u32));
                }
            }
            return None;
        }
        let done_since = if q.looping {
            SimTime::NEVER
        } else {
            self.period_started
        };
        let conns = &self.conns;
        // Where failures wait for the next period, a connection sent this period already
        // (its failure learned) is not taken again.
        let (next, take) = q.next_submission(
            |c| skip(&conns[c as usize], done_since) || taken_since(taken, c, started),
            |c| conns[c as usize].age_order(),
        )?;
        q.took(now);
        Some((next, take, q.is_paced()))
    }

    /// Pool `p`'s customers' wake-up: the Retry-After pause holding them has run out while
    /// the band still holds the background.
    pub(super) fn customers_wake(&mut self, now: SimTime, p: u32) {
        if let Some(pools) = self.client.pools() {
            pools.get(p as usize).customers_waking = false;
        }
        if now < self.window_end {
            self.fill_pool(now, p as usize);
        }
    }

    /// Pool `p`'s wake-up: its pace or pause has run out.
    pub(super) fn wake(&mut self, now: SimTime, p: u32) {
        if let Some(pools) = self.client.pools() {
            pools.get(p as usize).waking = false;
        }
        if now < self.window_end {
            self.fill_pool(now, p as usize);
        }
    }
}

/// When a queued client's first period starts: with the window, or with a band of hours,
/// when the band first opens (at once if it is open).
pub(super) fn first_period_start(band: Option<(u64, u64)>, window_start: SimTime) -> SimTime {
    match band.map(|b| band_at(b, window_start)) {
        Some(Err(opens)) => opens,
        _ => window_start,
    }
}

/// The band's next opening after `now` (a day after `now` when it opens at `now`).
fn next_opening((from, _): (u64, u64), now: SimTime) -> SimTime {
    const DAY: u64 = crate::time::DAY_US;
    let day_start = now.as_micros() - now.as_micros() % DAY;
    match now.as_micros() - day_start < from {
        true => SimTime(day_start + from),
        false => SimTime(day_start + DAY + from),
    }
}

/// Where a band of hours `(from, to)` (microseconds into the day, `from < to`; `to` past a
/// day's for a band across midnight) stands at `now`: open until it closes (`Ok`), or shut
/// until it next opens (`Err`).
#[inline]
fn band_at((from, to): (u64, u64), now: SimTime) -> Result<SimTime, SimTime> {
    const DAY: u64 = crate::time::DAY_US;
    let day_start = now.as_micros() - now.as_micros() % DAY;
    let tod = now.as_micros() - day_start;
    match tod {
        // Still in the band that opened the evening before.
        t if t + DAY < to => Ok(SimTime(day_start + to - DAY)),
        t if t < from => Err(SimTime(day_start + from)),
        t if t >= to => Err(SimTime(day_start + DAY + from)),
        _ => Ok(SimTime(day_start + to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_is_open_until_it_closes_and_shut_until_it_opens() {
        let h = |x: u64| x * 3_600_000_000;
        let band = (h(2), h(6));
        let at = |x: u64| SimTime(x);
        assert_eq!(band_at(band, at(h(1))), Err(at(h(2))));
        assert_eq!(band_at(band, at(h(2))), Ok(at(h(6))));
        assert_eq!(band_at(band, at(h(6) - 1)), Ok(at(h(6))));
        assert_eq!(band_at(band, at(h(6))), Err(at(h(26))));
        assert_eq!(band_at(band, at(h(23) + h(24))), Err(at(h(50))));
        assert_eq!(band_at(band, at(h(3) + h(48))), Ok(at(h(54))));
        // 22:00–06:00, across midnight: open from the evening to the next morning.
        let night = (h(22), h(30));
        assert_eq!(band_at(night, at(h(0))), Ok(at(h(6))));
        assert_eq!(band_at(night, at(h(6))), Err(at(h(22))));
        assert_eq!(band_at(night, at(h(21))), Err(at(h(22))));
        assert_eq!(band_at(night, at(h(22))), Ok(at(h(30))));
        assert_eq!(band_at(night, at(h(29) + h(24))), Ok(at(h(54))));
        assert_eq!(first_period_start(Some(night), at(h(12))), at(h(22)));
        assert_eq!(first_period_start(Some(night), at(h(1))), at(h(1)));
    }

    /// A nightly client's periods begin as the band opens: the first at the window's start
    /// only while the band is open, then each opening.
    #[test]
    fn a_nightly_period_starts_as_the_band_opens() {
        let h = |x: u64| x * 3_600_000_000;
        let band = (h(2), h(6));
        let at = |x: u64| SimTime(x);
        assert_eq!(first_period_start(None, at(h(18))), at(h(18)));
        assert_eq!(first_period_start(Some(band), at(h(18))), at(h(26)));
        assert_eq!(first_period_start(Some(band), at(h(1))), at(h(2)));
        assert_eq!(first_period_start(Some(band), at(h(3))), at(h(3)));
        assert_eq!(next_opening(band, at(h(3))), at(h(26)));
        assert_eq!(next_opening(band, at(h(2))), at(h(26)));
        assert_eq!(next_opening(band, at(h(1))), at(h(2)));
    }
}
