//! One run: a scenario and a seed in, a [`RunResult`] out.
//!
//! The world is struct-of-arrays connection state, the banks, the platform and the client
//! strategy; the run loop pops events in `(time, seq)` order and dispatches on a closed enum.
//! Nothing here allocates per event, formats strings, reads the clock or does I/O.
//!
//! Life of a refresh attempt: `Submit` (the client's request; the platform answers at once
//! with `deduplicated` or `reconnect_required` without calling the bank, or calls the bank,
//! which rejects with 429 or admits the call) → `BankDone` (an admitted call ends in success
//! or a 5xx error) → `Learned` (the client learns the outcome by poll or callback; a queued
//! slot frees). Every attempt ends in exactly one outcome.

use crate::bank::Bank;
use crate::engine::EventQueue;
use crate::metrics::{Level, RunResult, Staleness, Tally, TimeSeries};
use crate::platform::Platform;
use crate::rng::{Purpose, Streams};
use crate::scenario::Scenario;
use crate::strategy::{self, ClientState};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;

/// The model's events. `Copy` and eight bytes: no heap allocation per event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// The client submits a refresh of this connection.
    Submit(u32),
    /// The bank finishes serving an admitted call for this connection.
    BankDone { conn: u32, failed: bool },
    /// The client learns the outcome; `requeue` is false when the connection needs the
    /// customer to reconnect (a queued client drops it).
    Learned { conn: u32, requeue: bool },
}

/// Runs `scenario` with `seed` and returns what it measured.
pub fn run(scenario: &Scenario, seed: u64) -> RunResult {
    World::new(scenario, seed).run()
}

struct World {
    streams: Streams,
    window_start: SimTime,
    window_end: SimTime,
    platform: Platform,
    banks: Vec<Bank>,
    // Connection state, struct-of-arrays, indexed by connection id.
    bank_of: Vec<u16>,
    consent_expires: Vec<SimTime>,
    last_success: Vec<SimTime>,
    /// Submission time of the pending bank call, `NEVER` when none is pending.
    pending_since: Vec<SimTime>,
    attempts_of: Vec<u32>,
    // Measurement.
    tally: Vec<Tally>,
    level: Vec<Level>,
    in_flight_all: u64,
    outstanding: Vec<u64>,
    outstanding_all: u64,
    peak_in_flight_all: u64,
    peak_outstanding_all: u64,
    series: TimeSeries,
    queue: EventQueue<Event>,
    client: ClientState,
    scenario_name: String,
    strategy: strategy::Strategy,
    seed: u64,
}

impl World {
    fn new(sc: &Scenario, seed: u64) -> Self {
        let mut streams = Streams::new(seed);
        let n = sc.connections;
        let window_start = sc.window_start;
        let window_end = window_start + sc.window;
        let nb = sc.banks.len();

        // Cumulative shares; the last bank takes the remainder so rounding loses no one.
        let mut cum = Vec::with_capacity(nb);
        let mut acc = 0.0;
        for b in &sc.banks {
            acc += b.share;
            cum.push(acc);
        }
        let mut bank_of = Vec::with_capacity(n as usize);
        let mut consent_expires = Vec::with_capacity(n as usize);
        let mut tally = vec![Tally::default(); nb];
        for c in 0..n {
            // Fixed draw order: bank, then whether consent expires, then when.
            let rng = streams.at(Purpose::Connection, c, 0);
            let u: f64 = rng.random();
            let b = cum[..nb - 1].iter().position(|&x| u < x).unwrap_or(nb - 1);
            let expires = if rng.random::<f64>() < sc.consent_expiry_share {
                window_start + SimDuration(rng.random_range(0..sc.window.as_micros()))
            } else {
                SimTime::NEVER
            };
            bank_of.push(b as u16);
            consent_expires.push(expires);
            tally[b].connections += 1;
        }

        let plan = strategy::plan(
            sc.strategy,
            n,
            window_start,
            sc.window.as_micros(),
            &mut streams,
        );
        let arrivals = plan
            .arrivals
            .into_iter()
            .map(|(t, c)| (t, Event::Submit(c)))
            .collect();

        World {
            streams,
            window_start,
            window_end,
            platform: sc.platform,
            banks: sc.banks.clone(),
            bank_of,
            consent_expires,
            last_success: vec![SimTime::NEVER; n as usize],
            pending_since: vec![SimTime::NEVER; n as usize],
            attempts_of: vec![0; n as usize],
            tally,
            level: vec![Level::default(); nb],
            in_flight_all: 0,
            outstanding: vec![0; nb],
            outstanding_all: 0,
            peak_in_flight_all: 0,
            peak_outstanding_all: 0,
            series: TimeSeries::new(window_start, nb, sc.window),
            queue: EventQueue::with_arrivals(arrivals),
            client: plan.state,
            scenario_name: sc.name.clone(),
            strategy: sc.strategy,
            seed,
        }
    }

    fn run(mut self) -> RunResult {
        while let Some((now, event)) = self.queue.pop() {
            match event {
                Event::Submit(c) => {
                    self.tally[self.bank_of[c as usize] as usize].events += 1;
                    self.submit(now, c);
                }
                Event::BankDone { conn, failed } => self.bank_done(now, conn, failed),
                Event::Learned { conn, requeue } => self.learned(now, conn, requeue),
            }
        }
        self.finish()
    }

    fn submit(&mut self, now: SimTime, c: u32) {
        let ci = c as usize;
        let b = self.bank_of[ci] as usize;
        let attempt = self.attempts_of[ci];
        self.attempts_of[ci] += 1;
        let t = &mut self.tally[b];
        t.attempts += 1;
        t.api_calls += 1;
        self.series.at(b, now).submitted += 1;
        self.outstanding[b] += 1;
        self.outstanding_all += 1;
        t.peak_outstanding = t.peak_outstanding.max(self.outstanding[b]);
        self.peak_outstanding_all = self.peak_outstanding_all.max(self.outstanding_all);

        let pending = self.pending_since[ci] != SimTime::NEVER;
        if pending || self.platform.is_duplicate(now, self.last_success[ci]) {
            t.deduplicated += 1;
            self.answer_now(now, c, true);
        } else if self.consent_expires[ci] <= now {
            t.reconnect_required += 1;
            self.answer_now(now, c, false);
        } else if self.banks[b].try_admit(now).is_err() {
            t.rate_limited += 1;
            self.series.at(b, now).rate_limited += 1;
            self.answer_now(now, c, true);
        } else {
            let (service, failed) =
                self.banks[b].draw_call(self.streams.at(Purpose::Call, c, attempt));
            self.change_in_flight(now, b, 1);
            self.pending_since[ci] = now;
            self.queue
                .schedule(now + service, Event::BankDone { conn: c, failed });
        }
    }

    /// An outcome decided at submission (no bank call in progress).
    fn answer_now(&mut self, now: SimTime, c: u32, requeue: bool) {
        let b = self.bank_of[c as usize] as usize;
        let learned = self.platform.learn(now, now);
        self.tally[b].api_calls += learned.polls as u64;
        self.queue
            .schedule(learned.at, Event::Learned { conn: c, requeue });
    }

    fn bank_done(&mut self, now: SimTime, c: u32, failed: bool) {
        let ci = c as usize;
        let b = self.bank_of[ci] as usize;
        self.banks[b].release();
        self.change_in_flight(now, b, -1);
        let t = &mut self.tally[b];
        t.events += 1;
        if failed {
            t.errors += 1;
            self.series.at(b, now).errors += 1;
        } else {
            t.successes += 1;
            self.series.at(b, now).successes += 1;
            self.last_success[ci] = now;
        }
        let submitted = std::mem::replace(&mut self.pending_since[ci], SimTime::NEVER);
        let learned = self.platform.learn(submitted, now);
        self.tally[b].api_calls += learned.polls as u64;
        self.queue.schedule(
            learned.at,
            Event::Learned {
                conn: c,
                requeue: true,
            },
        );
    }

    fn learned(&mut self, now: SimTime, c: u32, requeue: bool) {
        let b = self.bank_of[c as usize] as usize;
        self.tally[b].events += 1;
        self.outstanding[b] -= 1;
        self.outstanding_all -= 1;
        let may_submit = now < self.window_end;
        if let Some(next) = self.client.on_learned(c, requeue, may_submit) {
            self.submit(now, next);
        }
    }

    fn change_in_flight(&mut self, now: SimTime, b: usize, delta: i64) {
        let window = (self.window_start, self.window_end);
        self.level[b].change(now, delta, b, window, &mut self.tally[b], &mut self.series);
        self.in_flight_all = self.in_flight_all.checked_add_signed(delta).expect(">= 0");
        self.peak_in_flight_all = self.peak_in_flight_all.max(self.in_flight_all);
    }

    fn finish(mut self) -> RunResult {
        debug_assert!(
            self.level.iter().all(|l| l.current == 0),
            "calls left in flight"
        );
        let window = self.window_end - self.window_start;
        let mut staleness = Staleness::new(self.banks.len(), window);
        for (ci, &b) in self.bank_of.iter().enumerate() {
            let t = &mut self.tally[b as usize];
            let refreshed = self.last_success[ci] != SimTime::NEVER;
            if refreshed {
                staleness.record(
                    b as usize,
                    self.window_end.saturating_since(self.last_success[ci]),
                );
            }
            let eligible = self.consent_expires[ci] == SimTime::NEVER;
            t.refreshed += refreshed as u64;
            t.eligible += eligible as u64;
            t.covered += (refreshed && eligible) as u64;
        }
        RunResult {
            scenario: self.scenario_name,
            strategy: self.strategy.name(),
            concurrency: self.strategy.concurrency(),
            seed: self.seed,
            window_start: self.window_start,
            window,
            bank_names: self.banks.iter().map(|b| b.name.clone()).collect(),
            banks: self.tally,
            peak_in_flight_all: self.peak_in_flight_all,
            peak_outstanding_all: self.peak_outstanding_all,
            finished: self.queue.now().max(self.window_end),
            series: self.series,
            staleness,
        }
    }
}
