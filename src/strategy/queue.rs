//! The queued client's runtime state: pools of slots, each with the FIFO of its due
//! connections (one pool over every connection for `queued`, one per bank for `per_bank`).

use super::aimd::{Aimd, AimdRule};
use super::by_age::ByAge;
use super::profile::PaceProfile;
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

/// Where a pool's next submission came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// A due connection from the FIFO or this period's pass.
    Fresh,
    /// A retry whose backoff has expired.
    Retry,
    /// A customer's on-demand request (the priority lane).
    Urgent,
}

/// The connections a pool's pass walks over.
pub enum Members {
    /// Connections `0..n`, without a list.
    All(u32),
    /// These connections, in this order (one bank's, in connection order).
    Listed(Vec<u32>),
}

impl Members {
    #[inline]
    fn len(&self) -> u32 {
        match self {
            Members::All(n) => *n,
            Members::Listed(v) => v.len() as u32,
        }
    }

    #[inline]
    fn get(&self, i: u32) -> u32 {
        match self {
            Members::All(_) => i,
            Members::Listed(v) => v[i as usize],
        }
    }
}

/// The queued client's pools: one, or one per bank.
pub struct Pools {
    pools: Vec<Queue>,
    by_bank: bool,
    /// Where failures wait for the next period (`strategy.on_failure = "next_period"`): when
    /// each connection taken from a pass was last sent (its worker's overhead after the
    /// take), so that one sent before the period began and failing after is still due in it,
    /// and no pass takes a connection twice in a period. Empty otherwise.
    taken: Vec<SimTime>,
}

impl Pools {
    /// One pool over every connection.
    pub fn one(q: Queue) -> Pools {
        Pools {
            pools: vec![q],
            by_bank: false,
            taken: Vec::new(),
        }
    }

    /// A pool of `slots[b]` slots for each bank `b`, serving the connections `bank_of` puts
    /// there.
    pub fn per_bank(
        slots: &[u32],
        looping: bool,
        connections: u32,
        bank_of: impl Fn(u32) -> usize,
    ) -> Pools {
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); slots.len()];
        for c in 0..connections {
            members[bank_of(c)].push(c);
        }
        let pools = slots
            .iter()
            .zip(members)
            .map(|(&n, m)| Queue::new(n, looping, Members::Listed(m)))
            .collect();
        Pools {
            pools,
            by_bank: true,
            taken: Vec::new(),
        }
    }

    /// [`Pools::per_bank`] with each bank's slots adapted by `rule` from `start`.
    pub fn adaptive(
        rule: AimdRule,
        banks: usize,
        looping: bool,
        connections: u32,
        start: SimTime,
        bank_of: impl Fn(u32) -> usize,
    ) -> Pools {
        let mut p = Pools::per_bank(&vec![rule.initial; banks], looping, connections, bank_of);
        for q in &mut p.pools {
            q.aimd = Some(Aimd::new(rule, start));
        }
        p
    }

    /// A paced pool per bank (`per_bank`) or one over every connection: the pool of bank `b`
    /// (`None` for the one pool), with `n` connections, submits one every `pace(b, n).0`;
    /// paced over a period (`pace(b, n).1`), it is paced again at each period start
    /// ([`Queue::repace`]).
    pub fn paced(
        per_bank: bool,
        banks: usize,
        looping: bool,
        connections: u32,
        pace: impl Fn(Option<usize>, u32) -> (SimDuration, Option<SimDuration>),
        bank_of: impl Fn(u32) -> usize,
    ) -> Pools {
        let paced = |bank: Option<usize>, n: u32, members: Members| {
            let (interval, period) = pace(bank, n);
            Queue {
                pace_period: period,
                ..Queue::paced(interval, looping, members)
            }
        };
        if !per_bank {
            return Pools::one(paced(None, connections, Members::All(connections)));
        }
        let mut p = Pools::per_bank(&vec![0; banks], looping, connections, bank_of);
        for (b, q) in p.pools.iter_mut().enumerate() {
            let n = q.members.len();
            *q = paced(
                Some(b),
                n,
                std::mem::replace(&mut q.members, Members::All(0)),
            );
        }
        p
    }

    /// Leaves the pools' failures not retried to the next period's pass (but a looping
    /// queue's), remembering when each of the `connections` is taken.
    pub fn leave_failures(&mut self, connections: u32) {
        self.pools.iter_mut().for_each(Queue::leave_failures);
        if self.pools.iter().any(|q| !q.requeue_failures) {
            self.taken = vec![SimTime::NEVER; connections as usize];
        }
    }

    /// Pool `i`, and when each connection was last sent from a pass (read by
    /// [`taken_since`]).
    #[inline]
    pub fn get_with_taken(&mut self, i: usize) -> (&mut Queue, &[SimTime]) {
        (&mut self.pools[i], &self.taken)
    }

    /// Connection `c`, taken from a pass, is sent at `at`.
    #[inline]
    pub fn took(&mut self, c: u32, at: SimTime) {
        if let Some(t) = self.taken.get_mut(c as usize) {
            *t = at;
        }
    }

    /// Whether connection `c` was last sent from a pass before `t` (false where failures
    /// are requeued, which keeps no record).
    #[inline]
    pub fn taken_before(&self, c: u32, t: SimTime) -> bool {
        self.taken.get(c as usize).is_some_and(|&at| at < t)
    }

    /// Each pool's time-averaged slots from `start` to `end`.
    pub fn mean_slots(&mut self, start: SimTime, end: SimTime) -> Vec<f64> {
        self.pools
            .iter_mut()
            .map(|q| match (&mut q.aimd, q.interval) {
                (Some(a), _) => a.mean_slots(start, end),
                (None, Some(_)) => f64::NAN,
                (None, None) => q.concurrency as f64,
            })
            .collect()
    }

    /// The order the pools take due connections in, as `strategy.order` names it.
    pub fn order(&self) -> &'static str {
        match self.pools.iter().any(|q| q.by_age.is_some()) {
            true => "stalest",
            false => "fifo",
        }
    }

    /// How many pools.
    #[inline]
    pub fn len(&self) -> usize {
        self.pools.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pools.is_empty()
    }

    /// Pool `i`.
    #[inline]
    pub fn get(&mut self, i: usize) -> &mut Queue {
        &mut self.pools[i]
    }

    /// The pool that serves bank `bank`'s connections.
    #[inline]
    pub fn of_bank(&mut self, bank: usize) -> &mut Queue {
        let i = if self.by_bank { bank } else { 0 };
        &mut self.pools[i]
    }

    /// Every pool.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Queue> {
        self.pools.iter_mut()
    }

    /// Keeps `share` of each pool's slots for customers' requests, but a pace's: its
    /// customers call direct (`sim/demand.rs`).
    pub fn reserve(&mut self, share: f64) {
        for q in self.pools.iter_mut().filter(|q| !q.is_paced()) {
            q.reserve(share);
        }
    }

    /// Busy slots over every pool.
    pub fn busy(&self) -> u32 {
        self.pools.iter().map(|q| q.busy).sum()
    }
}

/// Whether `taken` (see [`Pools::get_with_taken`]) says connection `c` was sent from a pass
/// at or after `t`.
#[inline]
pub fn taken_since(taken: &[SimTime], c: u32, t: SimTime) -> bool {
    taken
        .get(c as usize)
        .is_some_and(|&at| at != SimTime::NEVER && at >= t)
}

/// The queued client's slots and its FIFO of due connections, in the order a real FIFO
/// would hold them: retries whose backoff has expired first (`due`), then connections left
/// over from earlier periods (`carry`), then this period's (`fresh`, a range over every
/// connection rather than a million queue entries: connections the client already holds or
/// knows need a reconnect are skipped as they come up), then this period's failures
/// (`queue`). A stalest-first pool (`strategy.order = "stalest"`) keeps its due connections
/// by the age of their data instead ([`ByAge`]), after the retries.
pub struct Queue {
    pub concurrency: u32,
    pub busy: u32,
    pub looping: bool,
    /// A failure not retried goes to the back of the queue (else to the next period's pass).
    pub requeue_failures: bool,
    /// The next connection of this period's pass over every connection, and how many of
    /// the pass are left. The cursor wraps, so a pass that did not finish in its period is
    /// resumed where it stopped by the next one, ahead of the connections it had reached.
    cursor: u32,
    left: u32,
    carry: VecDeque<u32>,
    queue: VecDeque<u32>,
    due: VecDeque<u32>,
    /// The connections the pass walks over.
    members: Members,
    /// Adaptive slots (`aimd`): `concurrency` follows its limit.
    aimd: Option<Aimd>,
    /// Paced: one submission per `interval` (a paced pool's `concurrency` is unbounded
    /// unless `strategy.outstanding` bounds it).
    interval: Option<SimDuration>,
    /// Paced over the period (no `rate`): the period the pass spreads its members over.
    pace_period: Option<SimDuration>,
    /// Paced: the weights of the hours of the day that multiply the pace.
    profile: Option<PaceProfile>,
    /// Customers' on-demand requests waiting for a slot (the priority lane), served first;
    /// the slots they hold; and the share of the slots only they may take.
    urgent: VecDeque<u32>,
    busy_urgent: u32,
    reserved_share: f64,
    /// No submission before this time (the pacing's next tick, or a Retry-After pause).
    next_at: SimTime,
    /// No background submission before this time (the band of hours shut): customers in
    /// the priority lane still take slots.
    band_until: SimTime,
    /// A wake-up at `next_at` is scheduled.
    pub waking: bool,
    /// A wake-up for customers in the priority lane at a Retry-After pause's end, before the
    /// band opens, is scheduled.
    pub customers_waking: bool,
    /// Stalest first: the due connections by the age of their data (`None`: FIFO).
    by_age: Option<ByAge>,
}

impl Queue {
    pub fn new(concurrency: u32, looping: bool, members: Members) -> Queue {
        Queue {
            concurrency,
            busy: 0,
            looping,
            requeue_failures: true,
            cursor: 0,
            left: 0,
            carry: VecDeque::new(),
            queue: VecDeque::new(),
            due: VecDeque::new(),
            members,
            aimd: None,
            interval: None,
            pace_period: None,
            profile: None,
            urgent: VecDeque::new(),
            busy_urgent: 0,
            reserved_share: 0.0,
            next_at: SimTime::ZERO,
            band_until: SimTime::ZERO,
            waking: false,
            customers_waking: false,
            by_age: None,
        }
    }

    /// Takes the due connection with the oldest data first (never refreshed first of all),
    /// rather than in turn: see [`Order::Stalest`](crate::strategy::Order).
    pub fn stalest_first(&mut self) {
        self.by_age = Some(ByAge::default());
    }

    /// Leaves a failure not retried to the next period's pass (`strategy.on_failure =
    /// "next_period"`), but in a looping queue, which takes every connection round again.
    pub fn leave_failures(&mut self) {
        self.requeue_failures = self.looping;
    }

    /// A paced pool: one of `members` every `interval`, as many outstanding as that makes
    /// (the caller may bound them by setting `concurrency`).
    pub fn paced(interval: SimDuration, looping: bool, members: Members) -> Queue {
        Queue {
            interval: Some(interval),
            ..Queue::new(u32::MAX, looping, members)
        }
    }

    /// The interval that spreads `n` connections over `period`.
    pub fn pace_over(period: SimDuration, n: u32) -> SimDuration {
        let us = period.as_micros() as f64 / n.max(1) as f64;
        SimDuration((us.round() as u64).max(1))
    }

    /// At a period start, a pool paced over the period spreads the members `linked` says are
    /// connections by then over it (not those that join later: paced for them too, it would
    /// run ahead of the population it has).
    pub fn repace(&mut self, linked: impl Fn(u32) -> bool) {
        let Some(period) = self.pace_period else {
            return;
        };
        let n = (0..self.members.len())
            .filter(|&i| linked(self.members.get(i)))
            .count();
        self.interval = Some(Queue::pace_over(period, n as u32));
    }

    /// Whether this pool submits on a timer (no worker overhead) rather than from slots.
    #[inline]
    pub fn is_paced(&self) -> bool {
        self.interval.is_some()
    }

    /// The time before which the pool may not submit (`None`: it may now): its next tick,
    /// a pause, or an hour its pace profile gives no weight.
    #[inline]
    pub fn not_before(&self, now: SimTime) -> Option<SimTime> {
        let held = self.next_at.max(self.band_until);
        if now < held {
            return Some(held);
        }
        let open = match &self.profile {
            Some(p) => p.open_from(now),
            None => return None,
        };
        (open > now).then_some(open)
    }

    /// A connection was taken at `now`: a paced pool's next tick is one interval later (in
    /// the weighted time of its profile, if it has one).
    #[inline]
    pub fn took(&mut self, now: SimTime) {
        if let Some(i) = self.interval {
            self.next_at = match &self.profile {
                None => now + i,
                Some(p) => p.next_tick(now, i),
            };
        }
    }

    /// Whether the pool's pace profile gives the hour holding `now` no weight.
    pub fn idle_hour(&self, now: SimTime) -> bool {
        self.profile.as_ref().is_some_and(|p| p.at(now) == 0.0)
    }

    /// Paces the pool by the hours of the day (see [`PaceProfile`]).
    pub fn set_profile(&mut self, profile: Option<PaceProfile>) {
        self.profile = profile;
    }

    /// Holds new submissions until `until` (a bank's Retry-After).
    #[inline]
    pub fn pause_until(&mut self, until: SimTime) {
        self.next_at = self.next_at.max(until);
    }

    /// Holds the background's submissions until `until` (the band of hours shut), not the
    /// customers' in the priority lane.
    #[inline]
    pub fn hold_band(&mut self, until: SimTime) {
        self.band_until = self.band_until.max(until);
    }

    /// Until when a Retry-After pause holds the customers waiting in the priority lane (who
    /// pass the band, not a pause): `None` without any, or past the pause.
    #[inline]
    pub fn customers_held(&self, now: SimTime) -> Option<SimTime> {
        (!self.urgent.is_empty() && now < self.next_at).then_some(self.next_at)
    }

    /// While the band holds the pool ([`Queue::not_before`]), the next customer in the
    /// priority lane, taking a slot: one is waiting, a slot is free, and no Retry-After pause
    /// holds the pool.
    #[inline]
    pub fn next_customer(&mut self, now: SimTime) -> Option<u32> {
        // `next_at` is a Retry-After here: a paced pool's tick would be read as one.
        debug_assert!(self.urgent.is_empty() || !self.is_paced());
        if self.customers_held(now).is_some() {
            return None;
        }
        if self.busy >= self.concurrency {
            return None;
        }
        let c = self.urgent.pop_front()?;
        self.busy_urgent += 1;
        self.busy += 1;
        Some(c)
    }

    /// A success was learned at `now` (an adaptive pool may grow).
    #[inline]
    pub fn learned_success(&mut self, now: SimTime) {
        if let Some(a) = &mut self.aimd {
            a.on_success(now, self.busy);
            self.concurrency = a.slots();
        }
    }

    /// A 429 (`error` false) or a 5xx was learned at `now` (an adaptive pool may shrink).
    #[inline]
    pub fn learned_failure(&mut self, now: SimTime, error: bool) {
        if let Some(a) = &mut self.aimd {
            if !error || a.counts_errors() {
                a.on_push_back(now);
                self.concurrency = a.slots();
            }
        }
    }

    /// A period starts: every connection becomes due again, behind those still waiting (or,
    /// stalest first, by the age of its data, `age` its key). A looping queue starts its one
    /// endless pass at the first period and ignores the rest.
    pub fn period_start(&mut self, first: bool, age: impl Fn(u32) -> u64) {
        if self.looping && !first {
            return;
        }
        if let Some(a) = &mut self.by_age {
            let members = &self.members;
            a.period_start((0..members.len()).map(|i| members.get(i)), age);
            return;
        }
        self.carry.append(&mut self.queue);
        self.left = self.members.len();
    }

    /// A refresh no longer needs its slot: its outcome was learned, or it is backing off
    /// before a retry (a backing-off retry does not hold a slot, as in job queues such as
    /// Sidekiq, Celery or BullMQ, where a failed job is rescheduled and the worker moves on),
    /// or the window closed before it was submitted.
    #[inline]
    pub fn release(&mut self) {
        self.busy -= 1;
    }

    /// A connection still due (a failure not retried, a looping queue's outcome) joins the
    /// back of the FIFO, or, stalest first, its place by `age`, the age of its data.
    #[inline]
    pub fn requeue(&mut self, conn: u32, age: u64) {
        match &mut self.by_age {
            Some(a) => a.set_back(conn, age),
            None => self.queue.push_back(conn),
        }
    }

    /// Stalest first, a connection due this period that the pass may have skipped (a
    /// customer's call was under way) meets the pass again, by `age`; in turn, the pass's
    /// cursor may yet reach it, and nothing is done. Whether it was queued.
    #[inline]
    pub fn due_again(&mut self, conn: u32, age: u64) -> bool {
        match (&mut self.by_age, self.looping) {
            (Some(a), false) => {
                a.due_again(conn, age);
                true
            }
            _ => false,
        }
    }

    /// A retry's backoff expired: it is served before the FIFO.
    #[inline]
    pub fn retry_due(&mut self, conn: u32) {
        self.due.push_back(conn);
    }

    /// A customer's on-demand request joins the priority lane.
    #[inline]
    pub fn request(&mut self, conn: u32) {
        self.urgent.push_back(conn);
    }

    /// Keeps `share` of the slots (rounded down) for customers' requests.
    pub fn reserve(&mut self, share: f64) {
        self.reserved_share = share;
    }

    /// A customer's request no longer needs its slot.
    #[inline]
    pub fn release_urgent(&mut self) {
        self.busy_urgent -= 1;
        self.release();
    }

    /// Whether background work may take a slot now: not one of those kept for customers.
    #[inline]
    fn background_may_take(&self) -> bool {
        let kept = (self.reserved_share * self.concurrency as f64) as u32;
        self.busy.saturating_sub(self.busy_urgent) < self.concurrency.saturating_sub(kept)
    }

    /// The next connection a free slot takes now, if any, taking the slot, and where it came
    /// from: the priority lane first, then due retries, then the FIFO. `skip` says which
    /// connections of this period's range not to take (already held by the client, or known
    /// to need a reconnect); `age` gives a connection's key now, for a stalest-first pool.
    #[inline]
    pub fn next_submission(
        &mut self,
        mut skip: impl FnMut(u32) -> bool,
        age: impl Fn(u32) -> u64,
    ) -> Option<(u32, Take)> {
        if self.busy >= self.concurrency {
            return None;
        }
        let next = if let Some(c) = self.urgent.pop_front() {
            self.busy_urgent += 1;
            (c, Take::Urgent)
        } else if !self.background_may_take() {
            return None;
        } else if let Some(c) = self.due.pop_front() {
            (c, Take::Retry)
        } else if let Some(a) = &mut self.by_age {
            (a.next(&mut skip, age)?, Take::Fresh)
        } else if let Some(c) = self.carry.pop_front() {
            (c, Take::Fresh)
        } else if let Some(c) = self.next_fresh(&mut skip) {
            (c, Take::Fresh)
        } else {
            (self.queue.pop_front()?, Take::Fresh)
        };
        self.busy += 1;
        Some(next)
    }

    /// The next connection of the pass that `skip` does not pass over.
    #[inline]
    fn next_fresh(&mut self, skip: &mut impl FnMut(u32) -> bool) -> Option<u32> {
        while self.left > 0 {
            let i = self.cursor;
            self.cursor = if i + 1 == self.members.len() {
                0
            } else {
                i + 1
            };
            self.left -= 1;
            let c = self.members.get(i);
            if !skip(c) {
                return Some(c);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
