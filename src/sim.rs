//! One run: a scenario and a seed in, a [`RunResult`] out.
//!
//! The world is one 32-byte record per connection (`Conn`), the banks, the platform and the
//! client strategy; the run loop pops events in `(time, seq)` order and dispatches on a closed
//! enum. Nothing here allocates per event, formats strings, reads the clock or does I/O.
//!
//! The client acts once per period (`PeriodStart`): bulk and random offsets through arrivals
//! that the event queue repeats every period, the queued client by refilling its queue.
//!
//! Life of a refresh attempt: `Submit` (the client's request; the platform answers at once
//! with `deduplicated` or `reconnect_required` without calling the bank, or calls the bank,
//! which rejects with 429 or admits the call) → `BankDone` (an admitted call ends in success
//! or a 5xx error) → `Learned` (the client learns the outcome by poll or callback; a queued
//! slot frees). Every attempt ends in exactly one outcome. When the client heeds no outcome,
//! the run settles each call at its admission and queues neither of the last two
//! (`settled.rs`); the results are the same.

use crate::bank::Bank;
use crate::bank::ServiceTime;
use crate::engine::{prefetch, EventQueue};
use crate::metrics::{AtOpen, Daily, DailyAge, RunResult, Staleness, Tally, TimeSeries};
use crate::platform::Platform;
use crate::retry::RetryPolicy;
use crate::rng::Streams;
use crate::scenario::Scenario;
use crate::strategy::{self, ClientState};
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

mod answer;
mod build;
mod call;
mod client;
mod dedup;
mod demand;
mod finish;
mod fresh;
mod log;
mod periods;
mod reconnect;
mod settled;

pub use log::{Attempt, AttemptLog, Reason};
use reconnect::Renewals;
use settled::Settled;

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    Success,
    RateLimited,
    Error,
    ReconnectRequired,
    Deduplicated,
}

/// The model's events. `Copy` and eight bytes: no heap allocation per event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// The client submits a refresh of this connection (`retry`: after a backoff;
    /// `present`: a customer's request through the client's slots).
    Submit {
        conn: u32,
        retry: bool,
        present: bool,
    },
    /// A bulk or random-offset refresh's planned instant under `strategy.jitter`: its
    /// `Submit` follows a drawn lateness later.
    Planned(u32),
    /// A refresh period starts: a queued client's connections are due again.
    PeriodStart,
    /// The queued kinds' band of hours closes for the day.
    BandClose,
    /// A retry's backoff has expired.
    RetryDue(u32),
    /// A queued refresh whose retries gave up goes back to the queue.
    Requeue(u32),
    /// The bank finishes serving an admitted call for this connection.
    /// (`present`, here and below: the attempt is customer-present, not the client's.)
    BankDone {
        conn: u32,
        failed: bool,
        present: bool,
    },
    /// The client learns the outcome of the connection's attempt.
    Learned {
        conn: u32,
        outcome: Outcome,
        present: bool,
    },
    /// A queued client's pool may submit again (its pace's next tick, or a pause's end).
    Wake(u32),
    /// A pool's customers in the priority lane may pass again: a Retry-After pause ended
    /// while the band of hours still holds the background.
    CustomersWake(u32),
    /// A customer asks for a refresh (the World holds which connection).
    Demand,
    /// The connection's customer reconnects after its consent expired.
    Reconnect(u32),
}

/// How many arrivals ahead the run loop prefetches connection state: far enough to cover a
/// memory access (a few events), near enough to stay in cache.
const PREFETCH_AHEAD: usize = 8;

/// Runs `scenario` with `seed` and returns what it measured.
pub fn run(scenario: &Scenario, seed: u64) -> RunResult {
    Simulation::new(scenario, seed).run()
}

/// A run built and ready to play: build (draw every connection's attributes, plan the
/// arrivals), then run (the event loop). Split so that each phase can be timed on its own;
/// [`run`] does both.
pub struct Simulation(World);

impl Simulation {
    pub fn new(scenario: &Scenario, seed: u64) -> Self {
        Simulation(World::new(scenario, seed))
    }

    /// Keeps a record of every attempt (`run_logged` returns it).
    pub fn with_attempt_log(mut self) -> Self {
        self.0.log = Some(AttemptLog::new(self.0.conns.len()));
        self
    }

    /// Plays the window event by event and returns what it measured.
    pub fn run(mut self) -> RunResult {
        self.0.play();
        self.0.finish()
    }

    /// Like [`Simulation::run`], with the attempt log (empty unless `with_attempt_log`).
    pub fn run_logged(mut self) -> (RunResult, AttemptLog) {
        self.0.play();
        let log = self.0.log.take().unwrap_or_default();
        (self.0.finish(), log)
    }
}

/// One connection's state. A submission reads and writes all of it, so it is one record in
/// one cache line (32 bytes, aligned) rather than six arrays: six cache misses per arrival
/// at millions of connections, where arrivals visit connections in random order.
#[derive(Clone, Copy, Debug)]
#[repr(align(32))]
struct Conn {
    consent_expires: SimTime,
    last_success: SimTime,
    /// Submission time of the pending bank call, `NEVER` when none is pending. A settled
    /// run (`settled.rs`), which settles a call when it is admitted, keeps when the call
    /// ends instead.
    pending_since: SimTime,
    attempts: u32,
    bank: u16,
    /// `HELD`, `RECONNECT`, `ON_DEMAND`, `SIBLING`, `FETCH` and `UNLINKED` bits (see there).
    flags: u8,
    /// The day of the last success of the background's own (its index plus one; 0: none),
    /// for the background's cover apart from customers' (`fresh.rs`). A byte, the Conn's
    /// last: windows of more days do not count it ([`crate::metrics::BACKGROUND_DAYS`]).
    background_day: u8,
}

impl Conn {
    /// Where a stalest-first pool puts the connection: by its last success, the oldest data
    /// first, a connection never refreshed first of all (0).
    #[inline]
    fn age_order(&self) -> u64 {
        match self.last_success {
            SimTime::NEVER => 0,
            t => t.as_micros() + 1,
        }
    }
}

/// The queued client holds the connection this period: in its queue, in a slot, or backing
/// off before a retry (so the period's pass skips it).
const HELD: u8 = 1;
/// The client was told the connection needs its customer to reconnect: never due again.
const RECONNECT: u8 = 2;
/// The connection's attempt in progress is a customer's on-demand request.
const ON_DEMAND: u8 = 4;
/// The connection's call in progress was triggered by the platform with a sibling account's
/// request (D•One): nobody polls for it.
const SIBLING: u8 = 8;
/// With `ON_DEMAND`: the attempt is the reconnect flow's first fetch (`reconnect.rs`), which
/// the on-demand figures leave out.
const FETCH: u8 = 16;
/// With `RECONNECT`: a connection that joins later in the window and has not yet; its
/// customer makes no request (`reconnect.rs` links it).
const UNLINKED: u8 = 32;
const _: () = assert!(
    std::mem::size_of::<Event>() == 8,
    "an event fits in a word beside its time"
);
const _: () = assert!(
    std::mem::size_of::<Conn>() == 32,
    "a Conn fills half a cache line"
);

/// A call admitted by a bank with internal servers, waiting for one.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    conn: u32,
    since: SimTime,
    service: SimDuration,
    failed: bool,
    present: bool,
}

/// Per-bank runtime state besides the policies.
#[derive(Clone, Debug, Default)]
struct BankState {
    /// Calls admitted and not yet ended (waiting for a server or served).
    in_flight: u64,
    outstanding: u64,
    busy_servers: u32,
    waiting: VecDeque<Waiting>,
}

struct World {
    streams: Streams,
    /// The client's refresh period, its workers' overhead and its planned refreshes' jitter.
    period: SimDuration,
    overhead: ServiceTime,
    jitter: SimDuration,
    /// The queued kinds' band of hours, `(from, to)` as microseconds into the day: their
    /// pools submit background refreshes only then.
    band: Option<(u64, u64)>,
    /// Queued submissions a worker has taken but not yet sent (in their overhead).
    starting: u64,
    /// Queued workers waiting to retry while keeping their slot.
    sleeping: u64,
    /// When the current period started: a connection refreshed since is done for it.
    period_started: SimTime,
    window_start: SimTime,
    window_end: SimTime,
    /// End of the warm-up: time averages integrate from here.
    measured_from: SimTime,
    platform: Platform,
    retry: RetryPolicy,
    banks: Vec<Bank>,
    state: Vec<BankState>,
    /// Connection state, indexed by connection id.
    conns: Vec<Conn>,
    /// Each connection's index among its bank's connections, for per-connection policy state
    /// (empty when no bank has any).
    local_of: Vec<u32>,
    // Retry state, allocated only when retries are enabled.
    /// Attempts made in the connection's current refresh (first attempt = 1).
    chain: Vec<u32>,
    /// Last backoff wait (decorrelated jitter needs it).
    last_wait: Vec<SimDuration>,
    /// Retry-After of the connection's last 429, `NEVER` when none.
    retry_after: Vec<SimTime>,
    /// A 429's Retry-After holds its bank's pool (`strategy.pause_on_retry_after`), when
    /// the bank refused every call, not only this connection's: per connection, the instant
    /// to hold until (empty when not pausing).
    pause_on_retry_after: bool,
    pause_at: Vec<SimTime>,
    /// Customer-initiated refreshes, the next request and the candidate index its draws
    /// continue from, each connection's open request (`NEVER`: none), and what they got.
    demand: Option<crate::demand::Customers>,
    next_request: Option<crate::demand::Request>,
    demand_index: u32,
    demand_since: Vec<SimTime>,
    demand_stats: crate::metrics::DemandStats,
    /// On-demand attempts in progress outside the client's slots (the direct lane).
    unslotted: u64,
    /// Accounts per customer (D•One refreshes a customer's accounts together): customer
    /// `c / per_customer` holds connection `c`.
    per_customer: u32,
    /// Mastercard's dedup: each connection's last refresh-triggering request and its
    /// outcome (empty under the other rules).
    last_request: Vec<SimTime>,
    last_outcome: Vec<Outcome>,
    /// For a client that heeds no outcome, its calls in progress and outcomes yet to be
    /// learned, kept instead of `BankDone` and `Learned` events (`None` otherwise; see
    /// `settled.rs`).
    settled: Option<Settled>,
    // Measurement.
    tally: Vec<Tally>,
    in_flight_all: u64,
    outstanding_all: u64,
    peak_in_flight_all: u64,
    peak_outstanding_all: u64,
    series: TimeSeries,
    daily: Daily,
    /// The calendar days a success covers: the period in days, rounded up (1 for a day or
    /// less), so that a client refreshing each connection once every two days covers it.
    cover_days: usize,
    /// The client's period (µs) where shorter than a day, else 0: what `period_covered` counts.
    short_period: u64,
    staleness: Staleness,
    at_open: AtOpen,
    daily_age: DailyAge,
    queue: EventQueue<Event>,
    client: ClientState,
    names: build::Names,
    strategy: strategy::Strategy,
    seed: u64,
    /// Every attempt, when the run keeps an attempt log.
    log: Option<AttemptLog>,
    renewals: Renewals,
    /// Connections join within the window (`population.join_share`).
    joining: bool,
}

impl World {
    fn play(&mut self) {
        self.play_events();
        self.settle_before(SimTime::NEVER);
    }

    fn play_events(&mut self) {
        while let Some((now, event)) = self.queue.pop() {
            // Arrivals come in random connection order: fetch the state of one a little
            // ahead so that its submission does not wait on memory (BENCHMARKS.md).
            if let Some(&(Event::Submit { conn: c, .. } | Event::Planned(c))) =
                self.queue.upcoming_arrival(PREFETCH_AHEAD)
            {
                prefetch(&self.conns, c as usize);
                prefetch(&self.local_of, c as usize);
            }
            let conn = match event {
                Event::Submit { conn, .. } | Event::RetryDue(conn) | Event::Requeue(conn) => conn,
                Event::Reconnect(conn) | Event::Planned(conn) => conn,
                Event::BankDone { conn, .. } | Event::Learned { conn, .. } => conn,
                Event::PeriodStart => {
                    self.period_start(now);
                    continue;
                }
                Event::BandClose => {
                    self.band_close(now);
                    continue;
                }
                Event::Wake(p) => {
                    self.wake(now, p);
                    continue;
                }
                Event::CustomersWake(p) => {
                    self.customers_wake(now, p);
                    continue;
                }
                Event::Demand => {
                    self.demand_request(now);
                    continue;
                }
            };
            self.tally[self.conns[conn as usize].bank as usize].events += 1;
            match event {
                Event::Submit {
                    conn,
                    retry,
                    present,
                } => self.submission(now, conn, retry, present),
                Event::Planned(c) => self.planned(now, c),
                Event::PeriodStart
                | Event::BandClose
                | Event::Wake(_)
                | Event::CustomersWake(_)
                | Event::Demand => {
                    unreachable!("handled above")
                }
                Event::RetryDue(c) => self.retry_due(now, c),
                Event::Requeue(c) => self.requeue(now, c),
                Event::BankDone {
                    conn,
                    failed,
                    present,
                } => self.bank_done(now, conn, failed, present),
                Event::Learned {
                    conn,
                    outcome,
                    present,
                } => self.learned(now, conn, outcome, present),
                Event::Reconnect(c) => self.reconnect(now, c),
            }
        }
    }

    /// Connection `c`'s attempt reaches the platform: the client's (`present` false) or a
    /// customer's (on-demand, or the reconnect flow's fetch), which an unattended quota lets
    /// through and whose outcome goes back to the customer.
    fn submit(&mut self, now: SimTime, c: u32, is_retry: bool, present: bool) {
        self.settle_before(now);
        let ci = c as usize;
        let b = self.conns[ci].bank as usize;
        let attempt = self.conns[ci].attempts;
        self.conns[ci].attempts += 1;
        if self.retry.enabled() {
            self.chain[ci] = if is_retry { self.chain[ci] + 1 } else { 1 };
        }
        if let Some(at) = self.retry_after.get_mut(ci) {
            // A Retry-After speaks for the 429 it came with, never for a later attempt.
            *at = SimTime::NEVER;
        }
        let t = &mut self.tally[b];
        t.attempts += 1;
        t.retries += is_retry as u64;
        t.present_attempts += present as u64;
        t.api_calls += 1;
        let day = self.daily.at(b, now);
        day.attempts += 1;
        day.api_calls += 1;
        self.series.at(b, now).submitted += 1;
        let st = &mut self.state[b];
        st.outstanding += 1;
        t.peak_outstanding = t.peak_outstanding.max(st.outstanding);
        self.outstanding_all += 1;
        self.peak_outstanding_all = self.peak_outstanding_all.max(self.outstanding_all);
        self.log_submit(now, c, present);

        let since = self.conns[ci].pending_since;
        let pending = since != SimTime::NEVER && (self.settled.is_none() || since >= now);
        let duplicate = if pending {
            None
        } else {
            self.duplicate_of(now, ci)
        };
        if pending {
            self.answer_now(now, c, Outcome::Deduplicated, present);
        } else if let Some(earlier) = duplicate {
            self.answer_duplicate(now, c, earlier, present);
        } else if self.conns[ci].consent_expires <= now {
            self.answer_now(now, c, Outcome::ReconnectRequired, present);
        } else {
            // Banks without per-connection state ignore the index.
            debug_assert!(!self.banks[b].per_connection() || ci < self.local_of.len());
            let local = self.local_of.get(ci).copied().unwrap_or(0);
            self.count_customer_attempt(ci, present);
            match self.banks[b].try_admit(now, local, present) {
                Err(refusal) => self.refused(now, c, refusal, present),
                Ok(()) => {
                    self.log_admitted(c);
                    self.note_triggered(now, ci);
                    self.start_call(now, c, attempt, present);
                }
            }
        }
        if self.per_customer > 1 && !pending && duplicate.is_none() {
            // D•One triggers every eligible account of the customer with this one.
            self.trigger_siblings(now, c, present);
        }
    }
}

/// Whether connection `ci`'s customer opens the app (everyone's, without customers): the
/// data age at app opens weighs only theirs.
#[inline]
fn asks(demand: &Option<crate::demand::Customers>, ci: usize) -> bool {
    demand.as_ref().is_none_or(|d| d.asks(ci as u32))
}
