//! A plan on a scenario `fit` wrote: what the file leaves at defaults, and where a setting
//! sends a bank more than the log did where the log showed no limit (`tested`), so that the
//! fitted bank's figures there are the model's guess rather than the bank's answer.

use super::super::{Evaluation, Figure, Plan};
use crate::output::text::{pct, thousands};
use crate::scenario::Scenario;

/// A setting above a bank's tested traffic by more than this share goes beyond it (a
/// replication's busiest hour wanders by a few percent).
const BEYOND: f64 = 0.10;

/// A scenario `fit` wrote (its description says so, and what it leaves at defaults): the
/// plan holds only as far as the file matches the banks' traffic, and a bank with no limit
/// has none because the log never reached one. (A trial's plan on a fitted file forecast
/// 1.7 % failures; the true banks, with the customers' calls and a maintenance window the
/// file left out, gave 7.8 %, and nothing said why.)
pub(super) fn fitted_finding(sc: &Scenario) -> Option<String> {
    let rest = sc.description.strip_prefix(crate::fit::FITTED_FROM)?;
    let mut s = format!(
        "this scenario was written by `fit` from {}: a plan holds only as far as the file \
         matches the banks' traffic, so add what the log showed and the file leaves at \
         defaults before relying on it",
        rest.trim()
    );
    let unlimited: Vec<&str> = sc
        .banks
        .iter()
        .filter(|b| {
            // A fitted maintenance window is no limit on the traffic.
            b.limits
                .iter()
                .all(|l| matches!(l.unscoped(), crate::bank::Limit::Maintenance(_)))
        })
        .map(|b| b.name.as_str())
        .collect();
    if !unlimited.is_empty() {
        s += &format!(
            "; {} {} no limit because the log never reached one, not because there is none: \
             the figures there hold only up to the traffic the log had",
            unlimited.join(", "),
            if unlimited.len() == 1 { "has" } else { "have" }
        );
    }
    Some(s)
}

/// Where `e` goes beyond a bank's tested traffic: each such bank's excess, in words.
fn beyond(e: &Evaluation, sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for (b, bank) in sc.banks.iter().enumerate() {
        let Some(f) = e.figures.banks.get(b) else {
            continue;
        };
        let busiest = f[Figure::BusiestHourAdmissions as usize].mean;
        let in_flight = f[Figure::PeakInFlight as usize].mean;
        let mut parts = Vec::new();
        if let Some(h) = bank
            .tested
            .per_hour
            .filter(|&h| busiest > h as f64 * (1.0 + BEYOND))
        {
            parts.push(format!(
                "{} calls in its busiest hour ({:.1} times the log's {})",
                thousands(busiest),
                busiest / h as f64,
                thousands(h as f64)
            ));
        }
        if let Some(k) = bank
            .tested
            .in_flight
            .filter(|&k| in_flight > (k as f64 * (1.0 + BEYOND)).max(k as f64 + 1.0))
        {
            parts.push(format!(
                "{} calls in flight at once (the log's about {k})",
                thousands(in_flight)
            ));
        }
        if !parts.is_empty() {
            out.push(format!("{}: {}", bank.name, parts.join(" and ")));
        }
    }
    out
}

/// Where the recommendation sends a fitted bank more than its log did where the log showed
/// no limit, and the most coverage of the settings that stay within every bank's log. (A
/// trial's plan paced a fitted bank at 3.9 times the log's busiest hour and promised 1.9 %
/// failures; the true bank refused 54 % of the calls.)
pub(super) fn tested_finding(p: &Plan, sc: &Scenario) -> Option<String> {
    let over = beyond(&p.recommendation, sc);
    if over.is_empty() {
        return None;
    }
    let mut s = format!(
        "the recommendation goes beyond the traffic the log had where it showed no limit: {}; \
         the fitted file knows no limit above that traffic, so a limit there would refuse \
         what these figures count as served: test the bank at that traffic, or keep to the log's",
        over.join("; ")
    );
    let cov = |e: &Evaluation| e.figures.mean(Figure::Coverage);
    let within = p
        .candidates
        .iter()
        .filter(|e| e.met.within_failure_bounds() && beyond(e, sc).is_empty())
        .max_by(|a, b| cov(a).total_cmp(&cov(b)));
    let bounds = super::bounds(p);
    s += &match within {
        Some(w) => format!(
            " (within it and {bounds}, the most coverage a searched setting reached is {}: {})",
            pct(cov(w)),
            w.label
        ),
        None => format!(" (no searched setting stays within it and {bounds})"),
    };
    Some(s)
}
