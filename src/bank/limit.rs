//! One rate-limit policy of a bank, and the wrappers that scope it to hours of the day or to
//! one kind of call. Each policy decides admission from the time passed in and holds no clock.

use super::{
    ConcurrencyCap, FixedWindow, Maintenance, PenaltyBox, Quota, Rejection, SlidingWindow,
    TokenBucket,
};
use crate::time::{SimDuration, SimTime};

use crate::time::DAY_US;

/// One rate-limit policy. A closed enum rather than trait objects: dispatch is a jump table
/// on the hot path, and the set of policies is the model's vocabulary. `conn` is the
/// connection's index within its bank (for per-customer state).
#[derive(Clone, Debug, PartialEq)]
pub enum Limit {
    Concurrency(ConcurrencyCap),
    TokenBucket(TokenBucket),
    FixedWindow(FixedWindow),
    SlidingWindow(SlidingWindow),
    Quota(Quota),
    PenaltyBox(PenaltyBox),
    Maintenance(Maintenance),
    /// A rate policy that applies only between two times of day (e.g. the CDR's unattended
    /// thresholds for 00:00–06:00); outside them it neither rejects nor counts.
    During {
        from_us: u64,
        to_us: u64,
        inner: Box<Limit>,
    },
    /// A rate policy (scheduled or not) on some calendar days of the clock only (day 0 its
    /// first, from midnight): an incident, a bank cutting its rate for a day, beside its
    /// every-day policies. On other days it neither rejects nor counts; it takes no day's
    /// steady capacity (the planner's arithmetic leaves it out, as a dated maintenance
    /// window), so simulation alone meets it.
    Dated {
        /// Sorted and distinct.
        days: Vec<u32>,
        inner: Box<Limit>,
    },
    /// A rate policy (scheduled or not) that counts one kind of call only: unattended ones
    /// (the client's background refreshes; the CDR's thresholds are for unattended traffic)
    /// or customer-present ones (a customer in the app: the CDR's 50 TPS per recipient).
    /// Calls of the other kind pass it and are not counted.
    Only {
        present: bool,
        inner: Box<Limit>,
    },
}

impl Limit {
    /// The policy's `kind` as a scenario writes it (`token_bucket`), a wrapper's its
    /// policy's: what a run's refusals by limit name it by, beside its place in the list.
    pub fn kind(&self) -> &'static str {
        match self {
            Limit::Concurrency(_) => "concurrency",
            Limit::TokenBucket(_) => "token_bucket",
            Limit::FixedWindow(_) => "fixed_window",
            Limit::SlidingWindow(_) => "sliding_window",
            Limit::Quota(_) => "quota",
            Limit::PenaltyBox(_) => "penalty_box",
            Limit::Maintenance(_) => "maintenance",
            Limit::During { inner, .. }
            | Limit::Dated { inner, .. }
            | Limit::Only { inner, .. } => inner.kind(),
        }
    }

    /// Whether the policy counts (and so may refuse) a call, customer-present or not: a
    /// per-connection quota, PSD2's four unattended accesses a day, lets a customer-present
    /// call through, and a rate policy for one kind of traffic lets the other through.
    #[inline]
    pub fn counts(&self, present: bool) -> bool {
        match self {
            Limit::Quota(_) => !present,
            Limit::Only { present: p, .. } => *p == present,
            _ => true,
        }
    }

    /// The policy under an [`Limit::Only`] (itself otherwise): what the calls it counts meet.
    pub fn unscoped(&self) -> &Limit {
        match self {
            Limit::Only { inner, .. } => inner,
            l => l,
        }
    }

    /// The policy under a [`Limit::During`] or a [`Limit::Dated`] (itself otherwise).
    pub fn unscheduled(&self) -> &Limit {
        match self {
            Limit::During { inner, .. } => inner,
            Limit::Dated { inner, .. } => inner.unscheduled(),
            l => l,
        }
    }

    /// Whether it is a rate policy (a bucket or a window), scheduled or not: what may be
    /// dated or scoped to one kind of call.
    fn is_rate(&self) -> bool {
        matches!(
            self.unscheduled(),
            Limit::TokenBucket(_) | Limit::FixedWindow(_) | Limit::SlidingWindow(_)
        )
    }

    /// Wraps a rate policy, scheduled or not, so it counts only customer-present calls
    /// (`present`) or only unattended ones.
    pub fn only(present: bool, inner: Limit) -> Limit {
        assert!(
            inner.is_rate() || matches!(inner, Limit::Dated { .. }),
            "only rate policies count one kind of call"
        );
        Limit::Only {
            present,
            inner: Box::new(inner),
        }
    }

    /// The longest a call this policy rejects can be told to wait (zero for a cap, which
    /// says nothing; a day for a quota).
    pub fn longest_wait(&self) -> SimDuration {
        match self {
            Limit::Concurrency(_) => SimDuration::ZERO,
            Limit::Quota(_) => SimDuration(DAY_US),
            Limit::TokenBucket(t) => t.longest_wait(),
            Limit::FixedWindow(w) => w.longest_wait(),
            Limit::SlidingWindow(w) => w.longest_wait(),
            Limit::PenaltyBox(p) => p.longest_wait(),
            Limit::Maintenance(m) => m.longest_wait(),
            Limit::During { inner, .. }
            | Limit::Dated { inner, .. }
            | Limit::Only { inner, .. } => inner.longest_wait(),
        }
    }

    /// Wraps a rate policy so it applies only from `from` to `to` each day (`from < to`).
    pub fn during(from: SimDuration, to: SimDuration, inner: Limit) -> Limit {
        assert!(
            from < to && to.as_micros() <= DAY_US,
            "during needs from < to <= 24:00"
        );
        assert!(
            matches!(
                inner,
                Limit::TokenBucket(_) | Limit::FixedWindow(_) | Limit::SlidingWindow(_)
            ),
            "only rate policies can be scheduled"
        );
        Limit::During {
            from_us: from.as_micros(),
            to_us: to.as_micros(),
            inner: Box::new(inner),
        }
    }

    /// Wraps a rate policy, scheduled or not, so it applies on `days` only (sorted and
    /// distinct calendar days of the clock, day 0 from its first midnight).
    pub fn dated(days: Vec<u32>, inner: Limit) -> Limit {
        assert!(
            !days.is_empty() && days.windows(2).all(|w| w[0] < w[1]),
            "dated needs sorted, distinct days"
        );
        assert!(inner.is_rate(), "only rate policies can be dated");
        Limit::Dated {
            days,
            inner: Box::new(inner),
        }
    }

    /// An incident's hours each day (microseconds into the day) and its days: a maintenance
    /// window on given days, or a dated rate policy (its `during`, or the whole day), under
    /// any scope. `None` for a policy of every day.
    pub fn incident(&self) -> Option<((u64, u64), &[u32])> {
        match self.unscoped() {
            Limit::Maintenance(m) if !m.every_day() => Some((m.span_us(), m.days())),
            Limit::Dated { days, inner } => match &**inner {
                Limit::During { from_us, to_us, .. } => Some(((*from_us, *to_us), days)),
                _ => Some(((0, DAY_US), days)),
            },
            _ => None,
        }
    }

    #[inline]
    fn on_day(days: &[u32], now: SimTime) -> bool {
        days.binary_search(&((now.as_micros() / DAY_US) as u32))
            .is_ok()
    }

    #[inline]
    fn active(from_us: u64, to_us: u64, now: SimTime) -> bool {
        let tod = now.as_micros() % DAY_US;
        from_us <= tod && tod < to_us
    }

    #[inline]
    /// Whether the policy admits a call (`present`: customer-present; a policy that does not
    /// count it admits it, in the same dispatch, so the common case pays nothing more).
    pub(super) fn check(&self, now: SimTime, conn: u32, present: bool) -> Result<(), Rejection> {
        match self {
            Limit::Concurrency(c) => c.check(),
            Limit::TokenBucket(t) => t.check(now),
            Limit::FixedWindow(w) => w.check(now),
            Limit::SlidingWindow(w) => w.check(now),
            Limit::Quota(_) if present => Ok(()),
            Limit::Quota(q) => q.check(now, conn),
            Limit::PenaltyBox(p) => p.check(now),
            Limit::Maintenance(m) => m.check(now),
            Limit::During {
                from_us,
                to_us,
                inner,
            } => {
                if Self::active(*from_us, *to_us, now) {
                    inner.check(now, conn, present)
                } else {
                    Ok(())
                }
            }
            Limit::Dated { days, inner } if Self::on_day(days, now) => {
                inner.check(now, conn, present)
            }
            Limit::Dated { .. } => Ok(()),
            Limit::Only { present: p, inner } if *p == present => inner.check(now, conn, present),
            Limit::Only { .. } => Ok(()),
        }
    }

    #[inline]
    /// Counts an admitted call, if the policy counts its kind.
    pub(super) fn admit(&mut self, now: SimTime, conn: u32, present: bool) {
        match self {
            Limit::Concurrency(c) => c.admit(),
            Limit::TokenBucket(t) => t.admit(now),
            Limit::FixedWindow(w) => w.admit(now),
            Limit::SlidingWindow(w) => w.admit(now),
            Limit::Quota(_) if present => {}
            Limit::Quota(q) => q.admit(now, conn),
            Limit::PenaltyBox(_) | Limit::Maintenance(_) => {}
            Limit::During {
                from_us,
                to_us,
                inner,
            } => {
                if Self::active(*from_us, *to_us, now) {
                    inner.admit(now, conn, present)
                }
            }
            Limit::Dated { days, inner } if Self::on_day(days, now) => {
                inner.admit(now, conn, present)
            }
            Limit::Dated { .. } => {}
            Limit::Only { present: p, inner } if *p == present => inner.admit(now, conn, present),
            Limit::Only { .. } => {}
        }
    }

    #[inline]
    pub(super) fn release(&mut self) {
        if let Limit::Concurrency(c) = self {
            c.release()
        }
    }

    /// Whether the policy keeps state per connection (so admission needs the connection's
    /// index within its bank). Kept beside `prepare`, the other place that knows.
    pub(super) fn per_connection(&self) -> bool {
        matches!(self, Limit::Quota(_))
    }

    pub(super) fn prepare(&mut self, connections: u32) {
        match self {
            Limit::Quota(q) => q.prepare(connections),
            Limit::PenaltyBox(p) => p.prepare(),
            _ => {}
        }
    }
}
