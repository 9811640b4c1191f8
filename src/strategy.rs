//! The client's refresh strategy: when each connection's refresh is submitted.
//!
//! A real client refreshes each connection once per *period* (a day unless the scenario says
//! otherwise): at each period start every connection whose consent is valid is *due*, and a
//! success makes it not due until the next period. Runs may span many periods.
//!
//! - `bulk`: every due connection at each period start, in connection order.
//! - `queued`: a FIFO of the due connections served by `concurrency` slots. A slot is busy from
//!   the moment its worker takes a connection until the client learns the outcome; the worker
//!   takes time (its *overhead*, a drawn duration) between taking a connection and submitting
//!   it, so that no two workers act in lock-step. A success leaves the queue until the next
//!   period; a failure is retried per `[retry]` when the scenario has one (and when the
//!   policy gives up, goes to the back of the queue after the policy's longest wait, so
//!   that no refresh is resubmitted without a backoff), or else goes straight to the back of
//!   the queue (it is still due); a connection that needs its customer to reconnect leaves
//!   it for good. When nothing
//!   is due the slots idle. At a period start the connections still waiting from the last
//!   period stay ahead of the new ones. With `loop`, the queue never empties instead: each
//!   outcome sends the connection to the back and a pass follows the last at once (the vendor
//!   table's backlog reading, where the population exceeds a period's capacity).
//! - `random_offset`: each connection at its own instant of the period (drawn once, so the
//!   same every period, as a hash of the connection id would give), optionally only within a
//!   band of hours of the day (e.g. the Australian CDR's unattended 00:00–06:00).
//!
//! Strategies only decide *when* to submit; outcomes come from the platform and the banks.

use crate::bank::ServiceTime;
use crate::rng::{below, Purpose, Streams};
use crate::time::{SimDuration, SimTime};
use rand::Rng;
use std::collections::VecDeque;

/// Which strategy, with its parameters (validated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Bulk,
    Queued { concurrency: u32 },
    RandomOffset,
}

impl Strategy {
    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Bulk => "bulk",
            Strategy::Queued { .. } => "queued",
            Strategy::RandomOffset => "random_offset",
        }
    }

    /// The concurrency limit, for strategies that have one.
    pub fn concurrency(&self) -> Option<u32> {
        match self {
            Strategy::Queued { concurrency } => Some(*concurrency),
            _ => None,
        }
    }
}

/// How the client runs its strategy over time: the refresh period, the queued client's
/// looping, the random offsets' band of hours, and its workers' overhead.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Each connection is due once per period (24 h unless the scenario says otherwise).
    pub period: SimDuration,
    /// Queued only: never stop (the backlog reading); see the module docs.
    pub looping: bool,
    /// Random offset only: offsets fall between these times of day (`from < to`).
    pub hours: Option<(SimDuration, SimDuration)>,
    /// Queued only: a worker's time from taking a connection to submitting it (handling the
    /// previous outcome, fetching the next job, the request's own latency).
    pub overhead: ServiceTime,
}

impl Schedule {
    /// A worker's default overhead: lognormal, median 300 ms, 95th percentile 1 s (mean
    /// about 0.39 s). A queue worker that learns an outcome stores the refreshed data (or
    /// records the failure), acknowledges its job, fetches the next one and sends an HTTPS
    /// request to the aggregator: each of those is a network round trip of tens to hundreds
    /// of milliseconds (UK Open Banking calls average about 330 ms, docs/sources.md), so a
    /// few hundred milliseconds with a tail to a second is the low end of what real workers
    /// take. Any non-zero spread breaks the poll-grid lock-step; zero (`constant 0s`) is the
    /// idealised lattice client the checks against queueing theory use.
    pub fn default_overhead() -> ServiceTime {
        ServiceTime::lognormal_p95(SimDuration::from_millis(300), SimDuration::from_secs(1))
    }

    /// The daily schedule with the default overhead.
    pub fn daily() -> Self {
        Schedule {
            period: SimDuration::from_hours(24),
            looping: false,
            hours: None,
            overhead: Self::default_overhead(),
        }
    }

    /// Periods that start within a window of `length` (the last may be cut short).
    pub fn periods(&self, length: SimDuration) -> u64 {
        length.as_micros().div_ceil(self.period.as_micros()).max(1)
    }
}

/// The submissions known before the run starts, sorted by time, plus the strategy's runtime
/// state for the reactive part. `arrivals` is one period's: the event queue repeats it every
/// `period` for `periods` periods.
pub struct ClientPlan {
    pub arrivals: Vec<(SimTime, u32)>,
    pub period: SimDuration,
    pub periods: u64,
    pub state: ClientState,
}

/// Runtime state of the client.
pub enum ClientState {
    /// Bulk and random offset: submissions are all planned; retries go out when due.
    Passive,
    /// The queued client (see [`Queue`]).
    Queued(Queue),
}

/// The queued client's slots and its FIFO of due connections, in the order a real FIFO
/// would hold them: retries whose backoff has expired first (`due`), then connections left
/// over from earlier periods (`carry`), then this period's (`fresh`, a range over every
/// connection rather than a million queue entries: connections the client already holds or
/// knows need a reconnect are skipped as they come up), then this period's failures
/// (`queue`).
pub struct Queue {
    pub concurrency: u32,
    pub busy: u32,
    pub looping: bool,
    /// The next connection of this period's pass over every connection, and how many of
    /// the pass are left. The cursor wraps, so a pass that did not finish in its period is
    /// resumed where it stopped by the next one, ahead of the connections it had reached.
    cursor: u32,
    left: u32,
    carry: VecDeque<u32>,
    queue: VecDeque<u32>,
    due: VecDeque<u32>,
    connections: u32,
}

/// Builds the plan for `connections` connections over a window of `length` from `start`.
pub fn plan(
    strategy: Strategy,
    schedule: &Schedule,
    connections: u32,
    start: SimTime,
    length: SimDuration,
    streams: &Streams,
) -> ClientPlan {
    let periods = schedule.periods(length);
    let (arrivals, state) = match strategy {
        Strategy::Bulk => (
            (0..connections).map(|c| (start, c)).collect(),
            ClientState::Passive,
        ),
        Strategy::RandomOffset => {
            let band = band(schedule, start);
            (
                random_offsets(connections, start, band, streams),
                ClientState::Passive,
            )
        }
        Strategy::Queued { concurrency } => (
            Vec::new(),
            ClientState::Queued(Queue {
                concurrency,
                busy: 0,
                looping: schedule.looping,
                cursor: 0,
                left: 0,
                carry: VecDeque::new(),
                queue: VecDeque::new(),
                due: VecDeque::new(),
                connections,
            }),
        ),
    };
    ClientPlan {
        arrivals,
        period: schedule.period,
        periods,
        state,
    }
}

/// The offsets' band as `(first offset from the period start, width)`: the whole period, or
/// the band of hours measured from the window's time of day (wrapping past midnight when the
/// window starts inside the band, in which case the band is split and offsets fold into
/// `[0, period)` by the modulo in [`random_offsets`]).
fn band(schedule: &Schedule, start: SimTime) -> Band {
    let period = schedule.period.as_micros();
    match schedule.hours {
        None => Band {
            from: 0,
            width: period,
            period,
        },
        Some((from, to)) => {
            let tod = start.as_micros() % SimDuration::from_hours(24).as_micros();
            Band {
                from: (from.as_micros() + period - tod % period) % period,
                width: to.as_micros() - from.as_micros(),
                period,
            }
        }
    }
}

/// Offsets `from + U[0, width)`, folded into `[0, period)`.
#[derive(Clone, Copy, Debug)]
struct Band {
    from: u64,
    width: u64,
    period: u64,
}

/// Each connection once at `start` plus its offset in the band, sorted by
/// `(time, connection)`.
///
/// Sorted by grouping, not by one big sort: a counting pass puts each arrival in one of the
/// window's slices of `2^shift` microseconds (the draws are keyed, so the second pass draws
/// them again rather than storing them), then each slice, one to two hundred arrivals that
/// fit in cache, is sorted on its own. Slices are in time order, so the result is the global
/// sort, 1.15–1.2× faster than it at 1M and 10M arrivals (BENCHMARKS.md).
fn random_offsets(
    connections: u32,
    start: SimTime,
    band: Band,
    streams: &Streams,
) -> Vec<(SimTime, u32)> {
    let length_us = band.period;
    let offset = |c: u32| {
        let w = streams.at(Purpose::Schedule, c, 0).next_u64();
        (band.from + below(w, band.width)) % band.period
    };
    // The finest power-of-two slices with 128 or more arrivals each on average (128–256).
    let slices_wanted = (connections as u64 / 128).max(1);
    let mut shift = 0;
    while (length_us >> shift) > slices_wanted {
        shift += 1;
    }
    let slices = ((length_us - 1) >> shift) as usize + 1;
    let mut ends = vec![0u32; slices];
    for c in 0..connections {
        ends[(offset(c) >> shift) as usize] += 1;
    }
    let mut next = 0;
    for end in &mut ends {
        next += *end;
        *end = next;
    }
    // Fill each slice from its end backwards: `ends` becomes the starts.
    let mut arrivals = vec![(SimTime::ZERO, 0u32); connections as usize];
    for c in (0..connections).rev() {
        let o = offset(c);
        let at = &mut ends[(o >> shift) as usize];
        *at -= 1;
        arrivals[*at as usize] = (SimTime(start.as_micros() + o), c);
    }
    for (i, &from) in ends.iter().enumerate() {
        let to = ends.get(i + 1).map_or(arrivals.len(), |&e| e as usize);
        // (time, connection) is unique, so the unstable sort is deterministic.
        arrivals[from as usize..to].sort_unstable();
    }
    arrivals
}

impl ClientState {
    /// The queued client, if this is one.
    #[inline]
    pub fn queue(&mut self) -> Option<&mut Queue> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued(q) => Some(q),
        }
    }

    /// Busy slots of a queued client (`None` for passive strategies).
    pub fn busy(&self) -> Option<u32> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued(q) => Some(q.busy),
        }
    }
}

impl Queue {
    /// A period starts: every connection becomes due again, behind those still waiting.
    /// A looping queue starts its one endless pass at the first period and ignores the rest.
    pub fn period_start(&mut self, first: bool) {
        if self.looping && !first {
            return;
        }
        self.carry.append(&mut self.queue);
        self.left = self.connections;
    }

    /// A refresh no longer needs its slot: its outcome was learned, or it is backing off
    /// before a retry (a backing-off retry does not hold a slot, as in job queues such as
    /// Sidekiq, Celery or BullMQ, where a failed job is rescheduled and the worker moves on),
    /// or the window closed before it was submitted. `requeue` puts the connection at the
    /// back of the FIFO.
    #[inline]
    pub fn release(&mut self, requeue: Option<u32>) {
        self.busy -= 1;
        if let Some(c) = requeue {
            self.queue.push_back(c);
        }
    }

    /// A refresh whose retries gave up joins the back of the FIFO (it is still due).
    #[inline]
    pub fn requeue(&mut self, conn: u32) {
        self.queue.push_back(conn);
    }

    /// A retry's backoff expired: it is served before the FIFO.
    #[inline]
    pub fn retry_due(&mut self, conn: u32) {
        self.due.push_back(conn);
    }

    /// The next connection a free slot takes now, if any, taking the slot; `true` when it
    /// is a due retry. `skip` says which connections of this period's range not to take
    /// (already held by the client, or known to need a reconnect).
    #[inline]
    pub fn next_submission(&mut self, mut skip: impl FnMut(u32) -> bool) -> Option<(u32, bool)> {
        if self.busy >= self.concurrency {
            return None;
        }
        let next = if let Some(c) = self.due.pop_front() {
            (c, true)
        } else if let Some(c) = self.carry.pop_front() {
            (c, false)
        } else if let Some(c) = self.next_fresh(&mut skip) {
            (c, false)
        } else {
            (self.queue.pop_front()?, false)
        };
        self.busy += 1;
        Some(next)
    }

    /// The next connection of the pass that `skip` does not pass over.
    #[inline]
    fn next_fresh(&mut self, skip: &mut impl FnMut(u32) -> bool) -> Option<u32> {
        while self.left > 0 {
            let c = self.cursor;
            self.cursor = if c + 1 == self.connections { 0 } else { c + 1 };
            self.left -= 1;
            if !skip(c) {
                return Some(c);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grouped sort equals drawing every offset and sorting them all, including when the
    /// window is so short that most instants are shared (ties go by connection) and when the
    /// population is too small to group.
    #[test]
    fn random_offsets_equal_a_plain_sort() {
        let streams = Streams::new(9);
        for (n, start, len) in [
            (0u32, 0u64, 1u64),
            (1, 7, 1),
            (1_000, 0, 5),
            (5_000, 3_600_000_000, 86_400_000_000),
            (100_000, 1, 1_000_003),
        ] {
            let band = Band {
                from: 0,
                width: len,
                period: len,
            };
            let got = random_offsets(n, SimTime(start), band, &streams);
            let mut want: Vec<(SimTime, u32)> = (0..n)
                .map(|c| {
                    let word = streams.at(Purpose::Schedule, c, 0).next_u64();
                    (SimTime(start + below(word, len)), c)
                })
                .collect();
            want.sort_unstable();
            assert_eq!(got, want, "n = {n}, length = {len}");
        }
    }
}
