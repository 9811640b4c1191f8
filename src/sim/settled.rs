//! A run whose client heeds no outcome: no event for what changes nothing.
//!
//! Bulk and random offset without retries, on-demand requests, pauses on Retry-After or
//! sibling accounts (D•One's), against banks without internal servers, with a period longer
//! than an immediate answer's delay and no `strategy.jitter` (`build::heeds_no_outcome`), only count each outcome off
//! their outstanding refreshes when they learn it. So the run settles each call when the
//! bank admits it (its outcome, the data it refreshes, when the client learns it: all known
//! then) and keeps, instead of an event for each, two kinds of instants, each with its bank:
//!
//! - when each call in progress ends, freeing its bank's concurrency and lowering the
//!   in-flight levels;
//! - when the client learns each outcome, lowering the outstanding counts.
//!
//! They are taken before each submission, the only moment a limit is checked and a level or
//! count rises (so the only moment a peak can move), and at the run's end. The run is the
//! one the events would give: a planned arrival precedes every other event at its instant
//! (it was sequenced first), so a call ending, or an outcome learned, at the arrival's own
//! instant still counts then, as with the event. A bank with internal servers decides when a
//! call ends only once a server takes it, and a `reconnect_required` sets its connection's
//! flag when decided rather than learned, which is the same only when the connection is next
//! due after the answer is learned: hence the conditions. `a_settled_run_equals_the_run_with_events`
//! compares the two.

use super::call::end_call;
use super::World;
use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// What a settled run keeps instead of events: when each call in progress ends (freeing
/// its bank's concurrency, lowering the in-flight levels) and when the client learns each
/// outcome it has yet to learn (lowering the outstanding counts), each with its bank, on one
/// wheel (one pass per submission takes both).
#[derive(Debug, Default)]
pub(super) struct Settled {
    instants: Instants,
}

/// Marks an instant as a call's end (unmarked: an outcome learned); banks are `u16`.
const ENDS: u32 = 1 << 31;

impl Settled {
    /// Bank `bank`'s call ends at `at`.
    #[inline]
    pub(super) fn call_ends(&mut self, at: SimTime, bank: usize) {
        self.instants.push(at, bank as u32 | ENDS, false);
    }

    /// The client learns an outcome of bank `bank` at `at` (`in_order`: see
    /// [`Instants::push`]).
    #[inline]
    pub(super) fn outcome_learned(&mut self, at: SimTime, bank: usize, in_order: bool) {
        self.instants.push(at, bank as u32, in_order);
    }

    /// When the run's last event would have been: the latest outcome learned (a call ends
    /// no later than its outcome is learned, so the latest instant of either).
    pub(super) fn last_event(&self) -> SimTime {
        self.instants.latest()
    }
}

impl World {
    /// A settled run's calls that ended, and outcomes learned, before `now`: their banks'
    /// concurrency freed, in-flight levels lowered and outstanding counts counted off (in
    /// any order: none of it depends on the order, see [`Instants`]).
    #[inline(always)]
    pub(super) fn settle_before(&mut self, now: SimTime) {
        if self.settled.is_some() {
            self.settle(now);
        }
    }

    fn settle(&mut self, now: SimTime) {
        let Some(settled) = &mut self.settled else {
            return;
        };
        let (banks, state) = (&mut self.banks, &mut self.state);
        let (in_flight, outstanding) = (&mut self.in_flight_all, &mut self.outstanding_all);
        settled.instants.take_before(now, |_, marked| {
            let b = (marked & !ENDS) as usize;
            if marked & ENDS != 0 {
                // A settled run's banks have no internal servers: no call waits for this one.
                end_call(&mut banks[b], &mut state[b], in_flight);
            } else {
                state[b].outstanding -= 1;
                *outstanding -= 1;
            }
        });
    }
}

/// Width of a wheel slot: 2^17 µs, about 131 ms.
const SLOT_BITS: u32 = 17;
/// Slots on the wheel: 2,048, about 4.5 minutes ahead of the cursor.
const SLOTS: u64 = 2048;

/// Future instants, each with a bank, taken once passed, in no particular order.
///
/// What a settled run does with a passed instant (free a bank's concurrency, lower a level
/// or a count) does not depend on the order, only on which instants are before the next
/// submission; so a timing wheel keeps them instead of a heap: slots of `2^SLOT_BITS` µs,
/// each unordered, the slot under the cursor scanned for what is before the submission,
/// and instants beyond the wheel in a heap (a few long calls). Instants that come in time
/// order (an outcome learned a constant delay after its submission: every 429) skip the
/// wheel for a FIFO, whose front alone need be looked at.
#[derive(Debug)]
pub(super) struct Instants {
    /// Instants pushed in time order.
    in_order: VecDeque<(SimTime, u32)>,
    /// Slot `k % SLOTS` holds the instants `t` with `t >> SLOT_BITS == k`, for `k` from
    /// `cursor` to `cursor + SLOTS - 1`.
    wheel: Vec<Vec<(SimTime, u32)>>,
    /// The slot of the last `until`: every instant in an earlier slot has been taken.
    cursor: u64,
    /// Instants on the wheel.
    on_wheel: usize,
    /// The earliest instant in the cursor's slot (`NEVER` when empty): the slot is looked
    /// through only when a submission comes after it.
    earliest: SimTime,
    /// Instants beyond the wheel when pushed.
    far: BinaryHeap<Reverse<(SimTime, u32)>>,
    /// The latest instant pushed (see [`Settled::last_event`]).
    latest: SimTime,
}

impl Default for Instants {
    fn default() -> Self {
        Instants {
            in_order: VecDeque::new(),
            wheel: vec![Vec::new(); SLOTS as usize],
            cursor: 0,
            on_wheel: 0,
            earliest: SimTime::NEVER,
            far: BinaryHeap::new(),
            latest: SimTime::ZERO,
        }
    }
}

impl Instants {
    /// An instant `at` at bank `bank`, no earlier than the last `until` taken (`in_order`:
    /// a constant delay after now, so usually no earlier than the last such one).
    #[inline]
    pub(super) fn push(&mut self, at: SimTime, bank: u32, in_order: bool) {
        self.latest = self.latest.max(at);
        if in_order && self.in_order.back().is_none_or(|last| last.0 <= at) {
            self.in_order.push_back((at, bank));
            return;
        }
        let slot = at.as_micros() >> SLOT_BITS;
        debug_assert!(slot >= self.cursor, "an instant before one already taken");
        if slot < self.cursor + SLOTS {
            if slot == self.cursor {
                self.earliest = self.earliest.min(at);
            }
            self.wheel[(slot % SLOTS) as usize].push((at, bank));
            self.on_wheel += 1;
        } else {
            self.far.push(Reverse((at, bank)));
        }
    }

    /// Takes every instant before `until`, calling `taken` with each and its bank. `until`
    /// never decreases from one call to the next.
    #[inline]
    pub(super) fn take_before(&mut self, until: SimTime, mut taken: impl FnMut(SimTime, u32)) {
        while let Some(&(at, bank)) = self.in_order.front() {
            if at >= until {
                break;
            }
            self.in_order.pop_front();
            taken(at, bank);
        }
        let last = until.as_micros() >> SLOT_BITS;
        if self.cursor < last {
            while self.cursor < last && self.on_wheel > 0 {
                let slot = &mut self.wheel[(self.cursor % SLOTS) as usize];
                self.on_wheel -= slot.len();
                slot.drain(..).for_each(|(at, bank)| taken(at, bank));
                self.cursor += 1;
            }
            self.cursor = last;
            let slot = &self.wheel[(last % SLOTS) as usize];
            self.earliest = slot.iter().map(|p| p.0).min().unwrap_or(SimTime::NEVER);
        }
        if until > self.earliest {
            let slot = &mut self.wheel[(self.cursor % SLOTS) as usize];
            let before = slot.len();
            let mut earliest = SimTime::NEVER;
            slot.retain(|&(at, bank)| {
                let passed = at < until;
                if passed {
                    taken(at, bank);
                } else {
                    earliest = earliest.min(at);
                }
                !passed
            });
            self.on_wheel -= before - slot.len();
            self.earliest = earliest;
        }
        while let Some(&Reverse((at, bank))) = self.far.peek() {
            if at >= until {
                break;
            }
            self.far.pop();
            taken(at, bank);
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
    fn takes_exactly_the_instants_before_until() {
        let mut u = Instants::default();
        for (at, b) in [(10, 0), (30, 1), (20, 2), (30, 3), (5, 4), (40, 5), (35, 6)] {
            u.push(SimTime(at), b, b % 2 == 0);
        }
        let off = |u: &mut Instants, until| {
            let mut v: Vec<(SimTime, u32)> = Vec::new();
            u.take_before(SimTime(until), |at, bank| v.push((at, bank)));
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

    /// Against a plain list: random instants, near (same slot), on the wheel and beyond it,
    /// taken at increasing instants (some repeated), then all at once.
    #[test]
    fn the_wheel_takes_what_a_list_would() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(5);
        let mut wheel = Instants::default();
        let mut list: Vec<(SimTime, u32)> = Vec::new();
        let mut now = 0u64;
        for step in 0..20_000u32 {
            for _ in 0..rng.random_range(0..4) {
                let ahead = match rng.random_range(0..4) {
                    0 => rng.random_range(0..1_000),
                    1 => rng.random_range(0..1u64 << SLOT_BITS),
                    2 => rng.random_range(0..SLOTS << SLOT_BITS),
                    _ => rng.random_range(0..100 * (SLOTS << SLOT_BITS)),
                };
                let p = (SimTime(now + ahead), step);
                wheel.push(p.0, p.1, rng.random_range(0..2) == 0);
                list.push(p);
            }
            if rng.random_range(0..3) > 0 {
                now += rng.random_range(0..3u64 << SLOT_BITS);
            }
            let until = if step == 19_999 {
                SimTime::NEVER
            } else {
                SimTime(now)
            };
            let mut got: Vec<(SimTime, u32)> = Vec::new();
            wheel.take_before(until, |at, bank| got.push((at, bank)));
            let mut want: Vec<(SimTime, u32)> =
                list.iter().copied().filter(|p| p.0 < until).collect();
            list.retain(|p| p.0 >= until);
            got.sort();
            want.sort();
            assert_eq!(got, want, "step {step}");
        }
        assert!(list.is_empty());
        assert_eq!(wheel.on_wheel + wheel.in_order.len() + wheel.far.len(), 0);
    }

    /// Runs that take the settled path, each a set of overrides on uk-mix.
    const SETTLED_CASES: &[&[&str]] = &[
        &["strategy.kind=random_offset"],
        &["strategy.kind=bulk", "population.consent_expiry_share=0.2"],
        &[
            "strategy.kind=random_offset",
            "population.consent_expiry_share=0.3",
            "population.reconnect_share=0.9",
            "population.reconnect_mean_days=0.2",
        ],
        &[
            "strategy.kind=bulk",
            "platform.dedup=same_request",
            "population.consent_expiry_share=0.3",
            "population.reconnect_share=1",
            "population.reconnect_mean_days=0.05",
        ],
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
            "strategy.period=48h",
            "window.length=6d",
            "window.warmup=2d",
            "banks.neobank.error_rate=0.2",
            "population.consent_expiry_share=0.2",
            "population.reconnect_share=1",
            "population.reconnect_mean_days=0.3",
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

    /// A settled run is the run with a `BankDone` and a `Learned` event per call: every
    /// count, peak, series, day and attempt-log row, on cases that reach each path (reconnects
    /// and reconnections, each dedup rule, callbacks, periods just over the first answer,
    /// calls longer than the period, limits of every kind, `hours`, a service time so long it
    /// saturates).
    #[test]
    fn a_settled_run_equals_the_run_with_events() {
        use crate::sim::Simulation;
        let text = include_str!("../../scenarios/uk-mix.toml");
        for sets in SETTLED_CASES {
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

    /// A jitter's late submissions keep their events (`build::heeds_no_outcome` says why).
    #[test]
    fn a_jittered_client_keeps_its_events() {
        let text = include_str!("../../scenarios/uk-mix.toml");
        let settled = |jitter: &str| {
            let sets = [
                "strategy.kind=random_offset".to_string(),
                format!("strategy.jitter={jitter}"),
                "population.connections=100".to_string(),
            ];
            let sc = crate::scenario::parse(text, "uk-mix", "uk-mix", &sets).expect("parses");
            crate::sim::Simulation::new(&sc, 7).0.settled.is_some()
        };
        // The same client without a jitter settles.
        assert!(settled("\"0s\"") && !settled("\"5m\""));
    }
}
