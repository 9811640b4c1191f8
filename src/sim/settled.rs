//! A run whose client heeds no outcome: no event for what changes nothing.
//!
//! Bulk and random offset without retries, on-demand requests, pauses on Retry-After or
//! sibling accounts (D•One's), against banks without internal servers, with a period longer
//! than an immediate answer's delay (`build::heeds_no_outcome`), only count each outcome off
//! their outstanding refreshes when they learn it. So the run settles each call when the
//! bank admits it (its outcome, the data it refreshes, when the client learns it: all known
//! then) and keeps two sets of instants, each with its bank, instead of an event for each:
//!
//! - `ending`: when each call in progress ends, freeing its bank's concurrency and lowering
//!   the in-flight levels;
//! - `unheard`: when the client learns each outcome, lowering the outstanding counts.
//!
//! Both are taken before each submission, the only moment a limit is checked and a level or
//! count rises (so the only moment a peak can move), and at the run's end. The run is the
//! one the events would give: a planned arrival precedes every other event at its instant
//! (it was sequenced first), so a call ending, or an outcome learned, at the arrival's own
//! instant still counts then, as with the event. A bank with internal servers decides when a
//! call ends only once a server takes it, and a `reconnect_required` sets its connection's
//! flag when decided rather than learned, which is the same only when the connection is next
//! due after the answer is learned: hence the conditions. `a_settled_run_equals_the_run_with_events`
//! compares the two.

use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// What a settled run keeps instead of events.
#[derive(Debug, Default)]
pub(super) struct Settled {
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

    /// A settled run is the run with a `BankDone` and a `Learned` event per call: every
    /// count, peak, series, day and attempt-log row, on cases that reach each path (reconnects,
    /// each dedup rule, callbacks, periods just over the first answer, calls longer than the
    /// period, limits of every kind, `hours`, a service time so long it saturates).
    #[test]
    fn a_settled_run_equals_the_run_with_events() {
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
            &[
                "strategy.kind=bulk",
                "strategy.period=10s",
                "platform.first_poll=2s",
                r#"banks.challenger.service_time={dist="constant",value="10s"}"#,
                r#"banks.neobank.service_time={dist="constant",value="25s"}"#,
                "window.length=5m",
                "window.warmup=1m",
            ],
            &[
                "strategy.kind=random_offset",
                "platform.dedup=same_request",
                "strategy.period=1m",
                "banks.challenger.error_rate=0.5",
                "population.consent_expiry_share=0.5",
                "window.length=30m",
                "window.warmup=0s",
            ],
            &[
                "strategy.kind=random_offset",
                "strategy.period=1h",
                "window.length=2d",
                "window.warmup=5h",
                "window.start=07:30",
                r#"banks.challenger.limits=[{kind="quota",k=2},{kind="concurrency",max_in_flight=3}]"#,
                r#"banks.neobank.limits=[{kind="token_bucket",rate=1.0,burst=2},{kind="penalty_box",duration="2m"}]"#,
                r#"banks.building-society.limits=[{kind="maintenance",start="01:00",end="03:00",slowdown=3.0},{kind="fixed_window",limit=50,window="1h"}]"#,
            ],
            &[
                "strategy.kind=random_offset",
                r#"strategy.hours=["01:00","06:00"]"#,
                "window.start=02:00",
                "window.length=3d",
                "window.warmup=1d",
            ],
            &[
                "strategy.kind=bulk",
                "strategy.period=1h",
                "window.length=1d",
                "window.warmup=0s",
                "banks.neobank.limits=[]",
                r#"banks.neobank.service_time={dist="lognormal",median="5s",sigma=10}"#,
                "platform.status=callback",
            ],
        ];
        for sets in cases {
            let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            sets.push("population.connections=20000".into());
            let sc = crate::scenario::parse(text, "uk-mix", "uk-mix", &sets).expect("parses");
            let settled = Simulation::new(&sc, 7).with_attempt_log();
            assert!(settled.0.settled.is_some(), "{sets:?} is settled");
            let mut eventful = Simulation::new(&sc, 7).with_attempt_log();
            eventful.0.settled = None;
            let (a, log_a) = settled.run_logged();
            let (b, log_b) = eventful.run_logged();
            assert_eq!(a, b, "{sets:?}");
            assert_eq!(log_a.rows, log_b.rows, "{sets:?}: attempt logs");
        }
    }
}
