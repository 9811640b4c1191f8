//! Penalty box: after the bank rejects calls, it rejects everything for a set time.
//!
//! Rule: when any other policy of the bank rejects a call at `t` (a breach), every call until
//! `t + duration` is rejected too (e.g. "1 refresh per 2 min, 429 with Retry-After: 118").
//! With a threshold, the box closes only at the `after`-th breach within `within` (the `after`
//! most recent breaches spanning less than `within`), as fail2ban bans after `maxretry`
//! failures within `findtime`: "lockout after repeated 429s". The count starts afresh
//! once the box closes. A breach is any other policy's rejection: a rate limit's or cap's
//! 429, a per-connection quota's (on any connection), a maintenance window's 503. Calls
//! rejected by the box itself are no breach and do not extend it, whatever else rejects
//! them. The box knows exactly when it opens, so its rejections carry that time.

use super::Rejection;
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PenaltyBox {
    duration: SimDuration,
    blocked_until: SimTime,
    /// Breaches that close the box, and the span they must fall within.
    after: u32,
    within: SimDuration,
    /// The most recent breaches since the box last closed, at most `after` (allocated once).
    recent: VecDeque<SimTime>,
}

impl PenaltyBox {
    /// The longest a rejected call is told to wait: the whole box.
    pub fn longest_wait(&self) -> SimDuration {
        self.duration
    }

    /// A box that closes at every breach.
    pub fn new(duration: SimDuration) -> Self {
        Self::after(duration, 1, SimDuration::ZERO)
    }

    /// A box that closes at the `after`-th breach within `within` (`after` ≥ 1; with 1,
    /// `within` is not read).
    pub fn after(duration: SimDuration, after: u32, within: SimDuration) -> Self {
        assert!(after >= 1, "a box closes after one breach or more");
        PenaltyBox {
            duration,
            blocked_until: SimTime::ZERO,
            after,
            within,
            recent: VecDeque::with_capacity(after as usize),
        }
    }

    /// Reserves its ring of breaches before a run: a clone (each run's banks are) drops the
    /// spare capacity, and no breach should allocate.
    pub fn prepare(&mut self) {
        self.recent.reserve(self.after as usize);
    }

    /// The breaches that close it and their span, where it waits for more than one.
    pub fn threshold(&self) -> Option<(u32, SimDuration)> {
        (self.after > 1).then_some((self.after, self.within))
    }

    #[inline]
    pub fn check(&self, now: SimTime) -> Result<(), Rejection> {
        if now >= self.blocked_until {
            Ok(())
        } else {
            Err(Rejection {
                retry_at: Some(self.blocked_until),
            })
        }
    }

    /// Another policy of the bank rejected a call at `now`: count the breach, and close the
    /// box where it is the `after`-th within `within`. Returns whether the box closed.
    #[inline]
    pub fn on_breach(&mut self, now: SimTime) -> bool {
        if self.after > 1 {
            if self.recent.len() == self.after as usize {
                self.recent.pop_front();
            }
            self.recent.push_back(now);
            let first = self.recent[0];
            if self.recent.len() < self.after as usize || now.saturating_since(first) >= self.within
            {
                return false;
            }
            self.recent.clear();
        }
        self.blocked_until = self.blocked_until.max(now + self.duration);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breach_blocks_for_the_duration() {
        let mut p = PenaltyBox::new(SimDuration(120));
        assert!(p.check(SimTime(0)).is_ok());
        assert!(p.on_breach(SimTime(10)));
        assert_eq!(
            p.check(SimTime(10)).unwrap_err().retry_at,
            Some(SimTime(130))
        );
        assert!(p.check(SimTime(129)).is_err());
        assert!(p.check(SimTime(130)).is_ok());
        assert_eq!(p.threshold(), None);
    }

    /// Three breaches within 60: the third closes it; breaches further apart do not, and the
    /// count starts afresh after it closes.
    #[test]
    fn a_threshold_closes_at_the_nth_breach_within_its_span() {
        let mut p = PenaltyBox::after(SimDuration(120), 3, SimDuration(60));
        assert_eq!(p.threshold(), Some((3, SimDuration(60))));
        // 0, 30, 60: the third is 60 after the first, not within 60.
        assert!(!p.on_breach(SimTime(0)));
        assert!(!p.on_breach(SimTime(30)));
        assert!(!p.on_breach(SimTime(60)));
        assert!(p.check(SimTime(61)).is_ok());
        // 30, 60, 89: within 60 of each other.
        assert!(p.on_breach(SimTime(89)));
        assert_eq!(
            p.check(SimTime(90)).unwrap_err().retry_at,
            Some(SimTime(209))
        );
        assert!(p.check(SimTime(209)).is_ok());
        // Afresh: two more breaches do not close it again; a third within the span does.
        assert!(!p.on_breach(SimTime(210)));
        assert!(!p.on_breach(SimTime(211)));
        assert!(p.check(SimTime(212)).is_ok());
        assert!(p.on_breach(SimTime(212)));
        assert!(p.check(SimTime(212)).is_err());
    }

    /// The breaches it keeps never grow past the threshold: no allocation per breach, in a
    /// clone prepared for a run as in the original.
    #[test]
    fn it_keeps_at_most_the_threshold_of_breaches() {
        let mut p = PenaltyBox::after(SimDuration(1), 4, SimDuration(10)).clone();
        p.prepare();
        let cap = p.recent.capacity();
        assert!(cap >= 4);
        for t in 0..1_000 {
            p.on_breach(SimTime(t * 100));
            assert!(p.recent.len() <= 4);
        }
        assert_eq!(p.recent.capacity(), cap);
    }

    /// A run's banks are clones prepared for it: the box's ring is reserved there, so that
    /// no breach allocates (a clone drops a ring's spare room).
    #[test]
    fn a_bank_prepared_for_a_run_reserves_its_boxs_ring() {
        let text = "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n\
                    [strategy]\nkind = \"random_offset\"\n[[banks]]\nname = \"b\"\n\
                    share = 1.0\nservice_time = { dist = \"constant\", value = \"1s\" }\n\
                    limits = [{ kind = \"penalty_box\", duration = \"1m\", after = 4, \
                    within = \"10s\" }]\n";
        let sc = crate::scenario::parse(text, "inline", "t", &[]).unwrap();
        let mut bank = sc.banks[0].clone();
        bank.prepare(10);
        let ring = bank.limits.iter().find_map(|l| match l {
            super::super::Limit::PenaltyBox(p) => Some(p.recent.capacity()),
            _ => None,
        });
        assert!(ring.is_some_and(|c| c >= 4), "{ring:?}");
    }
}
