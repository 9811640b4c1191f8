//! The platform's deduplication, as each vendor does it (`platform::Dedup`): which refresh
//! request is a duplicate, and what its answer is. A request whose earlier task is still
//! pending is a duplicate under every rule (`World::submit` answers it first).

use super::{Outcome, World, RECONNECT, SIBLING};
use crate::platform::{Dedup, RESPONSE_TIME};
use crate::time::SimTime;

impl World {
    /// What the client gets back if a request for connection `ci` at `now` is a duplicate:
    /// the earlier refresh's outcome (a success for the rules keyed on the last success).
    pub(super) fn duplicate_of(&self, now: SimTime, ci: usize) -> Option<Outcome> {
        match self.platform.dedup {
            Dedup::LastFetch => self
                .platform
                .is_duplicate(now, self.conns[ci].last_success)
                .then_some(Outcome::Success),
            // D•One: skipped only if every eligible account of the customer is fresh.
            Dedup::Skip => {
                let mut eligible = self
                    .siblings(ci)
                    .filter(|&s| self.eligible(now, s))
                    .peekable();
                eligible.peek()?;
                let fresh = |s: usize| self.platform.is_duplicate(now, self.conns[s].last_success);
                eligible.all(fresh).then_some(Outcome::Success)
            }
            Dedup::SameRequest => {
                let at = *self.last_request.get(ci)?;
                self.platform
                    .is_duplicate(now, at)
                    .then(|| self.last_outcome[ci])
            }
        }
    }

    /// Answers a duplicate: counted `deduplicated` (no bank call); the client learns it by
    /// polling the earlier task (Bud), in the response itself (D•One's SKIPPED), or as the
    /// earlier refresh's outcome, whatever it was (Mastercard).
    pub(super) fn answer_duplicate(
        &mut self,
        now: SimTime,
        c: u32,
        earlier: Outcome,
        present: bool,
    ) {
        match self.platform.dedup {
            Dedup::LastFetch => self.answer_now(now, c, Outcome::Deduplicated, present),
            Dedup::Skip => {
                self.count_deduplicated(now, c);
                self.learn_at(
                    now + RESPONSE_TIME,
                    c,
                    Outcome::Deduplicated,
                    false,
                    present,
                );
                self.log_answered(now + RESPONSE_TIME, Outcome::Deduplicated);
            }
            Dedup::SameRequest => {
                self.count_deduplicated(now, c);
                // A customer's request gets the earlier refresh's outcome: data, or a failure
                // they meet as if the bank had refused it (no bank call: `deduplicated`).
                if matches!(
                    earlier,
                    Outcome::Success | Outcome::RateLimited | Outcome::Error
                ) {
                    self.count_customer_attempt(c as usize, present);
                }
                let learned = self.platform.learn(now, now);
                let b = self.conns[c as usize].bank as usize;
                self.tally[b].api_calls += learned.polls as u64;
                self.daily.at(b, now).api_calls += learned.polls as u64;
                self.learn_at(learned.at, c, earlier, true, present);
                self.log_answered(learned.at, Outcome::Deduplicated);
            }
        }
    }

    fn count_deduplicated(&mut self, now: SimTime, c: u32) {
        let b = self.conns[c as usize].bank as usize;
        self.tally[b].deduplicated += 1;
        self.daily.at(b, now).deduplicated += 1;
    }

    /// Mastercard's rule remembers each refresh a request triggered: when, and (once
    /// decided) how it ended.
    #[inline]
    pub(super) fn note_triggered(&mut self, now: SimTime, ci: usize) {
        if let Some(at) = self.last_request.get_mut(ci) {
            *at = now;
        }
    }

    #[inline]
    pub(super) fn note_decided(&mut self, ci: usize, outcome: Outcome) {
        if let Some(o) = self.last_outcome.get_mut(ci) {
            *o = outcome;
        }
    }
}

impl World {
    /// The connections of connection `ci`'s customer (itself alone with one per customer).
    fn siblings(&self, ci: usize) -> std::ops::Range<usize> {
        let k = self.per_customer.max(1) as usize;
        let first = ci / k * k;
        first..(first + k).min(self.conns.len())
    }

    /// An account D•One would refresh: consent valid, no reconnect pending.
    fn eligible(&self, now: SimTime, s: usize) -> bool {
        self.conns[s].consent_expires > now && self.conns[s].flags & RECONNECT == 0
    }

    /// D•One's "all eligible accounts are TRIGGERED": the platform calls the bank for each
    /// other eligible account of connection `c`'s customer that has no call in progress.
    /// The client did not ask for them, so they are not attempts: a rejection is only the
    /// bank's, a success refreshes the account's data (`triggered` counts the calls).
    /// `present`: the request that triggers them is a customer's (so are the refreshes).
    pub(super) fn trigger_siblings(&mut self, now: SimTime, c: u32, present: bool) {
        let ci = c as usize;
        // `pending_since` is a submission instant here: a run with siblings is never settled.
        for s in self.siblings(ci).filter(|&s| s != ci) {
            if !self.eligible(now, s) || self.conns[s].pending_since != SimTime::NEVER {
                continue;
            }
            let b = self.conns[s].bank as usize;
            self.tally[b].triggered += 1;
            let local = self.local_of.get(s).copied().unwrap_or(0);
            if self.banks[b].try_admit(now, local, false).is_ok() {
                let attempt = self.conns[s].attempts;
                self.conns[s].attempts += 1;
                self.conns[s].flags |= SIBLING;
                // Admitted as unattended; `present` only says whose request caused it.
                self.start_call(now, s as u32, attempt, present);
            }
        }
    }

    /// A triggered sibling call ends: its data is refreshed if it succeeded in the window;
    /// no one learns it (the client polls only for the accounts it asked about).
    /// `present`: a customer's request triggered it, so it is no refresh of the background's.
    /// The client's pass skipped the account while the call was under way, so it is due
    /// again as after a customer's call (a looping queue takes it back into its loop).
    pub(super) fn sibling_done(&mut self, now: SimTime, c: u32, failed: bool, present: bool) {
        let ci = c as usize;
        self.conns[ci].flags &= !SIBLING;
        self.conns[ci].pending_since = SimTime::NEVER;
        if !failed && now < self.window_end {
            self.refreshed(now, ci, !present);
        }
        if self.due_again(c) {
            self.fill_slots(now);
        }
    }
}
