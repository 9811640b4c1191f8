//! Adaptive concurrency: additive increase, multiplicative decrease of one bank's slots.
//!
//! The rule, as Netflix's concurrency-limits `AIMDLimit` and Vector's adaptive request
//! concurrency apply it to a service that pushes back (docs/sources.md):
//! - on a success, when the pool is using at least half its limit (`busy · 2 ≥ limit`,
//!   Netflix's guard, so that a limit nobody uses does not grow), the limit grows by
//!   `1 / limit`: one slot per round of `limit` successes, the additive increase of one per
//!   round trip that Vector and TCP congestion avoidance use (Netflix grows by one per
//!   success, which at 10 s polling doubles a limit within one poll);
//! - on a 429 (and, with `on_error`, a 5xx) the limit is multiplied by `decrease` (0.9 in both
//!   libraries), at most once per `gap`: every outcome a poll reveals was decided a round
//!   trip ago, so the rejections learned together are one signal, not many (Vector decreases
//!   at most once per round trip for the same reason). `gap` is the platform's poll interval
//!   (or the callback delay);
//! - the limit stays within `[min, max]`; the pool's slots are its integer part.
//!
//! It reacts to rejections, not to latency: a latency-based limiter (Vegas, Gradient2) cannot
//! see a bank's queueing when the client learns outcomes only at 10 s polls.
//!
//! Isolated from state and clock, as a policy: it is told the time and the outcome.

use crate::time::{SimDuration, SimTime};

/// The rule's parameters (validated: `1 ≤ min ≤ initial ≤ max`, `0 < decrease < 1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AimdRule {
    pub initial: u32,
    pub min: u32,
    pub max: u32,
    pub decrease: f64,
    /// Whether a 5xx also counts as push-back (a 429 always does).
    pub on_error: bool,
    /// At most one decrease per `gap`: the platform's poll interval, or its callback delay
    /// (set from the scenario's platform).
    pub gap: SimDuration,
}

impl AimdRule {
    /// Defaults: start at 4 slots, between 1 and 256, × 0.9 on push-back (Netflix's and
    /// Vector's ratio), 5xx not counted (a bank's errors are not a sign of overload here).
    pub const DEFAULT: AimdRule = AimdRule {
        initial: 4,
        min: 1,
        max: 256,
        decrease: 0.9,
        on_error: false,
        gap: SimDuration::from_secs(10),
    };
}

/// One pool's adaptive limit, and its time-average.
#[derive(Clone, Debug)]
pub struct Aimd {
    rule: AimdRule,
    limit: f64,
    last_decrease: Option<SimTime>,
    /// ∫ slots dt since `since`, in slot-microseconds.
    area: u128,
    since: SimTime,
}

impl Aimd {
    pub fn new(rule: AimdRule, start: SimTime) -> Aimd {
        Aimd {
            rule,
            limit: rule.initial as f64,
            last_decrease: None,
            area: 0,
            since: start,
        }
    }

    /// The pool's slots now.
    #[inline]
    pub fn slots(&self) -> u32 {
        self.limit as u32
    }

    /// A success learned at `now` while `busy` of the pool's slots were taken.
    #[inline]
    pub fn on_success(&mut self, now: SimTime, busy: u32) {
        if busy as f64 * 2.0 >= self.limit {
            let grown = (self.limit + 1.0 / self.limit).min(self.rule.max as f64);
            self.set(now, grown);
        }
    }

    /// A push-back (429, or 5xx with `on_error`) learned at `now`.
    #[inline]
    pub fn on_push_back(&mut self, now: SimTime) {
        if self.last_decrease.is_some_and(|t| now < t + self.rule.gap) {
            return;
        }
        self.last_decrease = Some(now);
        let shrunk = (self.limit * self.rule.decrease).max(self.rule.min as f64);
        self.set(now, shrunk);
    }

    /// Whether a 5xx counts as push-back.
    #[inline]
    pub fn counts_errors(&self) -> bool {
        self.rule.on_error
    }

    fn set(&mut self, now: SimTime, limit: f64) {
        self.accumulate(now);
        self.limit = limit;
    }

    fn accumulate(&mut self, now: SimTime) {
        if now > self.since {
            self.area += self.slots() as u128 * (now.as_micros() - self.since.as_micros()) as u128;
            self.since = now;
        }
    }

    /// The time-average of the slots from the start to `end`.
    pub fn mean_slots(&mut self, start: SimTime, end: SimTime) -> f64 {
        self.accumulate(end);
        let span = end.as_micros().saturating_sub(start.as_micros()).max(1);
        self.area as f64 / span as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn grows_one_slot_per_round_of_successes_while_used() {
        let mut a = Aimd::new(AimdRule::DEFAULT, at(0));
        for _ in 0..4 {
            a.on_success(at(1), 4);
        }
        assert_eq!(a.slots(), 4, "4 + 4 × ≈1/4 is just under 5");
        a.on_success(at(1), 4);
        assert_eq!(a.slots(), 5);
        // An idle pool (1 of 5 slots busy) does not grow.
        let before = a.limit;
        a.on_success(at(2), 1);
        assert_eq!(a.limit, before);
    }

    #[test]
    fn shrinks_once_per_gap_and_stays_within_bounds() {
        let rule = AimdRule {
            initial: 20,
            min: 2,
            max: 21,
            ..AimdRule::DEFAULT
        };
        let mut a = Aimd::new(rule, at(0));
        for _ in 0..5 {
            a.on_push_back(at(3));
        }
        assert_eq!(a.slots(), 18, "one decrease for one poll's rejections");
        a.on_push_back(at(13));
        assert_eq!(a.slots(), 16);
        for s in 0..100 {
            a.on_push_back(at(100 + 10 * s));
        }
        assert_eq!(a.slots(), 2);
        for _ in 0..10_000 {
            a.on_success(at(2000), 100);
        }
        assert_eq!(a.slots(), 21);
    }

    #[test]
    fn mean_slots_weighs_each_limit_by_its_time() {
        let rule = AimdRule {
            initial: 10,
            ..AimdRule::DEFAULT
        };
        let mut a = Aimd::new(rule, at(0));
        a.on_push_back(at(30)); // 10 slots for 30 s, then 9
        assert!((a.mean_slots(at(0), at(60)) - 9.5).abs() < 1e-12);
    }
}
