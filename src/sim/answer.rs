//! Outcomes decided without a bank call (a 429, a duplicate, a lapsed consent) and how
//! every outcome reaches the client: a `Learned` event, or, in a settled run, an instant
//! counted off. Kept apart from the run loop in `sim.rs`; both are `impl World`.

use super::{Event, Outcome, World, RECONNECT};
use crate::bank::Refusal;
use crate::time::SimTime;

impl World {
    /// The bank answered 429: its Retry-After is kept for the retry policy and, when it
    /// holds for every call, for a client that pauses the bank.
    pub(super) fn refused(&mut self, now: SimTime, c: u32, refusal: Refusal, present: bool) {
        let ci = c as usize;
        if let Some(at) = self.retry_after.get_mut(ci) {
            *at = refusal.retry_at.unwrap_or(SimTime::NEVER);
        }
        if let Some(at) = self.pause_at.get_mut(ci) {
            *at = refusal
                .retry_at
                .filter(|_| refusal.bank_wide)
                .unwrap_or(SimTime::NEVER);
        }
        let b = self.conns[ci].bank as usize;
        let minute = self.series.at(b, now);
        minute.rate_limited += 1;
        if refusal.outage {
            minute.outage_rejected += 1;
            self.tally[b].outage_rejected += 1;
            self.daily.at(b, now).outage_rejected += 1;
        } else {
            self.tally[b].present_rate_limited += present as u64;
        }
        let mut by = refusal.by;
        while by != 0 {
            let i = by.trailing_zeros() as usize;
            if let Some(n) = self.tally[b].refused_by.get_mut(i) {
                *n += 1;
            }
            by &= by - 1;
        }
        self.log_refused(now, &refusal);
        self.answer_now(now, c, Outcome::RateLimited, present);
    }

    /// An outcome decided at submission (no bank call in progress).
    pub(super) fn answer_now(&mut self, now: SimTime, c: u32, outcome: Outcome, present: bool) {
        if outcome != Outcome::Deduplicated {
            // A request that reached the platform's decision: Mastercard's rule remembers it.
            self.note_triggered(now, c as usize);
            self.note_decided(c as usize, outcome);
        }
        let b = self.conns[c as usize].bank as usize;
        let t = &mut self.tally[b];
        let day = self.daily.at(b, now);
        match outcome {
            Outcome::Deduplicated => {
                t.deduplicated += 1;
                day.deduplicated += 1;
            }
            Outcome::ReconnectRequired => {
                t.reconnect_required += 1;
                day.reconnect_required += 1;
            }
            Outcome::RateLimited => {
                t.rate_limited += 1;
                day.rate_limited += 1;
            }
            Outcome::Success | Outcome::Error => unreachable!("decided by the bank"),
        }
        let learned = self.platform.learn(now, now);
        t.api_calls += learned.polls as u64;
        day.api_calls += learned.polls as u64;
        // A constant delay after now (the first poll, or the callback): in time order.
        self.learn_at(learned.at, c, outcome, true, present);
        self.log_answered(learned.at, outcome);
    }

    /// The client learns connection `c`'s `outcome` at `at` (`in_order`: a constant delay
    /// after now, so the event can take the queue's FIFO). A client that heeds no outcome
    /// only counts it off: a settled run keeps the instant alone.
    #[inline(always)]
    pub(super) fn learn_at(
        &mut self,
        at: SimTime,
        c: u32,
        outcome: Outcome,
        in_order: bool,
        present: bool,
    ) {
        let Some(settled) = &mut self.settled else {
            let event = Event::Learned {
                conn: c,
                outcome,
                present,
            };
            match in_order {
                true => self.queue.schedule_in_order(at, event),
                false => self.queue.schedule(at, event),
            }
            return;
        };
        let ci = c as usize;
        let b = self.conns[ci].bank;
        // The model's event all the same: `events` counts what happens, not queue entries.
        self.tally[b as usize].events += 1;
        if outcome == Outcome::ReconnectRequired {
            // As `learned` does; the connection is next due a period later, after `at`
            // (`build::heeds_no_outcome`).
            self.conns[ci].flags = RECONNECT;
        }
        settled.outcome_learned(at, b as usize, in_order);
    }
}
