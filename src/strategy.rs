//! The client's refresh strategy: when each connection's refresh is submitted.
//!
//! - `bulk`: every connection at the window start, in connection order.
//! - `queued`: a FIFO of connections served by `concurrency` slots. A slot is busy from
//!   submission until the client learns the outcome; then the connection goes to the back of
//!   the queue (so when a pass ends within the window the next pass starts) and the slot takes
//!   the connection at the front. No submissions after the window ends.
//! - `random_offset`: each connection once, at a uniformly random instant of the window.
//!
//! Strategies only decide *when* to submit; outcomes come from the platform and the banks.

use crate::rng::{Purpose, Streams};
use crate::time::SimTime;
use rand::RngExt;
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

/// Runtime state of a strategy that reacts to outcomes.
pub enum ClientState {
    Passive,
    Queued { queue: VecDeque<u32> },
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
            let mut arrivals: Vec<(SimTime, u32)> = (0..connections)
                .map(|c| {
                    let offset = streams
                        .at(Purpose::Schedule, c, 0)
                        .random_range(0..length_us);
                    (SimTime(start.as_micros() + offset), c)
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
                    queue: (first..connections).collect(),
                },
            }
        }
    }
}

impl ClientState {
    /// The client learned the outcome of `conn`'s refresh; returns the connection the freed
    /// slot submits next, if any. `requeue` is false for a connection that needs its customer
    /// to reconnect: refreshing it again is pointless, so it leaves the queue.
    #[inline]
    pub fn on_learned(&mut self, conn: u32, requeue: bool, may_submit: bool) -> Option<u32> {
        match self {
            ClientState::Passive => None,
            ClientState::Queued { queue } => {
                if requeue {
                    queue.push_back(conn);
                }
                if may_submit {
                    queue.pop_front()
                } else {
                    None
                }
            }
        }
    }
}
