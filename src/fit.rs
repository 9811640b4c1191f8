//! Fitting bank models from a client's own refresh log (`refresh-sim fit`).
//!
//! `log.rs` reads the log (leniently, with warnings and counts); `timing.rs` works out how
//! the client learned outcomes (polling or callbacks, from the flags or, with neither, from
//! the durations' poll grid, `grid.rs`); this module turns each admitted call into a
//! censored duration and each call into an admission or a rejection, and fits per bank: the
//! service time (`latency.rs`), the 5xx rate (Clopper–Pearson), the rate-limit policies
//! (`limits.rs`) and the Retry-After behaviour.
//! `bank_file.rs` writes the result as a scenario that `check` accepts and `run` runs, and
//! the readable summary. Method, references and limits: docs/fitting.md.

pub mod bank_file;
pub mod cadence;
pub mod customers;
pub mod grid;
pub mod latency;
pub mod limits;
pub mod log;
pub mod retries;
pub mod retry;
pub mod timing;
pub mod unfitted;

use crate::error::{Error, Result};
use log::{Log, Seen, Warning};
pub use retry::RetryAfterFit;
use statrs::distribution::{Beta, ContinuousCDF};

/// Fewest admitted calls a bank needs to be fitted.
pub const MIN_ADMITTED: usize = 30;
/// How a fitted scenario's description starts (`plan` tells a fitted scenario by it).
pub const FITTED_FROM: &str = "Banks fitted from ";

/// How the client learned outcomes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timing {
    /// Polls `first_us` after submission, then every `interval_us`.
    Poll { interval_us: i64, first_us: i64 },
    /// A callback `delay_us` after the task ended.
    Callback { delay_us: i64 },
}

/// What the user said about the timing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hint {
    Poll { interval_us: i64 },
    Callback,
    Infer,
}

/// A proportion and its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proportion {
    pub k: u64,
    pub n: u64,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// Clopper–Pearson's exact 95 % interval for `k` of `n`.
pub fn proportion(k: u64, n: u64) -> Proportion {
    let (kf, nf) = (k as f64, n as f64);
    let q = |a: f64, b: f64, p: f64| Beta::new(a, b).map_or(f64::NAN, |d| d.inverse_cdf(p));
    Proportion {
        k,
        n,
        value: if n == 0 { 0.0 } else { kf / nf },
        lo: if k == 0 {
            0.0
        } else {
            q(kf, nf - kf + 1.0, 0.025)
        },
        hi: if k >= n {
            1.0
        } else {
            q(kf + 1.0, nf - kf, 0.975)
        },
    }
}

/// One bank's fit.
#[derive(Clone, Debug)]
pub struct BankFit {
    pub name: String,
    pub connections: usize,
    pub attempts: u64,
    pub errors: Proportion,
    pub rate_limited: u64,
    pub outage: u64,
    pub latency: latency::LatencyFit,
    pub limits: limits::LimitsFit,
    /// The API calls a refresh makes at the bank (`fit --calls-per-refresh`), in which its
    /// buckets and windows are fitted.
    pub calls_per_refresh: u32,
    pub retry_after: RetryAfterFit,
    /// For each policy found, what its 429s' Retry-After said (if any carried one).
    pub policy_retry_after: Vec<Option<String>>,
    /// Durations that were not on the poll grid (read as if they were).
    pub off_grid: u64,
    /// The hours of the day of its 503s (a closed bank), fitted as a maintenance window when
    /// they recur, and how many of them carried a Retry-After.
    pub closed: Option<unfitted::ClosedHours>,
    pub closed_retry_after: u64,
}

/// The whole fit.
#[derive(Clone, Debug)]
pub struct Fit {
    pub timing: Timing,
    /// How the timing was decided.
    pub timing_basis: timing::Basis,
    pub banks: Vec<BankFit>,
    /// Banks with too few admitted calls to fit, and how many rows they had.
    pub left_out: Vec<(String, usize)>,
    pub warnings: Vec<Warning>,
    pub rows: usize,
    pub connections: usize,
    /// First and last submission (µs, the log's clock).
    pub span: (i64, i64),
    /// The clock the log was read on.
    pub clock: log::Clock,
    /// The most refreshes the client had outstanding at once.
    pub peak_outstanding: u32,
    pub iso: bool,
    /// What the log shows of what the fit leaves at defaults.
    pub unfitted: unfitted::Unfitted,
    /// The customers: their requests, consent expiries, reconnections and joins.
    pub customers: customers::CustomersFit,
    /// The client's retries (`None`: the log has none).
    pub retries: Option<retries::RetriesFit>,
    /// The client's band of hours, `[from, to)` in whole hours (`from > to` across
    /// midnight), if it keeps to one.
    pub band: Option<(u8, u8)>,
    /// How often the client refreshed each connection, and the period that does as often.
    pub cadence: cadence::Cadence,
}

/// The API calls a refresh makes at each bank (`fit --calls-per-refresh`): what its buckets
/// and windows count, where the log has refreshes. `8` for every bank, `highstreet=4` for
/// one (the others 1), `8,bigbank=1` both.
#[derive(Clone, Debug, PartialEq)]
pub struct CallsPerRefresh {
    pub default: u32,
    pub banks: Vec<(String, u32)>,
}

impl CallsPerRefresh {
    /// `n` calls a refresh at every bank.
    pub fn all(n: u32) -> CallsPerRefresh {
        CallsPerRefresh {
            default: n,
            banks: Vec::new(),
        }
    }

    /// Reads `N`, `NAME=N` or a comma-separated list of them (each N 1 to 1,000; one bare N).
    pub fn parse(s: &str) -> std::result::Result<CallsPerRefresh, String> {
        let mut out = CallsPerRefresh::all(1);
        let mut bare = false;
        for item in s.split(',').map(str::trim) {
            let (name, n) = match item.split_once('=') {
                Some((name, n)) => (Some(name.trim()), n.trim()),
                None => (None, item),
            };
            let n: u32 = n
                .parse()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| format!("`{item}`: calls a refresh must be a whole number from 1 to 1,000 (N for every bank, NAME=N for one)"))?;
            match name {
                Some("") => return Err(format!("`{item}`: a bank's name before `=`")),
                Some(name) if out.banks.iter().any(|(b, _)| b == name) => {
                    return Err(format!("bank `{name}` is given twice"))
                }
                Some(name) => out.banks.push((name.to_string(), n)),
                None if bare => return Err("more than one N for every bank".into()),
                None => (bare, out.default) = (true, n),
            }
        }
        Ok(out)
    }

    fn of(&self, bank: &str) -> u32 {
        (self.banks.iter().find(|(b, _)| b == bank)).map_or(self.default, |&(_, n)| n)
    }
}

/// Fits every bank of `log`, whose refreshes each make `calls` API calls at their bank.
pub fn fit(log: Log, hint: Hint, calls: &CallsPerRefresh) -> Result<Fit> {
    if let Some((b, _)) = calls.banks.iter().find(|(b, _)| !log.banks.contains(b)) {
        return Err(Error::input(format!(
            "--calls-per-refresh: bank `{b}` is not in the log (its banks: {})",
            log.banks.join(", ")
        )));
    }
    let (timing, timing_basis) = timing::timing(&log, hint)?;
    let mut banks = Vec::new();
    let mut left_out = Vec::new();
    for (b, name) in log.banks.iter().enumerate() {
        let rows: Vec<&log::Row> = log.rows.iter().filter(|r| r.bank as usize == b).collect();
        let admitted = rows.iter().filter(|r| r.seen.admitted()).count();
        if admitted < MIN_ADMITTED {
            left_out.push((name.clone(), rows.len()));
            continue;
        }
        banks.push(fit_bank(name, &rows, timing, calls.of(name)));
    }
    if banks.is_empty() {
        let list: Vec<String> = left_out
            .iter()
            .map(|(n, r)| format!("{n} ({r} rows)"))
            .collect();
        return Err(Error::input(format!(
            "no bank has the {MIN_ADMITTED} admitted calls (successes or 5xx) a fit needs: {}",
            list.join(", ")
        )));
    }
    let span = (
        log.rows.iter().map(|r| r.submitted).min().unwrap_or(0),
        log.rows.iter().map(|r| r.submitted).max().unwrap_or(0),
    );
    let iso = log.format == crate::output::attempt_log::TimeFormat::Iso8601;
    let days = (span.1 - span.0) as f64 / 86_400e6;
    let band = unfitted::client_band(&log.rows, log.connections, days);
    let mut warnings = log.warnings;
    warnings.extend((!iso).then(|| slow_calls(&log.rows)).flatten());
    warnings.extend(short_log(span));
    warnings.extend(retries::requeued(&log.rows));
    Ok(Fit {
        timing,
        timing_basis,
        banks,
        left_out,
        peak_outstanding: peak_outstanding(&log.rows),
        unfitted: unfitted::unfitted(log.reasons),
        retries: retries::fit(&log.rows),
        band,
        customers: customers::fit(&log.rows, log.connections, log.reasons, span),
        cadence: {
            let c = cadence::cadence(&log.rows, log.connections, log.customers_told);
            match band {
                Some(_) => c.banded(),
                None => c,
            }
        },
        warnings,
        rows: log.rows.len(),
        connections: log.connections,
        span,
        clock: log.clock.clone(),
        iso,
    })
}

/// The days a fit needs for what varies by the day (the customers' hours and volume, the
/// consents' expiry and renewal) and for the limits to be met at every time of day.
pub const FULL_DAYS: f64 = 2.0;

/// A log shorter than [`FULL_DAYS`]: its fit is said to be partial, on the terminal and in
/// the file (a trial's 3.8 hours cut from a week's log fitted a tenth of the customers, all
/// in four hours of the day, and no limit at a bank capped at 8).
fn short_log(span: (i64, i64)) -> Option<Warning> {
    let days = (span.1 - span.0) as f64 / 86_400e6;
    (days < FULL_DAYS).then(|| Warning {
        count: 0,
        what: format!(
            "the log spans only {:.1} hours: the customers (their volume, hours, expiries and \
             renewals) are extrapolated from it and the limits were met only at the hours it \
             covers; fit a log of a week or more",
            days * 24.0
        ),
        first_line: 0,
    })
}

/// Calls no bank takes, in a log of plain numbers: its times are likely milliseconds read
/// as seconds (a trial's log of epoch milliseconds was fitted as polled every 500 s, over
/// 67 days, without a word). Warned when the admitted calls' median time to their outcome
/// is over ten minutes.
fn slow_calls(rows: &[log::Row]) -> Option<Warning> {
    let mut took: Vec<i64> = rows
        .iter()
        .filter(|r| r.seen.admitted())
        .map(|r| r.learned - r.submitted)
        .collect();
    if took.is_empty() {
        return None;
    }
    let mid = took.len() / 2;
    let median = *took.select_nth_unstable(mid).1;
    (median > 600 * 1_000_000).then(|| Warning {
        count: 0,
        what: format!(
            "times read as seconds make the admitted calls' median time to their outcome {} s: \
             if the log's times are milliseconds, divide them by 1,000",
            median / 1_000_000
        ),
        first_line: 0,
    })
}

/// An admitted call's duration bounds `(a, b]` in µs under `timing`, and whether it was on
/// the poll grid.
///
/// A callback learned no later than the delay measured from the 429s (the callbacks' delay
/// varies, and that measure is a median) says only that the call took at most the time to
/// its callback: `(0, elapsed]`. Read as exact, it would be a duration of 1 µs, whose
/// logarithm alone drags a lognormal's median down by orders of magnitude.
///
/// A polled duration within ±2 % of the interval (at least 1 ms) of a poll, the tolerance of
/// the grid test (`grid.rs`), is read at that poll: `(previous poll, poll]`. Polls' timers and
/// networks make an answer a few milliseconds late, and read at the late instant every call
/// would have an interval of its own, off the grid, and the chi-square one bin per call.
pub fn censor(timing: Timing, elapsed: i64) -> (i64, i64, bool) {
    match timing {
        Timing::Callback { delay_us } if elapsed <= delay_us => (0, elapsed.max(1), true),
        Timing::Callback { delay_us } => (elapsed - delay_us, elapsed - delay_us, true),
        Timing::Poll {
            interval_us,
            first_us,
        } => {
            let tol = (interval_us / 50).max(1000);
            let k = ((elapsed - first_us) as f64 / interval_us as f64)
                .round()
                .max(0.0) as i64;
            let poll = first_us.saturating_add(k.saturating_mul(interval_us));
            if (elapsed - poll).abs() <= tol {
                let from = if k == 0 { 0 } else { poll - interval_us };
                (from, poll.max(1), true)
            } else if elapsed <= first_us {
                (0, elapsed.max(1), false)
            } else {
                ((elapsed - interval_us).max(0), elapsed, false)
            }
        }
    }
}

fn fit_bank(name: &str, rows: &[&log::Row], timing: Timing, cost: u32) -> BankFit {
    let mut off_grid = 0;
    let mut pairs = Vec::new();
    let mut calls = Vec::new();
    let mut conns = std::collections::BTreeSet::new();
    for r in rows {
        conns.insert(r.conn);
        let (a, b) = match r.seen {
            Seen::Success | Seen::Error => {
                let (a, b, on) = censor(timing, r.learned - r.submitted);
                off_grid += !on as u64;
                pairs.push((a, b));
                (a, b)
            }
            Seen::RateLimited => (0, 0),
            Seen::Outage | Seen::Reconnect | Seen::NoCall => continue,
        };
        calls.push(limits::Call {
            t: r.submitted,
            end_lo: r.submitted + a,
            end_hi: r.submitted + b,
            admitted: r.seen.admitted(),
            conn: r.conn,
            on_demand: r.on_demand,
            retry_after: r.retry_after,
        });
    }
    let count = |s: Seen| rows.iter().filter(|r| r.seen == s).count() as u64;
    let closed: Vec<i64> = rows
        .iter()
        .filter(|r| r.seen == Seen::Outage)
        .map(|r| r.submitted)
        .collect();
    let admitted = count(Seen::Success) + count(Seen::Error);
    let lat = latency::fit(&latency::group(pairs));
    let lim = limits::fit(&calls, &|x| 1.0 - latency::cdf(lat.family, x), cost);
    let policy_retry_after = lim
        .found
        .iter()
        .map(|f| retry::of_policy(&calls, f))
        .collect();
    BankFit {
        name: name.to_string(),
        connections: conns.len(),
        attempts: rows.len() as u64,
        errors: proportion(count(Seen::Error), admitted),
        rate_limited: count(Seen::RateLimited),
        outage: count(Seen::Outage),
        limits: lim,
        calls_per_refresh: cost,
        latency: lat,
        retry_after: retry::overall(rows),
        policy_retry_after,
        off_grid,
        closed: unfitted::closed_hours(&closed),
        closed_retry_after: rows
            .iter()
            .filter(|r| r.seen == Seen::Outage && r.retry_after.is_some())
            .count() as u64,
    }
}

/// The most of the client's refreshes outstanding at once (submitted, not yet learned):
/// customers' requests (on-demand, a reconnect flow's fetch) hold none of its slots.
fn peak_outstanding(rows: &[log::Row]) -> u32 {
    let mut ends = std::collections::BinaryHeap::new();
    let mut peak = 0;
    for r in rows
        .iter()
        .filter(|r| !r.on_demand && !matches!(r.seen, Seen::NoCall | Seen::Reconnect))
    {
        while ends
            .peek()
            .is_some_and(|&std::cmp::Reverse(e)| e <= r.submitted)
        {
            ends.pop();
        }
        ends.push(std::cmp::Reverse(r.learned));
        peak = peak.max(ends.len() as u32);
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One N for every bank, a bank's own, or both; bad items named (a trial's mixed log
    /// had one bank of 4-call refreshes, and one N for all lost another bank's bucket).
    #[test]
    fn calls_per_refresh_is_read_for_every_bank_or_one() {
        let p = CallsPerRefresh::parse;
        assert_eq!(p("8").unwrap(), CallsPerRefresh::all(8));
        let one = p("highstreet=4").unwrap();
        assert_eq!((one.of("highstreet"), one.of("bigbank")), (4, 1));
        let both = p("8, bigbank=1").unwrap();
        assert_eq!((both.of("x"), both.of("bigbank")), (8, 1));
        for (bad, says) in [
            ("0", "from 1 to 1,000"),
            ("a=1001", "from 1 to 1,000"),
            ("a=4,a=2", "given twice"),
            ("4,5", "more than one N"),
            ("=4", "a bank's name"),
            ("a=x", "`a=x`"),
        ] {
            let e = p(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn clopper_pearson_brackets_the_rate() {
        let p = proportion(5, 1000);
        assert!(
            p.lo < 0.005 && 0.005 < p.hi && p.lo > 0.001 && p.hi < 0.012,
            "{p:?}"
        );
        assert_eq!(proportion(0, 10).lo, 0.0);
        assert_eq!(proportion(10, 10).hi, 1.0);
    }

    #[test]
    fn polled_durations_are_censored_between_polls() {
        let t = Timing::Poll {
            interval_us: 10_000_000,
            first_us: 10_000_000,
        };
        assert_eq!(censor(t, 10_000_000), (0, 10_000_000, true));
        assert_eq!(censor(t, 30_000_000), (20_000_000, 30_000_000, true));
        assert!(!censor(t, 25_000_000).2);
        // A poll's answer a little late (or early) is read at the poll.
        assert_eq!(censor(t, 30_040_000), (20_000_000, 30_000_000, true));
        assert_eq!(censor(t, 9_950_000), (0, 10_000_000, true));
        assert_eq!(censor(t, 30_300_000), (20_300_000, 30_300_000, false));
        let c = Timing::Callback { delay_us: 200_000 };
        assert_eq!(censor(c, 5_200_000), (5_000_000, 5_000_000, true));
    }

    /// A log whose calls take hours (milliseconds read as seconds) is warned about; one of
    /// seconds-long calls is not.
    #[test]
    fn calls_hours_long_are_warned_about() {
        let row = |learned: i64| success(0, learned, false);
        let w = slow_calls(&[row(10_000_000_000), row(20_000_000_000), row(5)]).unwrap();
        assert!(
            w.what.contains("10000 s") && w.what.contains("milliseconds"),
            "{w:?}"
        );
        assert_eq!(slow_calls(&[row(10_000_000), row(20_000_000)]), None);
        assert_eq!(slow_calls(&[]), None);
    }

    /// A first attempt of connection 0 that succeeded.
    fn success(submitted: i64, learned: i64, on_demand: bool) -> log::Row {
        log::Row {
            submitted,
            learned,
            conn: 0,
            bank: 0,
            seen: Seen::Success,
            retry_after: None,
            attempt: 1,
            on_demand,
            reason: crate::sim::Reason::Schedule,
        }
    }

    /// The client's slots: customers' requests overlapping its refreshes are not counted.
    #[test]
    fn peak_outstanding_counts_the_clients_refreshes() {
        let row = success;
        let rows = [
            row(0, 10, false),
            row(1, 12, true),
            row(2, 11, false),
            row(3, 9, true),
            row(10, 20, false),
        ];
        assert_eq!(peak_outstanding(&rows), 2);
        assert_eq!(
            peak_outstanding(&rows.map(|r| log::Row {
                on_demand: false,
                ..r
            })),
            4
        );
    }

    /// A callback that came no later than the measured delay bounds the duration by the time
    /// to it, not by a made-up microsecond.
    #[test]
    fn callbacks_within_the_delay_are_censored_not_zero() {
        let c = Timing::Callback { delay_us: 200_000 };
        assert_eq!(censor(c, 150_000), (0, 150_000, true));
        assert_eq!(censor(c, 200_000), (0, 200_000, true));
        assert_eq!(censor(c, 0), (0, 1, true));
    }
}
