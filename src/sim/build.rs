//! Building a run's world before its loop starts: every connection's bank and consent
//! expiry (drawn from the connection's own stream), the banks sized for their connections,
//! and the client's planned arrivals in the event queue. Kept apart from the run loop in
//! `sim.rs`; both are `impl World`.

use super::{BankState, Conn, Event, Settled, World, RECONNECT, UNLINKED};
use crate::bank::Bank;
use crate::consent::{Consents, Joins};
use crate::demand::DEFAULT_PROFILE;
use crate::engine::EventQueue;
use crate::metrics::{cover_days, AtOpen, Daily, DailyAge, Staleness, Tally, TimeSeries};
use crate::rng::{Chance, Purpose, Streams};
use crate::scenario::Scenario;
use crate::strategy::{self, ClientState};
use crate::time::SimTime;

/// What `summary.csv` names a run by: its scenario, and its client in words
/// ([`strategy::client_words`]). Two strings a run, never touched per event.
pub(super) struct Names {
    pub scenario: String,
    pub client: String,
}

impl Names {
    fn of(sc: &Scenario) -> Names {
        let (s, b) = (&sc.strategy, &sc.banks);
        Names {
            scenario: sc.name.clone(),
            client: strategy::client_words(s, (&sc.schedule, sc.window), &sc.retry, b, false),
        }
    }
}
use rand::Rng;

impl World {
    /// Builds the run of `sc` with `seed`: draws the connections, prepares the banks for
    /// them and plans the client's arrivals; every measure starts at zero.
    pub(super) fn new(sc: &Scenario, seed: u64) -> Self {
        let streams = Streams::new(seed);
        let joins = Joins::new(sc);
        // Every connection of the run, those that join included.
        let n = joins.total();
        let window_start = sc.window_start;
        let window_end = window_start + sc.window;
        let nb = sc.banks.len();
        let Population {
            conns,
            local_of,
            tally,
        } = draw_connections(sc, &streams, n);
        let banks = prepared_banks(sc, &tally);
        let (queue, client) = planned_arrivals(sc, &streams, window_end, &conns);
        let per_conn = |on: bool| if on { n as usize } else { 0 };
        let retries = sc.retry.enabled();
        let same_request = sc.platform.dedup == crate::platform::Dedup::SameRequest;
        let mut world = World {
            streams,
            period: sc.schedule.period,
            overhead: sc.schedule.overhead.clone(),
            jitter: sc.schedule.jitter,
            band: sc.schedule.band_micros(),
            starting: 0,
            sleeping: 0,
            period_started: window_start,
            window_start,
            window_end,
            measured_from: window_start + sc.warmup,
            platform: sc.platform,
            retry: sc.retry,
            banks,
            state: vec![BankState::default(); nb],
            conns,
            local_of,
            chain: vec![0; per_conn(retries)],
            last_wait: vec![sc.retry.base; per_conn(retries)],
            retry_after: vec![SimTime::NEVER; per_conn(retries)],
            pause_at: vec![SimTime::NEVER; per_conn(sc.schedule.pause_on_retry_after)],
            pause_on_retry_after: sc.schedule.pause_on_retry_after,
            demand: demand_of(sc, &streams, n),
            next_request: None,
            demand_index: 0,
            demand_since: vec![SimTime::NEVER; per_conn(customers_call(sc))],
            demand_stats: crate::metrics::DemandStats::new(nb, sc.on_demand.is_some()),
            unslotted: 0,
            per_customer: sc.connections_per_customer,
            last_request: vec![SimTime::NEVER; per_conn(same_request)],
            last_outcome: vec![super::Outcome::Deduplicated; per_conn(same_request)],
            settled: heeds_no_outcome(sc, &client).then(Settled::default),
            tally,
            in_flight_all: 0,
            outstanding_all: 0,
            peak_in_flight_all: 0,
            peak_outstanding_all: 0,
            series: TimeSeries::new(window_start, nb, sc.window),
            daily: Daily::new(window_start, sc.window, nb),
            cover_days: cover_days(sc.schedule.period),
            short_period: sc.schedule.period.as_micros() * sc.schedule.is_short() as u64,
            staleness: Staleness::new(nb, sc.age_horizon()),
            at_open: at_open(sc, nb),
            daily_age: DailyAge::new(window_start, sc.window, nb, sc.age_horizon()),
            queue,
            client,
            names: Names::of(sc),
            strategy: sc.strategy.clone(),
            seed,
            log: None,
            renewals: Default::default(),
            joining: joins.count > 0,
        };
        world.schedule_request(window_start);
        world.schedule_reconnections(sc);
        if let (Some(d), Some(pools)) = (&sc.on_demand, world.client.pools()) {
            pools.reserve(d.reserved);
        }
        world
    }
}

/// The data age customers see at app open, per bank, over the measured part of the window,
/// weighted by the scenario's app-open profile (or the default daytime one).
fn at_open(sc: &Scenario, nb: usize) -> AtOpen {
    let profile = sc.on_demand.as_ref().map_or(DEFAULT_PROFILE, |d| d.profile);
    let measured = (sc.window_start + sc.warmup, sc.window_start + sc.window);
    let at_open = AtOpen::new(nb, &profile, sc.age_horizon(), measured, sc.window_start)
        .fresh_within(sc.fresh_within);
    // Where some customers never open the app, their connections are kept too: the whole
    // book by the clock.
    match sc.on_demand.as_ref().is_some_and(|d| d.active_share < 1.0) {
        true => at_open.with_rest(),
        false => at_open,
    }
}

/// Does the client heed no outcome it learns, so that the run can settle each call when it
/// is admitted (`settled.rs`)? Bulk and random offset without retries, on-demand requests,
/// pauses or sibling accounts only count their outcomes off (a reconnect flow's fetch, whose
/// outcome nobody waits for either, is settled too). Its period must also outlast an immediate answer's delay: a
/// `reconnect_required` is then learned before the connection is next due, so its flag can
/// be set when the answer is decided. A bank with internal servers decides when a call
/// ends only once a server takes it, so it keeps its events. A jitter's late submissions
/// come from the heap, after the calls ending at their instant that were scheduled before
/// them (no longer first, as a planned arrival is), and two of a connection's may be less
/// than a period apart: they keep their events too.
fn heeds_no_outcome(sc: &Scenario, client: &ClientState) -> bool {
    let answer = sc.platform.learn(SimTime::ZERO, SimTime::ZERO).at;
    client.busy().is_none()
        && !sc.retry.enabled()
        && sc.on_demand.is_none()
        && sc.connections_per_customer <= 1
        && !sc.schedule.pause_on_retry_after
        && sc.banks.iter().all(|b| b.servers.is_none())
        && sc.schedule.period.as_micros() > answer.as_micros()
        && sc.schedule.jitter.is_zero()
}

/// The customers' requests at the scenario's connections (a rate a connection scales), and
/// whose customers ask.
fn demand_of(sc: &Scenario, streams: &Streams, records: u32) -> Option<crate::demand::Customers> {
    let d = sc.on_demand.as_ref()?;
    let sizes = (sc.connections, records, sc.connections_per_customer);
    Some(crate::demand::Customers::new(d, sizes, streams))
}

/// Do customers call the bank themselves (on-demand requests, or the reconnect flow's
/// fetch)?
fn customers_call(sc: &Scenario) -> bool {
    sc.on_demand.is_some() || Consents::new(sc).reconnects() || Joins::new(sc).count > 0
}

/// The connections drawn for a run.
struct Population {
    /// Connection state, indexed by connection id.
    conns: Vec<Conn>,
    /// Each connection's index among its bank's connections (empty when no bank keeps
    /// per-connection policy state).
    local_of: Vec<u32>,
    /// One tally per bank, its connections counted.
    tally: Vec<Tally>,
}

/// Draws every connection's bank and consent expiry from its own stream, so that a
/// connection's attributes depend only on the seed and its id; `n` counts those that join
/// too. Those that join later hold
/// no consent until they do (`reconnect.rs` links them), and the client does not know them.
fn draw_connections(sc: &Scenario, streams: &Streams, n: u32) -> Population {
    let cuts = bank_cuts(sc);
    let consents = Consents::new(sc);
    let mut conns = Vec::with_capacity(n as usize);
    // Index within the bank, kept only when a bank has per-connection policy state.
    let keep_local = sc.banks.iter().any(Bank::per_connection);
    let mut local_of = Vec::with_capacity(if keep_local { n as usize } else { 0 });
    let mut tally: Vec<Tally> = (sc.banks.iter())
        .map(|b| Tally {
            refused_by: vec![0; b.limits.len().min(64)],
            ..Tally::default()
        })
        .collect();
    for c in 0..n {
        // Its bank, whether its consent expires, and if so when.
        let mut rng = streams.at(Purpose::Connection, c, 0);
        let w_bank = rng.next_u64();
        // The cuts ascend, so the bank is the number of cuts the word passes (counted
        // without a branch: the bank is random, a loop exit would be mispredicted).
        let b = cuts.iter().filter(|cut| !cut.hit(w_bank)).count();
        let joins = c >= sc.connections;
        conns.push(Conn {
            consent_expires: if joins {
                sc.window_start
            } else {
                consents.first_expiry(&mut rng)
            },
            last_success: SimTime::NEVER,
            pending_since: SimTime::NEVER,
            attempts: 0,
            bank: b as u16,
            flags: if joins { RECONNECT | UNLINKED } else { 0 },
            background_day: 0,
        });
        if keep_local {
            local_of.push(tally[b].connections as u32);
        }
        tally[b].connections += 1;
    }
    Population {
        conns,
        local_of,
        tally,
    }
}

/// The banks' cumulative shares as cuts on a word; the last bank takes the remainder so
/// rounding loses no one.
fn bank_cuts(sc: &Scenario) -> Vec<Chance> {
    let nb = sc.banks.len();
    let mut cuts = Vec::with_capacity(nb - 1);
    let mut acc = 0.0;
    for b in &sc.banks[..nb - 1] {
        acc += b.share;
        cuts.push(Chance::new(acc));
    }
    cuts
}

/// The scenario's banks, each prepared for the connections its tally counts.
fn prepared_banks(sc: &Scenario, tally: &[Tally]) -> Vec<Bank> {
    let mut banks = sc.banks.clone();
    for (bank, t) in banks.iter_mut().zip(tally) {
        bank.prepare(t.connections as u32);
    }
    banks
}

/// The event queue holding the client's planned arrivals (repeated every period), and the
/// client's state; a queued client's first period starts with the window (or its band).
fn planned_arrivals(
    sc: &Scenario,
    streams: &Streams,
    window_end: SimTime,
    conns: &[Conn],
) -> (EventQueue<Event>, ClientState) {
    let window_start = sc.window_start;
    let clientele = strategy::Clientele {
        connections: conns.len() as u32,
        banks: sc.banks.len(),
        bank_of: |c: u32| conns[c as usize].bank as usize,
    };
    let plan = strategy::plan(
        &sc.strategy,
        &sc.schedule,
        clientele,
        window_start,
        sc.window,
        streams,
    );
    let arrivals = plan
        .arrivals
        .into_iter()
        .map(|(t, c)| {
            let event = match sc.schedule.jitter.is_zero() {
                true => Event::Submit {
                    conn: c,
                    retry: false,
                    present: false,
                },
                false => Event::Planned(c),
            };
            (t, event)
        })
        .collect();
    let mut queue =
        EventQueue::with_periodic_arrivals(arrivals, plan.period, plan.periods, window_end);
    if matches!(plan.state, ClientState::Queued(_)) {
        let band = sc.schedule.band_micros();
        let first = super::client::first_period_start(band, window_start);
        if first < window_end {
            queue.schedule(first, Event::PeriodStart);
        }
    }
    (queue, plan.state)
}
