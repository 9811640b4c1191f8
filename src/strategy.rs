//! The client's refresh strategy: when each connection's refresh is submitted.
//!
//! - `bulk`: every connection at the window start, in connection order.
//! - `queued`: a FIFO of connections served by `concurrency` slots. A slot is busy from
//!   submission until the client learns the outcome; then the connection goes to the back of
//!   the queue (so when a pass ends within the window the next pass starts) and the slot takes
//!   the connection at the front. A connection that needs its customer to reconnect leaves the
//!   queue. With retries, a backing-off refresh frees its slot and, when due, takes the next
//!   free slot ahead of the FIFO. No submissions after the window ends.
//! - `random_offset`: each connection once, at a uniformly random instant of the window.
//!
//! Strategies only decide *when* to submit; outcomes come from the platform and the banks.

use crate::rng::{below, Purpose, Streams};
use crate::time::SimTime;
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

    /// Whether the strategy acts on learned outcomes (so the simulator must schedule them).
    pub fn reacts_to_outcomes(&self) -> bool {
        matches!(self, Strategy::Queued { .. })
    }
}

/// The submissions known before the run starts, sorted by time, plus the strategy's runtime
/// state for the reactive part.
pub struct Plan {
    pub arrivals: Vec<(SimTime, u32)>,
    pub state: ClientState,
}

/// Runtime state of the client.
pub enum ClientState {
    /// Bulk and random offset: submissions are all planned; retries go out when due.
    Passive,
    /// The queued client's slots, its FIFO of connections for this pass and the next, and
    /// retries whose backoff has expired (served before the FIFO). The FIFO's head is the
    /// first pass's connections not yet submitted, `fresh`, a range rather than a million
    /// queue entries; connections requeued after their outcome follow them in `queue`.
    Queued {
        concurrency: u32,
        busy: u32,
        fresh: std::ops::Range<u32>,
        queue: VecDeque<u32>,
        due: VecDeque<u32>,
    },
}

/// Builds the plan for `connections` connections over `[start, start + length)`.
pub fn plan(
    strategy: Strategy,
    connections: u32,
    start: SimTime,
    length_us: u64,
    streams: &Streams,
) -> Plan {
    match strategy {
        Strategy::Bulk => Plan {
            arrivals: (0..connections).map(|c| (start, c)).collect(),
            state: ClientState::Passive,
        },
        Strategy::RandomOffset => Plan {
            arrivals: random_offsets(connections, start, length_us, streams),
            state: ClientState::Passive,
        },
        Strategy::Queued { concurrency } => {
            let first = concurrency.min(connections);
            Plan {
                arrivals: (0..first).map(|c| (start, c)).collect(),
                state: ClientState::Queued {
                    concurrency,
                    busy: first,
                    fresh: first..connections,
                    queue: VecDeque::new(),
                    due: VecDeque::new(),
                },
            }
        }
    }
}

/// Each connection once at `start + U[0, length)`, sorted by `(time, connection)`.
///
/// Sorted by grouping, not by one big sort: a counting pass puts each arrival in one of the
/// window's slices of `2^shift` microseconds (the draws are keyed, so the second pass draws
/// them again rather than storing them), then each slice, one to two hundred arrivals that
/// fit in cache, is sorted on its own. Slices are in time order, so the result is the global
/// sort, 1.15–1.2× faster than it at 1M and 10M arrivals (BENCHMARKS.md).
fn random_offsets(
    connections: u32,
    start: SimTime,
    length_us: u64,
    streams: &Streams,
) -> Vec<(SimTime, u32)> {
    let offset = |c: u32| below(streams.at(Purpose::Schedule, c, 0).next_u64(), length_us);
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
    /// A refresh no longer needs its slot: its outcome was learned, or it is backing off
    /// before a retry (a backing-off retry does not hold a slot, as in job queues such as
    /// Sidekiq, Celery or BullMQ, where a failed job is rescheduled and the worker moves on).
    /// `requeue` puts the connection at the back of the FIFO for the next pass.
    #[inline]
    pub fn release(&mut self, requeue: Option<u32>) {
        if let ClientState::Queued { busy, queue, .. } = self {
            *busy -= 1;
            if let Some(c) = requeue {
                queue.push_back(c);
            }
        }
    }

    /// A retry's backoff expired. Returns the connection to submit at once when the client
    /// has no slots to wait for (passive strategies).
    #[inline]
    pub fn retry_due(&mut self, conn: u32) -> Option<u32> {
        match self {
            ClientState::Passive => Some(conn),
            ClientState::Queued { due, .. } => {
                due.push_back(conn);
                None
            }
        }
    }

    /// Busy slots of a queued client (`None` for passive strategies).
    pub fn busy(&self) -> Option<u32> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued { busy, .. } => Some(*busy),
        }
    }

    /// The next connection a free slot submits now, if any, taking the slot; `true` when it
    /// is a due retry (served before the FIFO).
    #[inline]
    pub fn next_submission(&mut self) -> Option<(u32, bool)> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued {
                concurrency,
                busy,
                fresh,
                queue,
                due,
            } => {
                if *busy >= *concurrency {
                    return None;
                }
                let next = match due.pop_front() {
                    Some(c) => (c, true),
                    None => (fresh.next().or_else(|| queue.pop_front())?, false),
                };
                *busy += 1;
                Some(next)
            }
        }
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
            let got = random_offsets(n, SimTime(start), len, &streams);
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
