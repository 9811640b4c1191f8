//! What a run measures: outcome counters, in-flight levels and per-minute time series.
//!
//! Counters are plain integers updated in place on the hot path (no allocation, no strings);
//! rates and shares are derived once at the end in [`Summary`]. Definitions:
//!
//! - `failure_rate = (rate_limited + errors) / attempts`
//! - days are 24 h from the window's start; the *measured* days are those after the warm-up
//! - `coverage` = over the measured days, the connection-days refreshed successfully out of
//!   the connection-days due (a connection is due on a day when its consent is valid through
//!   the day's end); a success ending after the window closes is a `late_success`: an
//!   outcome, but not a refresh within the window
//! - `refreshes_per_hour` = successes within the window after any warm-up, per hour of it
//! - `users_per_day` = distinct connections refreshed successfully each measured day,
//!   averaged over those days (whole days only; a window shorter than a day counts its
//!   distinct users in the window, unscaled)
//! - `mean_in_flight` = time-average of calls at the bank (served or queued inside it) over
//!   the window after any warm-up (`all`: summed over banks); `peak_in_flight` its maximum
//! - `api_calls` = refresh requests + status polls
//! - staleness = the age of each connection's data over the measured time, time-weighted,
//!   over every connection while its consent is valid ([`Staleness`])
//! - `attempts_per_success`, `api_calls_per_success`: the work a successful refresh costs

use crate::time::{SimDuration, SimTime};

mod at_open;
mod daily_age;
mod demand;
mod series;
mod staleness;
pub use at_open::{AtOpen, Between, HourAge};
pub use daily_age::{DailyAge, DayAge, Held, STALE_FOR, STALE_HOURS};
pub use demand::DemandStats;
use series::MINUTE_US;
pub use series::{Minute, TimeSeries};
pub use staleness::{past_horizon, staleness_horizon, Ramps, Staleness};

/// Counters for one bank (or, summed, for all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub connections: u64,
    /// Connection-days due over the measured days: each day, the connections whose consent
    /// is valid through the day's end.
    pub eligible: u64,
    /// Of those, the connection-days with a success that day.
    pub covered: u64,
    /// Of those, the connection-days covered by the background's own successes (customers'
    /// requests and the refreshes they trigger apart).
    pub background_covered: u64,
    /// With a period shorter than a day, the connection-periods covered: a due connection's
    /// first success in one of the client's periods (see [`DayTally::period_covered`]), and
    /// those due: each day's due connections times its periods, less those before a
    /// connection linked or reconnected that day.
    pub period_covered: u64,
    pub period_due: u64,
    /// Connection-days with a success that day, over the measured days (consent expiring
    /// later that day or not).
    pub users: u64,
    /// Distinct connections with at least one success.
    pub refreshed: u64,
    pub attempts: u64,
    /// Attempts that were retries of a failed attempt (included in `attempts`).
    pub retries: u64,
    /// Calls the bank admitted (successes and errors, once they finish).
    pub admitted: u64,
    /// Admitted calls that waited for a server (banks with internal servers).
    pub waited: u64,
    /// Total time admitted calls waited for a server, in microseconds.
    pub wait_total: u128,
    /// Total time from admission to answer of finished calls, in microseconds.
    pub sojourn_total: u128,
    pub successes: u64,
    /// Successes after the warm-up and before the window's end: the basis of refreshes/hour.
    pub successes_after_warmup: u64,
    /// Successes of calls admitted in the window that finished after it closed (included in
    /// `successes`, left out of coverage, users per day, refreshes per hour and staleness).
    pub late_successes: u64,
    pub rate_limited: u64,
    /// Of the 429s, those given while a maintenance window was closed to every call.
    pub outage_rejected: u64,
    /// A bank's refusals by which of its `limits` refused (`refused_by[i]` for `limits[i]`;
    /// a call two refused counts at both; the 64th counts any after it). Empty for `all`.
    pub refused_by: Vec<u64>,
    /// Customer-present attempts (requests, link and reconnect fetches) and their 429s (503s
    /// apart): what the background strategy does not send, for a plan to judge it alone.
    pub present_attempts: u64,
    pub present_rate_limited: u64,
    pub errors: u64,
    pub reconnect_required: u64,
    pub deduplicated: u64,
    /// Customers who reconnected after their consent expired (warm-up included, as the
    /// outcomes are).
    pub reconnected: u64,
    /// Connections linked during the window (`population.join_share`), warm-up included.
    pub joined: u64,
    /// Calls the platform made for accounts the client did not ask about (D•One refreshes
    /// a customer's accounts together); not attempts.
    pub triggered: u64,
    pub api_calls: u64,
    /// The API calls made at the bank: admissions times its `calls_per_refresh` (counted
    /// as the run closes), where `api_calls` are the client's calls to the aggregator.
    pub bank_calls: u64,
    /// Of the admissions, the customer-present ones; and of `bank_calls`, their calls.
    pub present_admitted: u64,
    pub customer_bank_calls: u64,
    pub events: u64,
    pub peak_in_flight: u64,
    /// Integral of in-flight calls over the window, in call·microseconds.
    pub in_flight_area: u128,
    /// Most refreshes the client had outstanding at once (submitted, outcome not yet learned).
    pub peak_outstanding: u64,
}

impl Tally {
    /// A call in flight over `[from, to)`: its time within `window` (the measured part of
    /// the run) adds to the integral `mean_in_flight` averages, which is the sum of the
    /// calls' times in flight.
    #[inline]
    pub fn add_in_flight(&mut self, window: (SimTime, SimTime), from: SimTime, to: SimTime) {
        let (lo, hi) = (from.max(window.0), to.min(window.1));
        if hi > lo {
            self.in_flight_area += (hi - lo).as_micros() as u128;
        }
    }

    /// The 429s the client's own traffic caused (its customers' calls included, a closed
    /// bank's 503s apart) over its attempts: what `plan` bounds by default, and
    /// `summary.csv`'s `client_failure_rate`. 0 without attempts.
    pub fn client_failure_rate(&self) -> f64 {
        match self.attempts {
            0 => 0.0,
            n => (self.rate_limited - self.outage_rejected) as f64 / n as f64,
        }
    }

    /// Sum of every outcome: equals `attempts` when nothing is lost or counted twice.
    pub fn outcomes(&self) -> u64 {
        self.successes
            + self.rate_limited
            + self.errors
            + self.reconnect_required
            + self.deduplicated
    }

    /// Adds another tally's counters (peaks add too: `all` sums the banks' peaks only where
    /// it has none of its own, see [`RunResult::total`]).
    pub fn add(&mut self, o: &Tally) {
        self.connections += o.connections;
        self.eligible += o.eligible;
        self.covered += o.covered;
        self.background_covered += o.background_covered;
        self.period_covered += o.period_covered;
        self.period_due += o.period_due;
        self.users += o.users;
        self.refreshed += o.refreshed;
        self.attempts += o.attempts;
        self.retries += o.retries;
        self.admitted += o.admitted;
        self.bank_calls += o.bank_calls;
        self.present_admitted += o.present_admitted;
        self.customer_bank_calls += o.customer_bank_calls;
        self.waited += o.waited;
        self.wait_total += o.wait_total;
        self.sojourn_total += o.sojourn_total;
        self.successes += o.successes;
        self.successes_after_warmup += o.successes_after_warmup;
        self.late_successes += o.late_successes;
        self.rate_limited += o.rate_limited;
        self.outage_rejected += o.outage_rejected;
        self.present_attempts += o.present_attempts;
        self.present_rate_limited += o.present_rate_limited;
        self.errors += o.errors;
        self.reconnect_required += o.reconnect_required;
        self.deduplicated += o.deduplicated;
        self.reconnected += o.reconnected;
        self.joined += o.joined;
        self.triggered += o.triggered;
        self.api_calls += o.api_calls;
        self.events += o.events;
        self.in_flight_area += o.in_flight_area;
    }
}

/// One day's counters for one bank. Days are 24 h from the window's start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayTally {
    pub attempts: u64,
    pub successes: u64,
    pub rate_limited: u64,
    /// Of `rate_limited`, the calls a closed maintenance window refused (503s).
    pub outage_rejected: u64,
    pub errors: u64,
    pub reconnect_required: u64,
    pub deduplicated: u64,
    pub api_calls: u64,
    /// Customers who reconnected that day after their consent expired.
    pub reconnected: u64,
    /// Connections linked that day.
    pub joined: u64,
    /// Distinct connections refreshed successfully that day.
    pub users: u64,
    /// Connections due that day: consent valid through the day's end.
    pub eligible: u64,
    /// Due connections covered that day: refreshed successfully on it, or, with a period of
    /// `k` days, on one of the `k − 1` days before ([`cover_days`]).
    pub covered: u64,
    /// Of `covered`, those the background's own successes cover (customers' requests and the
    /// refreshes they trigger apart), counted only while [`Daily::tracks_background`].
    pub background_covered: u64,
    /// With a period shorter than a day, the due connections' first successes in each of the
    /// client's periods (counted from the window's start) that start this day and end within
    /// the window: the share of each period's connections refreshed in it, which a day's
    /// coverage (one success a day) does not see (`sim/periods.rs`).
    pub period_covered: u64,
    /// The day's periods due connections could not be refreshed in: those of the day before
    /// the one the connection linked or reconnected in.
    pub period_unreachable: u64,
    /// Periods begun this day by connections not due on it, that linked or reconnected
    /// within them the next day (a period across midnight): due all the same.
    pub period_joined: u64,
    /// The day's connection-periods due: its due connections times the periods that start
    /// this day and end within the window, with `period_joined`, less
    /// `period_unreachable`; filled as the run closes (0 for a period of a day or longer).
    pub period_due: u64,
    /// The API calls made at the bank that day (admissions times its `calls_per_refresh`),
    /// and of them the customers'; filled from the per-minute series as the run closes.
    pub bank_calls: u64,
    pub customer_bank_calls: u64,
}

/// The longest window, in days, whose background cover is counted (a byte holds the day).
pub const BACKGROUND_DAYS: usize = 254;

/// Per-day, per-bank counters: `days[d * banks + b]`. Outcomes after the window's end (calls
/// that drain) count in its last day, so each column sums to the run's total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Daily {
    pub banks: usize,
    pub start: SimTime,
    pub end: SimTime,
    pub days: Vec<DayTally>,
    /// The last day's index, kept so that `day_of` divides by a constant only.
    last_day: usize,
}

pub use crate::time::DAY_US;

/// The calendar days one success covers for a client that refreshes once per `period`: the
/// period in whole days, rounded up, at least 1. A daily client covers a connection on the
/// day it refreshes it; one that refreshes every two days covers it that day and the next.
pub fn cover_days(period: SimDuration) -> usize {
    period.as_micros().div_ceil(DAY_US).max(1) as usize
}

impl Daily {
    pub fn new(start: SimTime, window: SimDuration, banks: usize) -> Self {
        let n = window.as_micros().div_ceil(DAY_US).max(1) as usize;
        Daily {
            banks,
            start,
            end: start + window,
            days: vec![DayTally::default(); n * banks],
            last_day: n - 1,
        }
    }

    pub fn len_days(&self) -> usize {
        self.last_day + 1
    }

    /// The day holding `t` (the last for times after the window).
    #[inline]
    pub fn day_of(&self, t: SimTime) -> usize {
        ((t.saturating_since(self.start).as_micros() / DAY_US) as usize).min(self.last_day)
    }

    /// The end of day `d` (the window's end for the last).
    pub fn day_end(&self, d: usize) -> SimTime {
        (self.start + SimDuration((d as u64 + 1) * DAY_US)).min(self.end)
    }

    /// Bank `b`'s counters for the day holding `t`.
    #[inline]
    pub fn at(&mut self, bank: usize, t: SimTime) -> &mut DayTally {
        let d = self.day_of(t);
        &mut self.days[d * self.banks + bank]
    }

    /// One day's counters summed over banks.
    pub fn total(&self, d: usize) -> DayTally {
        let mut t = DayTally::default();
        for x in &self.days[d * self.banks..(d + 1) * self.banks] {
            t.attempts += x.attempts;
            t.successes += x.successes;
            t.rate_limited += x.rate_limited;
            t.outage_rejected += x.outage_rejected;
            t.errors += x.errors;
            t.reconnect_required += x.reconnect_required;
            t.deduplicated += x.deduplicated;
            t.api_calls += x.api_calls;
            t.reconnected += x.reconnected;
            t.joined += x.joined;
            t.users += x.users;
            t.eligible += x.eligible;
            t.covered += x.covered;
            t.background_covered += x.background_covered;
            t.period_covered += x.period_covered;
            t.period_unreachable += x.period_unreachable;
            t.period_joined += x.period_joined;
            t.period_due += x.period_due;
            t.bank_calls += x.bank_calls;
            t.customer_bank_calls += x.customer_bank_calls;
        }
        t
    }

    /// Each day's calls at each bank, from the series' admissions by the minute:
    /// `per_refresh[b]` calls each at bank `b`. The series starts where the days do and holds
    /// every admission (calls are admitted in the window only; the series runs a day past it).
    pub fn add_bank_calls(&mut self, series: &TimeSeries, per_refresh: &[u32]) {
        let minutes_a_day = (DAY_US / MINUTE_US) as usize;
        let nb = self.banks.max(1);
        for (m, row) in series.minutes.chunks(nb).enumerate() {
            let d = (m / minutes_a_day).min(self.last_day);
            for (b, x) in row.iter().enumerate() {
                let t = &mut self.days[d * nb + b];
                t.bank_calls += x.admitted as u64 * per_refresh[b] as u64;
                t.customer_bank_calls += x.present_admitted as u64 * per_refresh[b] as u64;
            }
        }
    }

    /// Whether the background's cover is counted: a connection keeps the day of its last
    /// background success in a byte (`sim.rs`'s `Conn`), so up to [`BACKGROUND_DAYS`] days.
    pub fn tracks_background(&self) -> bool {
        self.len_days() <= BACKGROUND_DAYS
    }

    /// The days the figures average over: the whole days that start after the warm-up. A
    /// day cut short by the window's end is left out (its distinct users are not a day's),
    /// unless no whole day is measured (a window shorter than a day past its warm-up): then
    /// the days that end after the warm-up count as they are, unscaled.
    pub fn measured(&self, measured_from: SimTime) -> Vec<usize> {
        let from = |d: usize| self.start + SimDuration(d as u64 * DAY_US);
        let whole = |d: usize| self.day_end(d) - from(d) == SimDuration(DAY_US);
        let days: Vec<usize> = (0..self.len_days())
            .filter(|&d| from(d) >= measured_from && whole(d))
            .collect();
        if days.is_empty() {
            (0..self.len_days())
                .filter(|&d| self.day_end(d) > measured_from)
                .collect()
        } else {
            days
        }
    }
}

/// Everything a run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub scenario: String,
    pub strategy: &'static str,
    pub concurrency: Option<u32>,
    /// Which due connection the client's pools took next: `Some("fifo")` or
    /// `Some("stalest")` (`strategy.order`), `None` for a client without a queue.
    pub order: Option<&'static str>,
    /// The whole client in words: setting, hours, order, pausing, retries
    /// ([`crate::strategy::client_words`]).
    pub client: String,
    /// The run's name for reports (`run --label`); empty when none was given (the
    /// simulation itself leaves it so).
    pub label: String,
    pub seed: u64,
    pub window_start: SimTime,
    pub window: SimDuration,
    /// Leading part of the window excluded from time averages.
    pub warmup: SimDuration,
    pub bank_names: Vec<String>,
    /// Each bank's `limits` by kind, in order (what [`Tally::refused_by`] counts by).
    pub limit_kinds: Vec<Vec<&'static str>>,
    /// Each bank's API calls a refresh (its `calls_per_refresh`), in the banks' order.
    pub calls_per_refresh: Vec<u32>,
    pub banks: Vec<Tally>,
    /// Peak of calls in flight across all banks at once.
    pub peak_in_flight_all: u64,
    /// Peak of refreshes outstanding at the client across all banks.
    pub peak_outstanding_all: u64,
    /// Time the last event happened (the window end or later, when calls drain).
    pub finished: SimTime,
    /// Time of the last successful refresh, if any.
    pub last_success: Option<SimTime>,
    pub series: TimeSeries,
    pub staleness: Staleness,
    /// Data age weighted by the app-open profile: what customers see when they look.
    pub at_open: AtOpen,
    pub daily: Daily,
    /// Data age day by day, per bank (`daily.csv`'s age columns).
    pub daily_age: DailyAge,
    /// How many days the per-day figures average over (whole days after the warm-up).
    pub measured_days: f64,
    /// The client's period, where shorter than a day: what `period_coverage` counts by.
    pub short_period: Option<SimDuration>,
    /// The client's period (`strategy.period`): `summary.csv`'s `period_hours`; the
    /// calendar days one success covers are [`cover_days`] of it.
    pub period: SimDuration,
    /// A queued client's slots per pool (one pool, or one per bank), averaged over the window:
    /// the fixed slots, or an adaptive pool's time-averaged limit. Empty for passive clients.
    pub pool_slots: Vec<f64>,
    /// Customer-initiated refreshes (empty counters when the scenario has none).
    pub demand: DemandStats,
}

impl RunResult {
    /// Counters summed over banks, with the all-bank peaks.
    pub fn total(&self) -> Tally {
        let mut t = Tally::default();
        for b in &self.banks {
            t.add(b);
        }
        t.peak_in_flight = self.peak_in_flight_all;
        t.peak_outstanding = self.peak_outstanding_all;
        t
    }

    /// The most calls bank `bank` (`None`: all) admitted in any hour after the warm-up, the
    /// hour sliding by minutes: what a fitted bank's tested traffic is set against.
    pub fn busiest_hour(&self, bank: Option<usize>) -> u64 {
        let minute = |d: SimDuration| (d.as_micros() / MINUTE_US) as usize;
        let measured = (minute(self.warmup), minute(self.window));
        self.series.busiest(bank, measured, 60)
    }

    /// Derived figures for bank `i`, or for all banks with `None`.
    pub fn summary(&self, bank: Option<usize>) -> Summary {
        let tally = match bank {
            Some(i) => self.banks[i].clone(),
            None => self.total(),
        };
        let mut s = Summary::new(tally, self.window, self.warmup, self.measured_days);
        s.staleness_p50_hours = self.staleness.quantile_hours(bank, 0.5);
        s.staleness_p95_hours = self.staleness.quantile_hours(bank, 0.95);
        s.staleness_p99_hours = self.staleness.quantile_hours(bank, 0.99);
        s.age_horizon_hours = self.staleness.horizon_hours();
        s.stale_24h_share = self.staleness.share_older_than(bank, 24);
        s.stale_48h_share = self.staleness.share_older_than(bank, 48);
        self.at_open.summarise(bank, &mut s);
        s.on_demand_requests = self.demand.requests_of(bank);
        s.on_demand_attempts = self.demand.attempts_of(bank);
        s.on_demand_failure_rate = self.demand.failure_rate(bank);
        s.on_demand_p50_seconds = self.demand.wait_quantile_seconds(bank, 0.5);
        s.on_demand_p95_seconds = self.demand.wait_quantile_seconds(bank, 0.95);
        s.background_coverage = s
            .background_coverage
            .filter(|_| self.daily.tracks_background());
        let t = &s.tally;
        s.period_coverage = (self.short_period.is_some() && t.period_due > 0)
            .then(|| t.period_covered as f64 / t.period_due as f64);
        s
    }
}

/// A tally with its derived rates.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub tally: Tally,
    pub failure_rate: f64,
    pub coverage: f64,
    /// The coverage the background's own successes give (`None` past [`BACKGROUND_DAYS`]):
    /// `coverage` less what customers' requests added.
    pub background_coverage: Option<f64>,
    /// With a period shorter than a day, the coverage of each period: the share of the due
    /// connections refreshed in each of the client's periods (`None` for a day or longer,
    /// where `coverage` is it).
    pub period_coverage: Option<f64>,
    pub refreshes_per_hour: f64,
    pub users_per_day: f64,
    pub mean_in_flight: f64,
    /// Share of all connections with at least one success.
    pub final_success_share: f64,
    /// Percentiles of data age over connection-time (hours, minute resolution; infinite
    /// when they fall among connections never refreshed).
    pub staleness_p50_hours: Option<f64>,
    pub staleness_p95_hours: Option<f64>,
    pub staleness_p99_hours: Option<f64>,
    /// The oldest age the percentiles resolve (hours): one past it is a lower bound
    /// ([`past_horizon`]); infinite where no horizon applies.
    pub age_horizon_hours: f64,
    /// Share of connection-time with data 24 h / 48 h old or older, or none.
    pub stale_24h_share: Option<f64>,
    pub stale_48h_share: Option<f64>,
    /// The same weighted by the app-open profile (what customers see), all banks only.
    pub at_open_p50_hours: Option<f64>,
    pub at_open_p95_hours: Option<f64>,
    pub stale_24h_at_open_share: Option<f64>,
    /// Opens finding data `window.fresh_within` old or older, or none (the day-old share's
    /// where that is 24 h).
    pub not_fresh_at_open_share: Option<f64>,
    /// Wasted work: attempts and API calls per successful refresh.
    pub attempts_per_success: f64,
    pub api_calls_per_success: f64,
    /// Customer-initiated refreshes: requests, (429s + 5xx) over their attempts, and the
    /// median and 95th percentile of the time from request to data, in seconds.
    pub on_demand_requests: u64,
    pub on_demand_attempts: u64,
    pub on_demand_failure_rate: Option<f64>,
    pub on_demand_p50_seconds: Option<f64>,
    pub on_demand_p95_seconds: Option<f64>,
}

impl Summary {
    /// Derives the rates; time averages (mean in flight, refreshes per hour) cover the
    /// window after `warmup`, per-day figures (users per day, coverage) the `days` measured
    /// days, counts and shares the whole window.
    pub fn new(tally: Tally, window: SimDuration, warmup: SimDuration, days: f64) -> Self {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let measured =
            SimDuration(window.as_micros() - warmup.as_micros().min(window.as_micros() - 1));
        Summary {
            failure_rate: ratio(tally.rate_limited + tally.errors, tally.attempts),
            coverage: ratio(tally.covered, tally.eligible),
            background_coverage: Some(ratio(tally.background_covered, tally.eligible)),
            period_coverage: None,
            refreshes_per_hour: tally.successes_after_warmup as f64 / measured.as_hours_f64(),
            users_per_day: if days > 0.0 {
                tally.users as f64 / days
            } else {
                0.0
            },
            mean_in_flight: tally.in_flight_area as f64 / measured.as_micros() as f64,
            final_success_share: ratio(tally.refreshed, tally.connections),
            staleness_p50_hours: None,
            staleness_p95_hours: None,
            staleness_p99_hours: None,
            age_horizon_hours: f64::INFINITY,
            stale_24h_share: None,
            stale_48h_share: None,
            at_open_p50_hours: None,
            at_open_p95_hours: None,
            stale_24h_at_open_share: None,
            not_fresh_at_open_share: None,
            attempts_per_success: ratio(tally.attempts, tally.successes),
            api_calls_per_success: ratio(tally.api_calls, tally.successes),
            on_demand_requests: 0,
            on_demand_attempts: 0,
            on_demand_failure_rate: None,
            on_demand_p50_seconds: None,
            on_demand_p95_seconds: None,
            tally,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_measured_part_of_a_call_counts() {
        let mut t = Tally::default();
        let w = (SimTime(100), SimTime(200));
        for (from, to) in [(50, 120), (150, 160), (190, 400), (10, 90), (250, 300)] {
            t.add_in_flight(w, SimTime(from), SimTime(to));
        }
        assert_eq!(t.in_flight_area, 20 + 10 + 10);
    }
}
