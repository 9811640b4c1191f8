//! Concurrency cap: at most `max_in_flight` calls being served at once.
//!
//! Rule: a call is admitted iff fewer than `max_in_flight` admitted calls are still in
//! progress; the excess is rejected at once (HTTP 429) and occupies nothing. There is no
//! burst beyond the cap, but throughput scales with latency (Little's law: the sustainable
//! rate is `max_in_flight / mean service time`). The earliest time a rejected call could
//! succeed is unknown to the bank in advance (it is when some call in progress finishes), so
//! a rejection carries no Retry-After of its own.

use super::Rejection;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcurrencyCap {
    max_in_flight: u32,
    in_flight: u32,
}

impl ConcurrencyCap {
    /// `max_in_flight` must be at least 1 (validated by the scenario).
    pub fn new(max_in_flight: u32) -> Self {
        assert!(max_in_flight >= 1, "concurrency cap must be >= 1");
        ConcurrencyCap {
            max_in_flight,
            in_flight: 0,
        }
    }

    pub fn max_in_flight(&self) -> u32 {
        self.max_in_flight
    }

    /// Would a call be admitted now? Changes nothing.
    #[inline]
    pub fn check(&self) -> Result<(), Rejection> {
        if self.in_flight < self.max_in_flight {
            Ok(())
        } else {
            Err(Rejection { retry_at: None })
        }
    }

    /// Records an admitted call (after every policy of the bank has agreed).
    #[inline]
    pub fn admit(&mut self) {
        debug_assert!(self.in_flight < self.max_in_flight);
        self.in_flight += 1;
    }

    /// Records the end of an admitted call.
    #[inline]
    pub fn release(&mut self) {
        debug_assert!(self.in_flight > 0);
        self.in_flight -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_cap_and_frees_on_release() {
        let mut cap = ConcurrencyCap::new(2);
        for _ in 0..2 {
            assert!(cap.check().is_ok());
            cap.admit();
        }
        assert_eq!(cap.check(), Err(Rejection { retry_at: None }));
        cap.release();
        assert!(cap.check().is_ok());
    }

    #[test]
    fn check_alone_consumes_nothing() {
        let cap = ConcurrencyCap::new(1);
        for _ in 0..10 {
            assert!(cap.check().is_ok());
        }
    }
}
