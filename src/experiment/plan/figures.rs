//! The figures a plan is judged by: measured in each run, for all banks and for each, and
//! estimated over the replications.
//!
//! Failures are split by who can lower them. `client_failure_rate` is the 429s the client's
//! own traffic caused, its customers' calls included; `background_failure_rate` the 429s of
//! its background refreshes alone (over their attempts), and `customer_failure_rate` those of
//! its customers' calls (requests, link and reconnect fetches), which the background strategy
//! does not send and lowers only by leaving them room; the `failure_floor` is what the
//! client's pace does not cause: 5xx errors and the rejections of a maintenance window (the
//! bank refuses every call then; a client that pauses on the window's Retry-After, or paces
//! by the hour around it, sends fewer calls into it). `failure_rate` is both. Consent expiry is a third kind no client avoids,
//! kept apart (`reconnect_rate`, not a failure of a refresh the bank could have served).

use crate::metrics::RunResult;
use crate::stats::Estimate;

/// How many figures a plan reports.
pub const N: usize = 27;

/// One figure a plan reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    Coverage,
    /// The coverage the background's own successes give (customers' refreshes apart).
    BackgroundCoverage,
    FailureRate,
    ClientFailureRate,
    /// The client's background refreshes' 429s over their attempts (customers' calls apart).
    BackgroundFailureRate,
    /// Customers' calls' 429s over their attempts (NaN without any).
    CustomerFailureRate,
    FailureFloor,
    ErrorRate,
    OutageRate,
    ReconnectRate,
    UsersPerDay,
    StalenessP50Hours,
    StalenessP95Hours,
    Stale24hShare,
    /// The measured connection-time with no data yet (never refreshed since the window
    /// opened): the start's artefact or the client's own, which the first and last measured
    /// days' shares tell apart (a start's shrinks as the client comes round).
    NeverShare,
    NeverShareFirstDay,
    NeverShareLastDay,
    /// Data age when customers open the app (weighted by the app-open profile): all banks
    /// only, NaN per bank and without customers.
    AtOpenP50Hours,
    AtOpenP95Hours,
    AttemptsPerDay,
    /// The background refreshes' share of those (customers' calls apart): what
    /// `background_failure_rate` is a rate over.
    BackgroundAttemptsPerDay,
    ApiCallsPerDay,
    /// The calls made at the banks a day (admissions times each bank's `calls_per_refresh`):
    /// what their thresholds count, where the API calls are the aggregator's.
    BankCallsPerDay,
    /// The most calls admitted in any hour after the warm-up (sliding by the minute), and
    /// the most in flight at once: set against a fitted bank's `tested` traffic.
    BusiestHourAdmissions,
    PeakInFlight,
    /// The most of the client's refreshes outstanding at once (submitted, outcome not yet
    /// learned): the workers a pace needs, where the plan gives refreshes a second.
    PeakOutstanding,
    /// The 95th percentile of the customers' wait from request to data, over the requests
    /// that got data (NaN without any): the poll's, and with the priority lane the wait for
    /// a slot (a trial's pool, smaller than its customers' peak, kept them 2,055 s).
    CustomerWaitP95Seconds,
}

impl Figure {
    pub const ALL: [Figure; N] = [
        Figure::Coverage,
        Figure::BackgroundCoverage,
        Figure::FailureRate,
        Figure::ClientFailureRate,
        Figure::BackgroundFailureRate,
        Figure::CustomerFailureRate,
        Figure::FailureFloor,
        Figure::ErrorRate,
        Figure::OutageRate,
        Figure::ReconnectRate,
        Figure::UsersPerDay,
        Figure::StalenessP50Hours,
        Figure::StalenessP95Hours,
        Figure::Stale24hShare,
        Figure::NeverShare,
        Figure::NeverShareFirstDay,
        Figure::NeverShareLastDay,
        Figure::AtOpenP50Hours,
        Figure::AtOpenP95Hours,
        Figure::AttemptsPerDay,
        Figure::BackgroundAttemptsPerDay,
        Figure::ApiCallsPerDay,
        Figure::BankCallsPerDay,
        Figure::BusiestHourAdmissions,
        Figure::PeakInFlight,
        Figure::PeakOutstanding,
        Figure::CustomerWaitP95Seconds,
    ];

    /// The figure's name in `--json` (documented in docs/manual.md).
    pub fn key(self) -> &'static str {
        match self {
            Figure::Coverage => "coverage",
            Figure::BackgroundCoverage => "background_coverage",
            Figure::FailureRate => "failure_rate",
            Figure::ClientFailureRate => "client_failure_rate",
            Figure::BackgroundFailureRate => "background_failure_rate",
            Figure::CustomerFailureRate => "customer_failure_rate",
            Figure::FailureFloor => "failure_floor",
            Figure::ErrorRate => "error_rate",
            Figure::OutageRate => "outage_rate",
            Figure::ReconnectRate => "reconnect_rate",
            Figure::UsersPerDay => "users_per_day",
            Figure::StalenessP50Hours => "staleness_p50_hours",
            Figure::StalenessP95Hours => "staleness_p95_hours",
            Figure::Stale24hShare => "stale_24h_share",
            Figure::NeverShare => "never_share",
            Figure::NeverShareFirstDay => "never_share_first_day",
            Figure::NeverShareLastDay => "never_share_last_day",
            Figure::AtOpenP50Hours => "at_open_p50_hours",
            Figure::AtOpenP95Hours => "at_open_p95_hours",
            Figure::AttemptsPerDay => "attempts_per_day",
            Figure::BackgroundAttemptsPerDay => "background_attempts_per_day",
            Figure::ApiCallsPerDay => "api_calls_per_day",
            Figure::BankCallsPerDay => "bank_calls_per_day",
            Figure::BusiestHourAdmissions => "busiest_hour_admissions",
            Figure::PeakInFlight => "peak_in_flight",
            Figure::PeakOutstanding => "peak_outstanding",
            Figure::CustomerWaitP95Seconds => "customer_wait_p95_seconds",
        }
    }
}

/// One run's figures: for all banks, and for each in the scenario's order.
pub struct RunFigures {
    pub all: [f64; N],
    pub banks: Vec<[f64; N]>,
}

/// What one run contributes.
pub fn measure(r: &RunResult) -> RunFigures {
    RunFigures {
        all: of(r, None),
        banks: (0..r.banks.len()).map(|b| of(r, Some(b))).collect(),
    }
}

/// The figures of bank `bank` (`None`: all). A staleness percentile that falls among
/// connections never refreshed is infinite; one with nothing measured is NaN.
fn of(r: &RunResult, bank: Option<usize>) -> [f64; N] {
    let s = r.summary(bank);
    let t = &s.tally;
    let share = |x: u64| {
        if t.attempts == 0 {
            0.0
        } else {
            x as f64 / t.attempts as f64
        }
    };
    let measured = r.daily.measured(r.window_start + r.warmup);
    let (attempts, api_calls, bank_calls) = per_measured_day(r, bank, &measured);
    let mut f = [0.0; N];
    for (i, fig) in Figure::ALL.iter().enumerate() {
        f[i] = match fig {
            // A bank with nothing due (a small population drew none of its connections)
            // has no coverage to judge, not a coverage of 0.
            Figure::Coverage | Figure::BackgroundCoverage if bank.is_some() && t.eligible == 0 => {
                f64::NAN
            }
            // With a period shorter than a day, the coverage of each period: a day's counts
            // one success a day (a trial's 12-hour plan recommended a queue refreshing each
            // connection once a day). The background's own is then unmeasured.
            Figure::Coverage => s.period_coverage.unwrap_or(s.coverage),
            Figure::BackgroundCoverage if s.period_coverage.is_some() => f64::NAN,
            Figure::BackgroundCoverage => s.background_coverage.unwrap_or(f64::NAN),
            Figure::FailureRate => s.failure_rate,
            Figure::ClientFailureRate => t.client_failure_rate(),
            Figure::BackgroundFailureRate => ratio(
                t.rate_limited - t.outage_rejected - t.present_rate_limited,
                t.attempts - t.present_attempts,
                0.0,
            ),
            Figure::CustomerFailureRate => {
                ratio(t.present_rate_limited, t.present_attempts, f64::NAN)
            }
            Figure::FailureFloor => share(t.errors + t.outage_rejected),
            Figure::ErrorRate => share(t.errors),
            Figure::OutageRate => share(t.outage_rejected),
            Figure::ReconnectRate => share(t.reconnect_required),
            Figure::UsersPerDay => s.users_per_day,
            Figure::StalenessP50Hours => s.staleness_p50_hours.unwrap_or(f64::NAN),
            Figure::StalenessP95Hours => s.staleness_p95_hours.unwrap_or(f64::NAN),
            Figure::Stale24hShare => s.stale_24h_share.unwrap_or(f64::NAN),
            Figure::NeverShare => r.staleness.never_share(bank).unwrap_or(f64::NAN),
            Figure::NeverShareFirstDay => never_on(r, bank, measured.first()),
            // Over two measured days or more: one day's is no trend.
            Figure::NeverShareLastDay => never_on(r, bank, measured.get(1).and(measured.last())),
            Figure::AtOpenP50Hours => s.at_open_p50_hours.unwrap_or(f64::NAN),
            Figure::AtOpenP95Hours => s.at_open_p95_hours.unwrap_or(f64::NAN),
            Figure::AttemptsPerDay => attempts,
            Figure::BackgroundAttemptsPerDay => {
                attempts * ratio(t.attempts - t.present_attempts, t.attempts, 0.0)
            }
            Figure::ApiCallsPerDay => api_calls,
            Figure::BankCallsPerDay => bank_calls,
            Figure::BusiestHourAdmissions => r.busiest_hour(bank) as f64,
            Figure::PeakInFlight => t.peak_in_flight as f64,
            Figure::PeakOutstanding => t.peak_outstanding as f64,
            Figure::CustomerWaitP95Seconds => s.on_demand_p95_seconds.unwrap_or(f64::NAN),
        };
    }
    f
}

/// The share of measured day `day`'s connection-time with no data (NaN without the day).
fn never_on(r: &RunResult, bank: Option<usize>, day: Option<&usize>) -> f64 {
    day.and_then(|&d| r.daily_age.day(d, bank).never_share)
        .unwrap_or(f64::NAN)
}

/// `x / n`, or `none` when there is nothing to divide.
fn ratio(x: u64, n: u64, none: f64) -> f64 {
    if n == 0 {
        none
    } else {
        x as f64 / n as f64
    }
}

/// Attempts, API calls and calls at the banks a day over the measured days (those of users
/// per day).
fn per_measured_day(r: &RunResult, bank: Option<usize>, days: &[usize]) -> (f64, f64, f64) {
    let banks = r.daily.banks;
    let (mut attempts, mut calls, mut at_banks) = (0u64, 0u64, 0u64);
    for &d in days {
        for b in (0..banks).filter(|&b| bank.is_none_or(|x| x == b)) {
            let day = &r.daily.days[d * banks + b];
            attempts += day.attempts;
            calls += day.api_calls;
            at_banks += day.bank_calls;
        }
    }
    let n = days.len().max(1) as f64;
    let per_day = |x: u64| x as f64 / n;
    (per_day(attempts), per_day(calls), per_day(at_banks))
}

/// The figures estimated over replications: for all banks and for each.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub all: [Estimate; N],
    pub banks: Vec<[Estimate; N]>,
}

impl Figures {
    pub fn of(runs: &[RunFigures]) -> Figures {
        let est = |pick: &dyn Fn(&RunFigures) -> [f64; N]| {
            let cols: Vec<[f64; N]> = runs.iter().map(pick).collect();
            std::array::from_fn(|i| {
                Estimate::of(&cols.iter().map(|c| c[i]).collect::<Vec<_>>())
                    .expect("replications >= 1")
            })
        };
        let banks = runs.first().map_or(0, |r| r.banks.len());
        Figures {
            all: est(&|r| r.all),
            banks: (0..banks).map(|b| est(&|r| r.banks[b])).collect(),
        }
    }

    /// The mean of a figure over all banks.
    pub fn mean(&self, f: Figure) -> f64 {
        self.all[f as usize].mean
    }

    pub fn get(&self, f: Figure) -> &Estimate {
        &self.all[f as usize]
    }
}
