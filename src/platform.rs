//! The aggregator platform between the client and the banks.
//!
//! A refresh request creates a task and the platform calls the bank at once; the client
//! learns the task's outcome either by polling its status every `poll_interval` (each poll an
//! API call), or by a callback `callback_delay` after the task ends. A request for a
//! connection whose earlier task is still pending returns that task: no bank call, outcome
//! `deduplicated`. Beyond that, each vendor deduplicates its own way ([`Dedup`]).
//!
//! Polls have no side effect in this model (the platform does not throttle them), so the
//! simulator does not schedule one event per poll: when a task ends it computes the first
//! poll at or after that instant, and counts the polls up to it, which is exact.

use crate::time::{SimDuration, SimTime};

/// How the client learns a task's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusMode {
    /// `GET task` first `first` after submission (Bud's `next_url_delay`), then every
    /// `interval` until the status is final.
    Poll {
        interval: SimDuration,
        first: SimDuration,
    },
    /// The platform calls the client back `delay` after the task ends.
    Callback { delay: SimDuration },
}

/// How the platform answers a refresh it considers a duplicate (docs/sources.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dedup {
    /// Bud: if the provider was fetched successfully within the window (1 h), the request
    /// returns the previous task's id; the client polls it and learns it succeeded.
    LastFetch,
    /// Mastercard: an identical request within the window (5 min) of the last one that
    /// triggered a refresh returns that refresh, whatever its outcome (a failed refresh is
    /// failed again, without a bank call).
    SameRequest,
    /// D•One: an account refreshed successfully within the window (20 min) is SKIPPED in
    /// the response itself: no job, no poll.
    Skip,
}

impl Dedup {
    /// The vendor's window.
    pub fn default_window(self) -> SimDuration {
        match self {
            Dedup::LastFetch => SimDuration::from_hours(1),
            Dedup::SameRequest => SimDuration::from_mins(5),
            Dedup::Skip => SimDuration::from_mins(20),
        }
    }
}

/// How long the response to a refresh request takes when it carries the answer itself
/// (D•One's SKIPPED): an HTTPS round trip of about the 331 ms UK Open Banking calls average
/// (docs/sources.md). Never zero, so no client can spin in no time.
pub const RESPONSE_TIME: SimDuration = SimDuration(300_000);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Platform {
    pub status: StatusMode,
    pub dedup: Dedup,
    /// The span within which `dedup` applies.
    pub dedup_window: SimDuration,
}

/// When the client learns an outcome, and what it cost in status calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Learned {
    pub at: SimTime,
    pub polls: u32,
}

impl Platform {
    /// When a task submitted at `submitted` that ended at `ended` becomes known to the client.
    /// A poll at exactly `ended` sees the final status; the first poll is `first` after
    /// submission, so even an immediate outcome (a 429) costs one poll.
    #[inline]
    pub fn learn(&self, submitted: SimTime, ended: SimTime) -> Learned {
        match self.status {
            StatusMode::Poll { interval, first } => {
                let p = interval.as_micros();
                let first = first.as_micros();
                let elapsed = ended.saturating_since(submitted).as_micros();
                // Most outcomes (every 429) are seen by the first poll: no division then.
                let polls = match elapsed.saturating_sub(first) {
                    0 => 1,
                    late => 1 + late.div_ceil(p),
                };
                Learned {
                    at: submitted + SimDuration(first + (polls - 1) * p),
                    polls: polls.min(u32::MAX as u64) as u32,
                }
            }
            StatusMode::Callback { delay } => Learned {
                at: ended + delay,
                polls: 0,
            },
        }
    }

    /// Is `since` (a last success, or for `SameRequest` a last triggering request;
    /// `SimTime::NEVER` if none) inside the dedup window at `now`?
    #[inline]
    pub fn is_duplicate(&self, now: SimTime, since: SimTime) -> bool {
        since != SimTime::NEVER && now.saturating_since(since) < self.dedup_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(secs: u64) -> Platform {
        Platform {
            status: StatusMode::Poll {
                interval: SimDuration::from_secs(secs),
                first: SimDuration::from_secs(secs),
            },
            dedup: Dedup::LastFetch,
            dedup_window: SimDuration::from_hours(1),
        }
    }

    #[test]
    fn polling_rounds_up_to_the_next_poll() {
        let p = poll(10);
        let s = SimTime(0);
        let at = |secs: u64| p.learn(s, s + SimDuration::from_secs(secs));
        assert_eq!(
            at(0),
            Learned {
                at: SimTime(10_000_000),
                polls: 1
            }
        );
        assert_eq!(
            at(3),
            Learned {
                at: SimTime(10_000_000),
                polls: 1
            }
        );
        assert_eq!(
            at(10),
            Learned {
                at: SimTime(10_000_000),
                polls: 1
            }
        );
        assert_eq!(
            at(11),
            Learned {
                at: SimTime(20_000_000),
                polls: 2
            }
        );
        assert_eq!(
            at(35),
            Learned {
                at: SimTime(40_000_000),
                polls: 4
            }
        );
    }

    /// Bud's `next_url_delay`: a first poll sooner than the interval, then the interval.
    #[test]
    fn first_poll_may_differ_from_the_interval() {
        let p = Platform {
            status: StatusMode::Poll {
                interval: SimDuration::from_secs(10),
                first: SimDuration::from_secs(3),
            },
            dedup: Dedup::LastFetch,
            dedup_window: SimDuration::ZERO,
        };
        let at = |ms: u64| {
            let l = p.learn(SimTime(0), SimTime(ms * 1000));
            (l.at.as_micros() / 1000, l.polls)
        };
        assert_eq!(at(0), (3_000, 1));
        assert_eq!(at(3_000), (3_000, 1));
        assert_eq!(at(3_001), (13_000, 2));
        assert_eq!(at(13_000), (13_000, 2));
        assert_eq!(at(25_000), (33_000, 4));
    }

    #[test]
    fn callbacks_cost_no_polls() {
        let p = Platform {
            status: StatusMode::Callback {
                delay: SimDuration::from_millis(200),
            },
            dedup: Dedup::LastFetch,
            dedup_window: SimDuration::ZERO,
        };
        let l = p.learn(SimTime(0), SimTime(5_000_000));
        assert_eq!(
            l,
            Learned {
                at: SimTime(5_200_000),
                polls: 0
            }
        );
    }

    #[test]
    fn dedup_window_is_half_open() {
        let p = poll(10);
        let last = SimTime(1_000);
        assert!(p.is_duplicate(last, last));
        assert!(p.is_duplicate(last + SimDuration::from_mins(59), last));
        assert!(!p.is_duplicate(last + SimDuration::from_hours(1), last));
        assert!(!p.is_duplicate(SimTime(5), SimTime::NEVER));
    }
}
