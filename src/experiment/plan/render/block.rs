//! A setting's figures as the memo gives them: coverage, failures, data age and what its
//! customers meet, cost; each with its 95 % interval.

use super::super::{age, Evaluation, FailureScope, Figure};
use super::{share, wait};
use crate::output::text::{count_estimate, pct, share_estimate, thousands};
use std::fmt::Write as _;

/// The failures' line, those the target bounds (`scope`) first: a trial's memo read
/// "failures 5.54 %" beside a target of 5 % it met, its own 429s 4.76 %. `split`: the own
/// 429s' parts, background and customers'.
fn failures_line(r: &Evaluation, split: &str, scope: FailureScope) -> String {
    let f = |x| r.figures.get(x);
    let (total, own) = (
        share_estimate(f(Figure::FailureRate)),
        share_estimate(f(Figure::ClientFailureRate)),
    );
    let floor = format!(
        "a floor of {} (5xx {}, maintenance {})",
        pct(f(Figure::FailureFloor).mean),
        pct(f(Figure::ErrorRate).mean),
        pct(f(Figure::OutageRate).mean)
    );
    match scope {
        FailureScope::All => format!(
            "  failures {total}, which the target bounds: the client's own 429s {own}{split}, \
             {floor}\n"
        ),
        FailureScope::Client => format!(
            "  the client's own 429s {own}{split}, which the target bounds; every failure \
             {total}, with {floor}\n"
        ),
        FailureScope::Background => format!(
            "  the client's own 429s {own}{split}, whose background refreshes' the target \
             bounds; every failure {total}, with {floor}\n"
        ),
    }
}

/// A setting's figures, as the memo gives the recommendation's: coverage, failures, data age
/// and cost, with their 95 % intervals.
pub(super) fn figures_block(
    r: &Evaluation,
    horizon: f64,
    calls: &str,
    scope: FailureScope,
) -> String {
    let f = |x| r.figures.get(x);
    let hours = |h: f64| age(h, horizon);
    let mut out = String::new();
    let customers = f(Figure::CustomerFailureRate).mean;
    let own = match customers.is_nan() || f(Figure::BackgroundCoverage).mean.is_nan() {
        true => String::new(),
        false => format!(
            " (its background refreshes' own {})",
            pct(f(Figure::BackgroundCoverage).mean)
        ),
    };
    let _ = writeln!(
        out,
        "  coverage {}{own}, {} users a day",
        share_estimate(f(Figure::Coverage)),
        count_estimate(f(Figure::UsersPerDay))
    );
    let split = match customers.is_nan() {
        true => String::new(),
        false => format!(
            " (its background refreshes' {}, its {calls}' 429s {})",
            pct(f(Figure::BackgroundFailureRate).mean),
            pct(customers)
        ),
    };
    out.push_str(&failures_line(r, &split, scope));
    let (open50, open95) = (
        f(Figure::AtOpenP50Hours).mean,
        f(Figure::AtOpenP95Hours).mean,
    );
    let at_open = match open50.is_nan() {
        true => String::new(),
        false => format!(
            "; when customers open the app, median {}, 95th percentile {}",
            hours(open50),
            hours(open95)
        ),
    };
    // What a customer asking waits (a plan without a bound on it recommended a queue keeping
    // them past the hour through the scenario's lane, its memo silent).
    let waited = f(Figure::CustomerWaitP95Seconds).mean;
    let at_open = match waited.is_nan() {
        true => at_open,
        false => format!(
            "{at_open}; their requests wait {} for data at the 95th percentile",
            wait(waited)
        ),
    };
    let _ = writeln!(
        out,
        "  data age: median {}, 95th percentile {}; {} of connection-time older than 24 h{at_open}",
        hours(f(Figure::StalenessP50Hours).mean),
        hours(f(Figure::StalenessP95Hours).mean),
        share(f(Figure::Stale24hShare).mean)
    );
    // The workers a pace needs (a trial sizing worker slots found it only in summary.csv).
    let customers = match customers.is_nan() {
        true => "",
        false => ", its customers' calls among them",
    };
    let _ = writeln!(
        out,
        "  cost: {} attempts and {} API calls a day ({} calls at the banks); a peak of {} refreshes outstanding at once{customers}",
        count_estimate(f(Figure::AttemptsPerDay)),
        count_estimate(f(Figure::ApiCallsPerDay)),
        count_estimate(f(Figure::BankCallsPerDay)),
        thousands(f(Figure::PeakOutstanding).mean)
    );
    out
}
