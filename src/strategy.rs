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
    /// retries whose backoff has expired (served before the FIFO).
    Queued {
        concurrency: u32,
        busy: u32,
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
    streams: &mut Streams,
) -> Plan {
    match strategy {
        Strategy::Bulk => Plan {
            arrivals: (0..connections).map(|c| (start, c)).collect(),
            state: ClientState::Passive,
        },
        Strategy::RandomOffset => {
            // One word per connection, in connection order, from the schedule stream.
            let rng = streams.sequential(Purpose::Schedule);
            let mut arrivals: Vec<(SimTime, u32)> = (0..connections)
                .map(|c| {
                    (
                        SimTime(start.as_micros() + below(rng.next_u64(), length_us)),
                        c,
                    )
                })
                .collect();
            // (time, connection) is unique, so the unstable sort is deterministic.
            arrivals.sort_unstable();
            Plan {
                arrivals,
                state: ClientState::Passive,
            }
        }
        Strategy::Queued { concurrency } => {
            let first = concurrency.min(connections);
            Plan {
                arrivals: (0..first).map(|c| (start, c)).collect(),
                state: ClientState::Queued {
                    concurrency,
                    busy: first,
                    queue: (first..connections).collect(),
                    due: VecDeque::new(),
                },
            }
        }
    }
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
                queue,
                due,
            } => {
                if *busy >= *concurrency {
                    return None;
                }
                let next = match due.pop_front() {
                    Some(c) => (c, true),
                    None => (queue.pop_front()?, false),
                };
                *busy += 1;
                Some(next)
            }
        }
    }
}
