//! Outcomes a passive client has yet to learn.
//!
//! A client that reacts to no outcome (bulk or random offset without retries, on-demand
//! requests or sibling accounts) does nothing when it learns one but count it off its
//! outstanding refreshes. Queuing an event for each would cost a third of such a run for a
//! decrement, so the run keeps only the instants: before a submission raises the
//! outstanding counts (the only moment their peaks can move), the outcomes learned before
//! it are counted off. The counts and peaks are those the events would give: a planned
//! arrival precedes every other event at its instant (it was sequenced first), so an outcome
//! learned at the arrival's own instant is still outstanding then, as with the event.

use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// When each outstanding outcome will be learned, and at which bank.
#[derive(Debug, Default)]
pub(super) struct Unheard {
    /// Outcomes learned a constant delay after their submission arrive in time order.
    in_order: VecDeque<(SimTime, u32)>,
    /// The others (a bank call's outcome, learned at the poll after it ends).
    heap: BinaryHeap<Reverse<(SimTime, u32)>>,
    /// The latest instant an outcome is learned: when the run's last event would have been.
    latest: SimTime,
}

impl Unheard {
    /// An outcome at bank `bank` that the client learns at `at`.
    #[inline]
    pub(super) fn push(&mut self, at: SimTime, bank: u32) {
        self.latest = self.latest.max(at);
        match self.in_order.back() {
            Some(&(last, _)) if last > at => self.heap.push(Reverse((at, bank))),
            _ => self.in_order.push_back((at, bank)),
        }
    }

    /// The bank of an outcome learned strictly before `now`, removed; `None` when all left
    /// are learned at `now` or later. Which of several comes first is unspecified: they
    /// are only counted off.
    #[inline]
    pub(super) fn pop_before(&mut self, now: SimTime) -> Option<u32> {
        if let Some(&(at, bank)) = self.in_order.front() {
            if at < now {
                self.in_order.pop_front();
                return Some(bank);
            }
        }
        match self.heap.peek() {
            Some(&Reverse((at, bank))) if at < now => {
                self.heap.pop();
                Some(bank)
            }
            _ => None,
        }
    }

    /// When the last outcome is learned (`SimTime::ZERO` if none was).
    pub(super) fn latest(&self) -> SimTime {
        self.latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_off_exactly_the_outcomes_learned_before_now() {
        let mut u = Unheard::default();
        for (at, b) in [(10, 0), (30, 1), (20, 2), (30, 3), (5, 4), (40, 5)] {
            u.push(SimTime(at), b);
        }
        let off = |u: &mut Unheard, now| {
            let mut v: Vec<u32> = std::iter::from_fn(|| u.pop_before(SimTime(now))).collect();
            v.sort();
            v
        };
        assert_eq!(off(&mut u, 10), vec![4]);
        assert_eq!(off(&mut u, 30), vec![0, 2]);
        assert_eq!(off(&mut u, 31), vec![1, 3]);
        assert_eq!(off(&mut u, 100), vec![5]);
        assert_eq!(u.latest(), SimTime(40));
    }

    /// A passive client's run is the run it would be with a `Learned` event per outcome:
    /// every count, peak, series and day, on the cases that reach each path (reconnects,
    /// each dedup rule, callbacks, a period just over the first poll, bulk).
    #[test]
    fn a_passive_run_equals_the_run_with_an_event_per_outcome() {
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
            assert!(passive.0.unheard.is_some(), "{sets:?} is passive");
            let mut eventful = Simulation::new(&sc, 7);
            eventful.0.unheard = None;
            assert_eq!(passive.run(), eventful.run(), "{sets:?}");
        }
    }
}
