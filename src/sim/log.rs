//! The attempt log: one fixed-size record per attempt, in the shape a client's own refresh
//! log would have (when it submitted, when it learned the outcome, what the outcome was),
//! kept only when asked for (`Simulation::with_attempt_log`). Off, it costs one branch per
//! attempt; on, one 40-byte push per attempt and a store when the outcome is decided. No
//! strings: the writer (`output/attempt_log.rs`) formats the rows after the run.

use super::{Outcome, World, FETCH};
use crate::time::{SimDuration, SimTime};

/// One attempt, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub submitted: SimTime,
    /// When the client learned the outcome (the poll or callback that revealed it).
    pub learned: SimTime,
    /// The 429's Retry-After (whole seconds as the banks send it), `None` if it had none.
    pub retry_after: Option<SimDuration>,
    pub conn: u32,
    /// Attempt number within the refresh: 1 for the first, 2 for its first retry, …
    pub attempt: u32,
    pub bank: u16,
    pub outcome: Outcome,
    /// Who asked for the call: the client's schedule, a customer, or the link or reconnect
    /// flow.
    pub reason: Reason,
    /// A 429 sent because a maintenance window closed the bank (an HTTP 503 in the log).
    pub outage: bool,
}

/// Why an attempt was made: what a client's own log records as its trigger, and what lets
/// `fit` tell the customers' behaviour (requests, reconnections, joins) from the client's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// The client's background refresh (its first attempt or a retry).
    Schedule,
    /// A customer's on-demand request.
    Customer,
    /// The reconnect flow's fetch, after a customer renewed an expired consent.
    Reconnect,
    /// The link flow's first fetch of a connection a customer has just joined with.
    Link,
}

impl Reason {
    /// A customer-present call (every reason but the schedule): a PSD2 quota does not count
    /// it.
    pub fn present(self) -> bool {
        self != Reason::Schedule
    }

    /// The name in the attempt log's `reason` column.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Schedule => "schedule",
            Reason::Customer => "customer",
            Reason::Reconnect => "reconnect",
            Reason::Link => "link",
        }
    }
}

/// The attempts of a run, in submission order.
#[derive(Clone, Debug, Default)]
pub struct AttemptLog {
    pub rows: Vec<Attempt>,
    /// Per connection, the row of its call pending at the bank.
    open: Vec<u32>,
    /// The reconnect flow's next fetch is a join's link (set by the join, read by the
    /// fetch's submission).
    pub(super) linking: bool,
}

impl AttemptLog {
    /// A log of these rows (none pending).
    pub fn of_rows(rows: Vec<Attempt>) -> Self {
        AttemptLog {
            rows,
            open: Vec::new(),
            linking: false,
        }
    }

    pub(super) fn new(connections: usize) -> Self {
        AttemptLog {
            rows: Vec::new(),
            open: vec![u32::MAX; connections],
            linking: false,
        }
    }
}

impl World {
    /// Connection `c` submits an attempt at `now` (its outcome is filled in when decided).
    #[inline]
    pub(super) fn log_submit(&mut self, now: SimTime, c: u32, present: bool) {
        let Some(log) = &mut self.log else {
            return;
        };
        let ci = c as usize;
        let attempt = self.chain.get(ci).copied().unwrap_or(1);
        let reason = match (present, self.conns[ci].flags & FETCH != 0) {
            (false, _) => Reason::Schedule,
            (true, false) => Reason::Customer,
            (true, true) if log.linking => Reason::Link,
            (true, true) => Reason::Reconnect,
        };
        log.rows.push(Attempt {
            submitted: now,
            learned: SimTime::NEVER,
            retry_after: None,
            conn: c,
            attempt,
            bank: self.conns[ci].bank,
            outcome: Outcome::Deduplicated,
            reason,
            outage: false,
        });
    }

    /// The attempt just submitted was admitted: its row waits for the bank's answer.
    #[inline]
    pub(super) fn log_admitted(&mut self, c: u32) {
        if let Some(log) = &mut self.log {
            log.open[c as usize] = log.rows.len() as u32 - 1;
        }
    }

    /// The attempt just submitted was answered at once (a 429, a duplicate, a reconnect).
    #[inline]
    pub(super) fn log_answered(&mut self, learned: SimTime, outcome: Outcome) {
        if let Some(row) = self.log.as_mut().and_then(|l| l.rows.last_mut()) {
            row.learned = learned;
            row.outcome = outcome;
        }
    }

    /// The attempt just submitted was refused: the Retry-After it carried.
    #[inline]
    pub(super) fn log_refused(&mut self, now: SimTime, refusal: &crate::bank::Refusal) {
        if let Some(row) = self.log.as_mut().and_then(|l| l.rows.last_mut()) {
            row.retry_after = refusal.retry_at.map(|at| at.saturating_since(now));
            row.outage = refusal.outage;
        }
    }

    /// Connection `c`'s admitted call ended in `outcome`, learned at `learned`.
    #[inline]
    pub(super) fn log_done(&mut self, c: u32, learned: SimTime, outcome: Outcome) {
        let Some(log) = &mut self.log else {
            return;
        };
        let i = std::mem::replace(&mut log.open[c as usize], u32::MAX);
        if let Some(row) = log.rows.get_mut(i as usize) {
            row.learned = learned;
            row.outcome = outcome;
        }
    }
}
