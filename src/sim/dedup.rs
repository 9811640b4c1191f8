//! The platform's deduplication, as each vendor does it (`platform::Dedup`): which refresh
//! request is a duplicate, and what its answer is. A request whose earlier task is still
//! pending is a duplicate under every rule (`World::submit` answers it first).

use super::{Event, Outcome, World};
use crate::platform::{Dedup, RESPONSE_TIME};
use crate::time::SimTime;

impl World {
    /// What the client gets back if a request for connection `ci` at `now` is a duplicate:
    /// the earlier refresh's outcome (a success for the rules keyed on the last success).
    pub(super) fn duplicate_of(&self, now: SimTime, ci: usize) -> Option<Outcome> {
        match self.platform.dedup {
            Dedup::LastFetch | Dedup::Skip => self
                .platform
                .is_duplicate(now, self.conns[ci].last_success)
                .then_some(Outcome::Success),
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
    pub(super) fn answer_duplicate(&mut self, now: SimTime, c: u32, earlier: Outcome) {
        match self.platform.dedup {
            Dedup::LastFetch => self.answer_now(now, c, Outcome::Deduplicated),
            Dedup::Skip => {
                self.count_deduplicated(now, c);
                let event = Event::Learned {
                    conn: c,
                    outcome: Outcome::Deduplicated,
                };
                self.queue.schedule(now + RESPONSE_TIME, event);
            }
            Dedup::SameRequest => {
                self.count_deduplicated(now, c);
                let learned = self.platform.learn(now, now);
                let b = self.conns[c as usize].bank as usize;
                self.tally[b].api_calls += learned.polls as u64;
                self.daily.at(b, now).api_calls += learned.polls as u64;
                let event = Event::Learned {
                    conn: c,
                    outcome: earlier,
                };
                self.queue.schedule_in_order(learned.at, event);
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
