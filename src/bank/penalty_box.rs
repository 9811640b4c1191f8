//! Penalty box: after the bank rejects a call, it rejects everything for a set time.
//!
//! Rule: when any other policy of the bank rejects a call at `t`, every call until
//! `t + duration` is rejected too (e.g. "1 refresh per 2 min, 429 with Retry-After: 118").
//! Calls rejected by the box itself do not extend it. The box knows exactly when it opens,
//! so its rejections carry that time.

use super::Rejection;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PenaltyBox {
    duration: SimDuration,
    blocked_until: SimTime,
}

impl PenaltyBox {
    /// The longest a rejected call is told to wait: the whole box.
    pub fn longest_wait(&self) -> SimDuration {
        self.duration
    }

    pub fn new(duration: SimDuration) -> Self {
        PenaltyBox {
            duration,
            blocked_until: SimTime::ZERO,
        }
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

    /// Another policy of the bank rejected a call at `now`: close the box.
    #[inline]
    pub fn on_breach(&mut self, now: SimTime) {
        self.blocked_until = self.blocked_until.max(now + self.duration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breach_blocks_for_the_duration() {
        let mut p = PenaltyBox::new(SimDuration(120));
        assert!(p.check(SimTime(0)).is_ok());
        p.on_breach(SimTime(10));
        assert_eq!(
            p.check(SimTime(10)).unwrap_err().retry_at,
            Some(SimTime(130))
        );
        assert!(p.check(SimTime(129)).is_err());
        assert!(p.check(SimTime(130)).is_ok());
    }
}
