//! A passive client's run: no event for what it does not react to.
//!
//! A client that reacts to no outcome (bulk or random offset without retries, on-demand
//! requests, pauses or sibling accounts) only counts each outcome off its outstanding
//! refreshes when it learns it. So the run settles each admitted call when the bank admits
//! it (its outcome, the data it refreshes, when the client learns it: all known then) and
//! keeps only two kinds of instants, each with its bank, instead of queuing an event for each:
//!
//! - `ending`: when each call in progress ends, freeing its bank's concurrency and lowering
//!   the in-flight levels;
//! - `unheard`: when the client learns each outcome, lowering the outstanding counts.
//!
//! Both are counted off before a submission, the only moment a limit is checked and a level
//! or count rises (so the only moment their peaks can move). The run is the run the events
//! would give: a planned arrival precedes every other event at its instant (it was
//! sequenced first), so a call ending, or an outcome learned, at the arrival's own instant
//! still counts then, as with the event. `a_passive_run_equals_the_run_with_events` checks it.

use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// What a passive run keeps instead of events.
#[derive(Debug, Default)]
pub(super) struct Passive {
    /// When each call in progress ends.
    pub(super) ending: Instants,
    /// When the client learns each outcome it has yet to learn.
    pub(super) unheard: Instants,
}

/// Future instants, each with a bank, taken in time order once passed.
#[derive(Debug, Default)]
pub(super) struct Instants {
    /// Instants pushed in time order (an answer a constant delay after its submission).
    in_order: VecDeque<(SimTime, u32)>,
    /// The others (a call's end; an outcome learned at the poll after it).
    heap: BinaryHeap<Reverse<(SimTime, u32)>>,
    /// The latest instant pushed: for `unheard`, when the run's last event would have been.
    latest: SimTime,
}

impl Instants {
    /// An instant `at` at bank `bank`; `in_order`: a constant delay after now, so usually
    /// no earlier than the last such one (a FIFO keeps those).
    #[inline]
    pub(super) fn push(&mut self, at: SimTime, bank: u32, in_order: bool) {
        self.latest = self.latest.max(at);
        match self.in_order.back() {
            Some(&(last, _)) if in_order && last <= at => self.in_order.push_back((at, bank)),
            None if in_order => self.in_order.push_back((at, bank)),
            _ => self.heap.push(Reverse((at, bank))),
        }
    }

    /// The earliest instant, with its bank, removed if it is before `until`.
    #[inline]
    pub(super) fn pop_before(&mut self, until: SimTime) -> Option<(SimTime, u32)> {
        let front = self.in_order.front().map_or(SimTime::NEVER, |f| f.0);
        let top = self.heap.peek().map_or(SimTime::NEVER, |r| r.0 .0);
        if front <= top && front < until {
            self.in_order.pop_front()
        } else if top < until {
            self.heap.pop().map(|r| r.0)
        } else {
            None
        }
    }

    /// The latest instant pushed (`SimTime::ZERO` if none was).
    pub(super) fn latest(&self) -> SimTime {
        self.latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_exactly_the_instants_before_until_in_time_order() {
        let mut u = Instants::default();
        for (at, b) in [(10, 0), (30, 1), (20, 2), (30, 3), (5, 4), (40, 5), (35, 6)] {
            u.push(SimTime(at), b, b % 2 == 0);
        }
        let off = |u: &mut Instants, until| {
            let v: Vec<(SimTime, u32)> =
                std::iter::from_fn(|| u.pop_before(SimTime(until))).collect();
            assert!(v.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
            let mut banks: Vec<u32> = v.iter().map(|p| p.1).collect();
            banks.sort();
            banks
        };
        assert_eq!(off(&mut u, 10), vec![4]);
        assert_eq!(off(&mut u, 30), vec![0, 2]);
        assert_eq!(off(&mut u, 31), vec![1, 3]);
        assert_eq!(off(&mut u, SimTime::NEVER.0), vec![5, 6]);
        assert_eq!(u.latest(), SimTime(40));
    }

    /// A passive client's run is the run it would be with a `BankDone` and a `Learned` event:
    /// every count, peak, series and day, on the cases that reach each path (reconnects,
    /// each dedup rule, callbacks, a period just over the first poll, bulk).
    #[test]
    fn a_passive_run_equals_the_run_with_events() {
        use crate::sim::Simulation;
        let text = include_str!("../../scenarios/uk-mix.toml");
        let cases: &[&[&str]] = &[
            &["strategy.kind=random_offset"],
            &["strategy.kind=bulk", "population.consent_expiry_share=0.2"],
            &["strategy.kind=random_offset", "platform.dedup=skip"],
            &["strategy.kind=random_offset", "platform.dedup=same_request"],
            &["strategy.kind=bulk", "platform.status=callback"],
            &[
                "strategy.kind=random_offset",
                "strategy.period=11s",
                "window.length=30m",
                "window.warmup=0s",
                "population.consent_expiry_share=0.9",
            ],
        ];
        for sets in cases {
            let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            sets.push("population.connections=20000".into());
            let sc = crate::scenario::parse(text, "uk-mix", "uk-mix", &sets).expect("parses");
            let passive = Simulation::new(&sc, 7);
            assert!(passive.0.passive.is_some(), "{sets:?} is passive");
            let mut eventful = Simulation::new(&sc, 7);
            eventful.0.passive = None;
            assert_eq!(passive.run(), eventful.run(), "{sets:?}");
        }
    }
}
