//! Per-customer quota: at most `k` unattended accesses per connection per 24 hours.
//!
//! This is the PSD2 rule (RTS art. 36(5)): without the customer present, a third party may
//! access an account at most four times a day. Banks count it two ways, both modelled:
//! - `Rolling`: at most `k` admitted calls in any trailing 24 h (a ring of the last `k`
//!   access times per connection; a rejection can retry when the oldest leaves the window);
//! - `CalendarDay`: at most `k` per calendar day, reset at midnight (retry at midnight).
//!
//! State is per connection, indexed by the connection's position within its bank, so memory
//! scales with the bank's share of the population (`k` × 8 bytes per connection, rolling).

use super::Rejection;
use crate::time::{SimDuration, SimTime};

use crate::time::DAY_US;

/// How the quota's period is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaPeriod {
    Rolling,
    CalendarDay,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quota {
    k: u32,
    period: QuotaPeriod,
    /// Rolling: `k` slots per connection (oldest at `head`), `NEVER` = unused slot.
    /// Calendar day: two slots per connection: the day index and the count.
    slots: Vec<SimTime>,
    head: Vec<u32>,
}

impl Quota {
    /// At most `k` (≥ 1) accesses per connection per period.
    pub fn new(k: u32, period: QuotaPeriod) -> Self {
        assert!(k >= 1, "quota needs k >= 1");
        Quota {
            k,
            period,
            slots: Vec::new(),
            head: Vec::new(),
        }
    }

    /// Accesses allowed per connection per period.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// How the period is counted.
    pub fn period(&self) -> QuotaPeriod {
        self.period
    }

    /// Sizes the per-connection state for `connections` connections (indices `0..connections`).
    pub fn prepare(&mut self, connections: u32) {
        let n = connections as usize;
        match self.period {
            QuotaPeriod::Rolling => {
                self.slots = vec![SimTime::NEVER; n * self.k as usize];
                self.head = vec![0; n];
            }
            QuotaPeriod::CalendarDay => {
                self.slots = vec![SimTime::NEVER; n];
                self.head = vec![0; n];
            }
        }
    }

    #[inline]
    pub fn check(&self, now: SimTime, conn: u32) -> Result<(), Rejection> {
        let c = conn as usize;
        match self.period {
            QuotaPeriod::Rolling => {
                let oldest = self.slots[c * self.k as usize + self.head[c] as usize];
                if oldest == SimTime::NEVER || oldest + SimDuration(DAY_US) <= now {
                    Ok(())
                } else {
                    Err(Rejection {
                        retry_at: Some(oldest + SimDuration(DAY_US)),
                    })
                }
            }
            QuotaPeriod::CalendarDay => {
                let day = now.as_micros() / DAY_US;
                let used = if self.slots[c] == SimTime(day) {
                    self.head[c]
                } else {
                    0
                };
                if used < self.k {
                    Ok(())
                } else {
                    Err(Rejection {
                        retry_at: Some(SimTime((day + 1) * DAY_US)),
                    })
                }
            }
        }
    }

    #[inline]
    pub fn admit(&mut self, now: SimTime, conn: u32) {
        let c = conn as usize;
        match self.period {
            QuotaPeriod::Rolling => {
                let h = self.head[c] as usize;
                self.slots[c * self.k as usize + h] = now;
                self.head[c] = ((h + 1) % self.k as usize) as u32;
            }
            QuotaPeriod::CalendarDay => {
                let day = SimTime(now.as_micros() / DAY_US);
                if self.slots[c] != day {
                    self.slots[c] = day;
                    self.head[c] = 0;
                }
                self.head[c] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(q: &mut Quota, t: u64, c: u32) -> bool {
        let ok = q.check(SimTime(t), c).is_ok();
        if ok {
            q.admit(SimTime(t), c);
        }
        ok
    }
    const H: u64 = 3_600_000_000;

    #[test]
    fn rolling_allows_k_per_24h_per_connection() {
        let mut q = Quota::new(4, QuotaPeriod::Rolling);
        q.prepare(2);
        for i in 0..4 {
            assert!(offer(&mut q, i * H, 0));
        }
        assert!(!offer(&mut q, 5 * H, 0));
        assert!(offer(&mut q, 5 * H, 1), "other connections are unaffected");
        assert_eq!(
            q.check(SimTime(5 * H), 0).unwrap_err().retry_at,
            Some(SimTime(24 * H))
        );
        assert!(offer(&mut q, 24 * H, 0));
        assert!(!offer(&mut q, 24 * H + 1, 0));
    }

    #[test]
    fn calendar_day_resets_at_midnight() {
        let mut q = Quota::new(2, QuotaPeriod::CalendarDay);
        q.prepare(1);
        assert!(offer(&mut q, 22 * H, 0));
        assert!(offer(&mut q, 23 * H, 0));
        assert!(!offer(&mut q, 23 * H + 1, 0));
        assert_eq!(
            q.check(SimTime(23 * H), 0).unwrap_err().retry_at,
            Some(SimTime(24 * H))
        );
        assert!(
            offer(&mut q, 24 * H, 0),
            "a new day, a new quota: four calls in two hours"
        );
        assert!(offer(&mut q, 24 * H + 1, 0));
    }
}
