//! The customers' side of a refresh log: their requests, their consents expiring and being
//! renewed, and new customers joining (`fit`'s `[population]` and `[on_demand]`).
//!
//! A fitted scenario without them plays a client alone against the banks, and a plan on it
//! under-states the load: a trial's fitted plan forecast 1.7 % failures where the truth, with
//! its customers' calls, gave 7.8 %. Each figure is what the model's parameter means, read
//! off the rows, with an exact Poisson interval where it is a count over time:
//!
//! - `on_demand.per_day` and `profile`: customers' requests (first attempts) over the log's
//!   days, and their hours of the day (the log's clock). A customer the client has told
//!   to reconnect opens the app without a call, so the requests the log shows come from the
//!   connection-time not waiting for a renewal: the count is over that share of the days.
//! - `consent_expiry_share`: a daily hazard, from the first expiries of the consents held at
//!   the log's start over the connection-days at risk. An expiry is seen when a call is
//!   answered `reconnect_required`, or when a reconnect fetch comes without one (the
//!   customer renewed before the client called); it is placed midway between the call
//!   before and that one. A consent not seen to expire was at risk until its last call: an
//!   expiry after it, which the next call would have shown, is beyond what the log saw.
//! - `reconnect_share` and `reconnect_mean_days`: by maximum likelihood, each expiry ending
//!   in a reconnect fetch after an exponential delay (share `s`, mean `m`) or still open at
//!   the log's end (censored), with a profile-likelihood interval for the share.
//! - `join_share`: links (a connection's first call, a `link` fetch) a day over the
//!   connections there at the start.
//!
//! Without a `reason` column, a reconnect fetch is the first call after a `reconnect_required`
//! (a client stops refreshing a connection whose consent expired), and joins cannot be told
//! from connections present from the start. Method and limits: docs/fitting.md, "Customers".

use super::bank_file::sig;
use super::latency::Estimate;
use super::log::{Row, Seen};
use crate::sim::Reason;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use std::fmt::Write as _;

const DAY_US: f64 = 86_400e6;
const HOUR_US: i64 = 3_600_000_000;
/// Half the 95 % quantile of a chi-square with one degree of freedom: the drop in
/// log-likelihood at a 95 % profile-likelihood bound.
const HALF_CHI2_95: f64 = 1.920_729;

/// What the log shows of the customers.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomersFit {
    /// Days the log spans (first to last submission).
    pub days: f64,
    /// Whether links and reconnect fetches were named in a `reason` column.
    pub reasons: bool,
    /// Connections present from the log's start (those seen, less the joiners).
    pub book: usize,
    /// Customers' requests (first attempts), a day and by hour of the day.
    pub requests: u64,
    pub per_day: Estimate,
    pub by_hour: [u64; 24],
    /// First expiries of the consents held at the start, over the connection-days at risk.
    pub expiries: u64,
    pub exposure_days: f64,
    /// The share of linked connection-time told to reconnect, when opens make no call.
    pub silent_share: f64,
    pub expiry_share: Estimate,
    /// Who renewed an expired consent within the log; `None` without expiries.
    pub reconnects: Option<Reconnects>,
    /// Connections linked during the log; `None` when the log cannot tell (no `reason`).
    pub joined: Option<u64>,
    pub join_share: Option<Estimate>,
}

/// The reconnections after expiries.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconnects {
    pub episodes: usize,
    pub reconnected: usize,
    /// `None` when nobody reconnected within the log (the share and the delay are not told
    /// apart: a slow reconnection looks like none).
    pub share: Option<Estimate>,
    pub mean_days: Option<f64>,
}

/// Fits the customers of `rows` (sorted by submission), spanning `span` (µs).
pub fn fit(rows: &[Row], connections: usize, reasons: bool, span: (i64, i64)) -> CustomersFit {
    let days = (span.1 - span.0) as f64 / DAY_US;
    let mut by_conn: Vec<Vec<&Row>> = vec![Vec::new(); connections];
    for r in rows {
        by_conn[r.conn as usize].push(r);
    }
    let (mut requests, mut by_hour) = (0, [0u64; 24]);
    for r in rows
        .iter()
        .filter(|r| r.reason == Reason::Customer && r.attempt <= 1)
    {
        requests += 1;
        by_hour[hour_of(r.submitted)] += 1;
    }
    let mut h = History::default();
    for conn in &by_conn {
        h.walk(conn, reasons, span);
    }
    // A reconnect fetch inferred (no `reason` column) was counted as a customer's request.
    for (n, fetches) in by_hour.iter_mut().zip(h.inferred) {
        let fetches = fetches.min(*n);
        *n -= fetches;
        requests -= fetches;
    }
    let rate = poisson_rate(h.expiries, h.exposure_days);
    let book = connections - h.joined as usize;
    CustomersFit {
        days,
        reasons,
        book,
        requests,
        per_day: poisson_rate(requests, days * h.calling_share()),
        silent_share: 1.0 - h.calling_share(),
        by_hour,
        expiries: h.expiries,
        exposure_days: h.exposure_days,
        expiry_share: Estimate {
            value: 1.0 - (-rate.value).exp(),
            lo: 1.0 - (-rate.lo).exp(),
            hi: 1.0 - (-rate.hi).exp(),
        },
        reconnects: (!h.delays.is_empty() || !h.open.is_empty()).then(|| {
            Reconnects {
                episodes: h.delays.len() + h.open.len(),
                reconnected: h.delays.len(),
                share: None,
                mean_days: None,
            }
            .fitted(&h.delays, &h.open)
        }),
        joined: reasons.then_some(h.joined),
        join_share: reasons.then(|| poisson_rate(h.joined, book.max(1) as f64 * days)),
    }
}

impl CustomersFit {
    /// The `[population]` section: the connections there from the start, their consents'
    /// expiry and renewal, and the customers who joined, each with its interval and evidence.
    pub fn population_toml(&self, s: &mut String, seen: usize) {
        let c = self;
        let joined = c.joined.unwrap_or(0);
        let _ = writeln!(
        s,
        "[population]\nconnections = {}  # there from the log's start: {} seen, {joined} of them \
         linked during it (one the log never called is not: set your book's size)",
        c.book.max(1),
        seen
    );
        let e = &c.expiry_share;
        let _ = writeln!(
            s,
            "consent_expiry_share = {}  # a day; 95 %: {}–{}; {} first expiries in {} \
         connection-days at risk",
            sig(e.value, 4),
            sig(e.lo, 3),
            sig(e.hi, 3),
            c.expiries,
            sig(c.exposure_days, 4)
        );
        match &c.reconnects {
            Some(r) => reconnects_toml(s, r),
            None => s.push_str("# reconnect_share not fitted: no consent expired in the log\n"),
        }
        match &c.join_share {
            Some(j) if joined > 0 => {
                let _ = writeln!(
                    s,
                    "join_share = {}  # a day, over `connections`; 95 %: {}–{}; {joined} links \
                 over {} days",
                    sig(j.value, 4),
                    sig(j.lo, 3),
                    sig(j.hi, 3),
                    sig(c.days, 3)
                );
            }
            Some(_) => s.push_str("# join_share: no connection linked during the log\n"),
            None => s.push_str(
                "# join_share not fitted: without a `reason` column a link fetch cannot be told \
             from a connection present from the start\n",
            ),
        }
        s.push('\n');
    }

    /// The `[on_demand]` section: the customers' requests a day and by hour (none: no section).
    pub fn on_demand_toml(&self, s: &mut String) {
        let c = self;
        if c.requests == 0 {
            return;
        }
        let p = &c.per_day;
        // A rate a connection, so that the customers scale with `plan --users`.
        let book = c.book.max(1) as f64;
        let weights: Vec<String> = c
            .by_hour
            .iter()
            .map(|&n| sig(24.0 * n as f64 / c.requests as f64, 3))
            .collect();
        let _ = writeln!(
            s,
            "[on_demand]\nper_connection = {}  # a day; 95 %: {}–{}; {} customers' requests (first \
         attempts) over {} days, {} % of the connection-time told to reconnect (no call): {} a \
         day over the {} connections at the log's start\nprofile = [{}]  # by hour of the day (the log's clock), 24 × the \
         hour's share\n",
            sig(p.value / book, 4),
            sig(p.lo / book, 4),
            sig(p.hi / book, 4),
            c.requests,
            sig(c.days, 3),
            sig(100.0 * c.silent_share, 3),
            sig(p.value, 4),
            c.book,
            weights.join(", ")
        );
    }

    /// The customers in one line: requests, expiries, renewals and joins.
    pub fn line(&self) -> String {
        let c = self;
        let mut parts = vec![
            format!(
                "customers: {} requests ({} a day)",
                c.requests,
                sig(c.per_day.value, 4)
            ),
            format!(
                "consent expiry {} % a day ({} expiries)",
                sig(100.0 * c.expiry_share.value, 3),
                c.expiries
            ),
        ];
        if let Some(r) = &c.reconnects {
            parts.push(match (&r.share, r.mean_days) {
                (Some(sh), Some(m)) => format!(
                    "{} % of expired consents renewed (mean {} days; {} of {} within the log)",
                    sig(100.0 * sh.value, 3),
                    sig(m, 3),
                    r.reconnected,
                    r.episodes
                ),
                _ => format!("none of {} expired consents renewed", r.episodes),
            });
        }
        parts.push(match (c.joined, &c.join_share) {
            (Some(n), Some(j)) => format!("{n} joined ({} % a day)", sig(100.0 * j.value, 3)),
            _ => "joins not told apart (no `reason` column)".into(),
        });
        parts.join("; ")
    }
}

fn reconnects_toml(s: &mut String, r: &Reconnects) {
    let (Some(share), Some(mean)) = (&r.share, r.mean_days) else {
        let _ = writeln!(
            s,
            "reconnect_share = 0  # none of {} expired consents was renewed within the log \
             (a renewal slower than the log is long looks like none)",
            r.episodes
        );
        return;
    };
    let _ = writeln!(
        s,
        "reconnect_share = {}  # 95 %: {}–{}; {} of {} expired consents renewed within the \
         log, the rest still open at its end\nreconnect_mean_days = {}  # from an expiry to \
         its renewal (the expiry placed midway between the calls around it)",
        sig(share.value, 3),
        sig(share.lo, 3),
        sig(share.hi, 3),
        r.reconnected,
        r.episodes,
        sig(mean.clamp(0.001, 3650.0), 3)
    );
}

/// The hour of the day (the log's clock) of `t`, in µs.
fn hour_of(t: i64) -> usize {
    (t.rem_euclid(24 * HOUR_US) / HOUR_US) as usize
}

/// What the walk over each connection's calls gathers.
#[derive(Default)]
struct History {
    expiries: u64,
    exposure_days: f64,
    /// Days from each expiry to its reconnect fetch, and from each expiry still open at the
    /// log's end to that end.
    delays: Vec<f64>,
    open: Vec<f64>,
    joined: u64,
    /// Connection-days linked (from the log's start, or a joiner's link, to its end), and
    /// of those, told to reconnect (from a `reconnect_required` learned to the renewal or
    /// the end), when a customer's open makes no call.
    linked_days: f64,
    silent_days: f64,
    /// Reconnect fetches told by the call before them (no `reason` column), by the hour
    /// of the day they were made.
    inferred: [u64; 24],
}

impl History {
    /// One connection's calls, in time order.
    fn walk(&mut self, calls: &[&Row], reasons: bool, span: (i64, i64)) {
        let Some(first) = calls.first() else {
            return;
        };
        let joiner = first.reason == Reason::Link;
        self.joined += joiner as u64;
        let linked_from = if joiner { first.submitted } else { span.0 };
        self.linked_days += (span.1 - linked_from).max(0) as f64 / DAY_US;
        let mut told = None::<i64>;
        // The consent held since the start is at risk until its first expiry.
        let mut at_risk = !joiner;
        let (mut before, mut expired) = (span.0, None::<f64>);
        for r in calls {
            // A duplicate answered from an earlier task (Mastercard's rule answers a request
            // with the task's reconnect_required) reached no consent check: no renewal.
            let fetch = if reasons {
                r.reason == Reason::Reconnect
            } else {
                expired.is_some() && !matches!(r.seen, Seen::Reconnect | Seen::NoCall)
            };
            if fetch {
                if !reasons && r.reason == Reason::Customer && r.attempt <= 1 {
                    // Counted as a customer's request: taken back from the count and its hour.
                    self.inferred[hour_of(r.submitted)] += 1;
                }
                let e = expired.unwrap_or_else(|| self.expiry(&mut at_risk, before, r, span));
                self.delays.push((r.submitted as f64 - e) / DAY_US);
                expired = None;
                if let Some(t) = told.take() {
                    self.silent_days += (r.submitted - t).max(0) as f64 / DAY_US;
                }
            } else if r.seen == Seen::Reconnect && expired.is_none() {
                expired = Some(self.expiry(&mut at_risk, before, r, span));
            }
            if r.seen == Seen::Reconnect && expired.is_some() && told.is_none() {
                told = Some(r.learned.min(span.1));
            }
            if !matches!(r.seen, Seen::Reconnect | Seen::NoCall) {
                before = r.submitted;
            }
        }
        if let Some(e) = expired {
            self.open.push((span.1 as f64 - e) / DAY_US);
        }
        if let Some(t) = told {
            self.silent_days += (span.1 - t).max(0) as f64 / DAY_US;
        }
        if at_risk {
            // Valid at its last call; whether it expired after is not known (the next call
            // would have told), so the time after it is not at risk as far as the log shows.
            self.exposure_days += (before - span.0) as f64 / DAY_US;
        }
    }

    /// The share of linked connection-time whose customers' opens make calls (not told to
    /// reconnect): what the log's requests are a sample of.
    fn calling_share(&self) -> f64 {
        match self.linked_days > 0.0 {
            true => (1.0 - self.silent_days / self.linked_days).clamp(1e-9, 1.0),
            false => 1.0,
        }
    }

    /// An expiry seen at `r`, placed midway from the call `before` it: counted for the
    /// hazard when it ends the consent held since the start.
    fn expiry(&mut self, at_risk: &mut bool, before: i64, r: &Row, span: (i64, i64)) -> f64 {
        let e = (before as f64 + r.submitted as f64) / 2.0;
        if std::mem::take(at_risk) {
            self.expiries += 1;
            self.exposure_days += (e - span.0 as f64) / DAY_US;
        }
        e
    }
}

impl Reconnects {
    /// The share and mean delay by maximum likelihood from the `delays` seen and the
    /// expiries `open` at the end (days).
    fn fitted(self, delays: &[f64], open: &[f64]) -> Reconnects {
        if delays.is_empty() {
            return self;
        }
        let (s, m, best) = mle(delays, open);
        let profile = |s: f64| best_mean(s, delays, open).1;
        let lo = bound(s, 0.0, |x| profile(x) >= best - HALF_CHI2_95);
        let hi = bound(s, 1.0, |x| profile(x) >= best - HALF_CHI2_95);
        Reconnects {
            share: Some(Estimate { value: s, lo, hi }),
            mean_days: Some(m),
            ..self
        }
    }
}

/// The log-likelihood of share `s` and mean delay `m` (days).
fn log_likelihood(s: f64, m: f64, delays: &[f64], open: &[f64]) -> f64 {
    let n = delays.len() as f64;
    let seen = n * (s.ln() - m.ln()) - delays.iter().sum::<f64>() / m;
    seen + open
        .iter()
        .map(|t| {
            (1.0 - s * (1.0 - (-t / m).exp()))
                .max(f64::MIN_POSITIVE)
                .ln()
        })
        .sum::<f64>()
}

/// The mean delay that maximises the likelihood at share `s`, and that likelihood
/// (golden-section search over the log of the mean, 1 minute to 3,650 days).
fn best_mean(s: f64, delays: &[f64], open: &[f64]) -> (f64, f64) {
    let f = |x: f64| log_likelihood(s, x.exp(), delays, open);
    let x = golden_max(f, (1.0f64 / 1440.0).ln(), 3650f64.ln(), 60);
    (x.exp(), f(x))
}

/// The share, mean and log-likelihood at the maximum: the profile over the share searched
/// by golden section on (0, 1].
fn mle(delays: &[f64], open: &[f64]) -> (f64, f64, f64) {
    let s = golden_max(|s| best_mean(s, delays, open).1, 1e-6, 1.0, 50);
    let (m, l) = best_mean(s, delays, open);
    (s, m, l)
}

/// Where the unimodal `f` is highest on `[a, b]`, by `steps` golden-section steps.
fn golden_max(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, steps: u32) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..steps {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if f(c) >= f(d) {
            b = d;
        } else {
            a = c;
        }
    }
    (a + b) / 2.0
}

/// The last point from `inside` towards `edge` where `within` holds (bisection; `edge`
/// itself when it holds there).
fn bound(inside: f64, edge: f64, within: impl Fn(f64) -> bool) -> f64 {
    let edge_at = if edge <= 0.0 { 1e-6 } else { edge };
    if within(edge_at) {
        return edge;
    }
    let (mut a, mut b) = (inside, edge_at);
    for _ in 0..30 {
        let mid = (a + b) / 2.0;
        if within(mid) {
            a = mid;
        } else {
            b = mid;
        }
    }
    a
}

/// A Poisson count `k` over `exposure`: its rate and exact 95 % interval.
fn poisson_rate(k: u64, exposure: f64) -> Estimate {
    if exposure <= 0.0 {
        return Estimate {
            value: 0.0,
            lo: 0.0,
            hi: f64::INFINITY,
        };
    }
    let q = |df: f64, p: f64| ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(p));
    let k = k as f64;
    Estimate {
        value: k / exposure,
        lo: if k == 0.0 {
            0.0
        } else {
            q(2.0 * k, 0.025) / 2.0 / exposure
        },
        hi: q(2.0 * k + 2.0, 0.975) / 2.0 / exposure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Delays drawn from the model the fit assumes (share 0.6, mean 2 days), censored at a
    /// window of 6 days: the share and mean are recovered, and the interval holds the share.
    #[test]
    fn the_share_and_delay_of_reconnections_are_recovered_under_censoring() {
        let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(7);
        let (mut delays, mut open) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let t = rng.random::<f64>() * 6.0;
            let back = rng.random::<f64>() < 0.6;
            let d = -2.0 * (1.0 - rng.random::<f64>()).ln();
            if back && d < t {
                delays.push(d);
            } else {
                open.push(t);
            }
        }
        let r = Reconnects {
            episodes: 0,
            reconnected: 0,
            share: None,
            mean_days: None,
        }
        .fitted(&delays, &open);
        let s = r.share.unwrap();
        assert!((s.value - 0.6).abs() < 0.05, "{s:?}");
        assert!(s.lo < 0.6 && 0.6 < s.hi && s.hi - s.lo < 0.2, "{s:?}");
        assert!((r.mean_days.unwrap() - 2.0).abs() < 0.3, "{r:?}");
    }

    /// Without a `reason` column, the renewal is the first call after an expiry that reached
    /// the consent check: a duplicate answered from the expired task (Mastercard's rule) is
    /// not one, nor does it move the expiry's midpoint; the renewal's hour is taken out of
    /// the customers' requests and their profile.
    #[test]
    fn a_duplicate_after_an_expiry_is_no_renewal() {
        let day = DAY_US as i64;
        let row = |t: i64, seen: Seen, on_demand: bool| Row {
            submitted: t,
            learned: t + 10_000_000,
            conn: 0,
            bank: 0,
            seen,
            retry_after: None,
            attempt: 1,
            on_demand,
            reason: if on_demand {
                Reason::Customer
            } else {
                Reason::Schedule
            },
        };
        let rows = [
            row(0, Seen::Success, false),
            row(2 * day, Seen::Reconnect, false),
            row(2 * day + 300_000_000, Seen::NoCall, true),
            row(4 * day + 7 * HOUR_US, Seen::Success, true),
            row(6 * day, Seen::Success, false),
        ];
        let c = fit(&rows, 1, false, (0, 6 * day));
        let r = c.reconnects.clone().unwrap();
        assert_eq!((r.episodes, r.reconnected), (1, 1));
        // Expired midway between day 0 and day 2, renewed on day 4 at 07:00: 3.29 days.
        assert!((c.exposure_days - 1.0).abs() < 1e-9, "{c:?}");
        assert!(
            (r.mean_days.unwrap() - (3.0 + 7.0 / 24.0)).abs() < 0.01,
            "{r:?}"
        );
        // The duplicate is a customer's request; the renewal is not.
        assert_eq!(c.requests, 1);
        assert_eq!(c.by_hour.iter().sum::<u64>(), 1);
        assert_eq!(c.by_hour[0], 1);
    }

    #[test]
    fn poisson_intervals_are_exact() {
        // Garwood's interval for 10 events: 4.795–18.39.
        let e = poisson_rate(10, 2.0);
        assert_eq!(e.value, 5.0);
        assert!((e.lo - 4.795 / 2.0).abs() < 1e-3 && (e.hi - 18.39 / 2.0).abs() < 1e-2);
        assert_eq!(poisson_rate(0, 1.0).lo, 0.0);
    }
}
