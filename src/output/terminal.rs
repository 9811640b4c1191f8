//! The run's summary on the terminal: one line per bank and one for all.

use super::text::{pct, thousands, wait};
use crate::metrics::{RunResult, Summary};
use std::fmt::Write as _;

/// The connections at the start, and those that joined: a book of 150,000 that signs up
/// 21,000 in the window is not a book of 171,000.
fn connections(t: &crate::metrics::Tally) -> String {
    match t.joined {
        0 => format!("{} connections", thousands(t.connections as f64)),
        j => format!(
            "{} connections (+{} joined)",
            thousands((t.connections - j) as f64),
            thousands(j as f64)
        ),
    }
}

/// Connection-time never refreshed above this share, after the warm-up, is worth a note.
pub const NEVER_NOTED: f64 = 0.001;

/// A note when much of the measured connection-time had no data (see
/// [`never_refreshed_phrase`]).
pub fn never_refreshed_note(r: &RunResult) -> Option<String> {
    let never = r.staleness.never_share(None).filter(|&s| s > NEVER_NOTED)?;
    Some(never_refreshed_phrase(never, r.summary(None).coverage))
}

/// What connection-time with no data means, for a run covering `coverage` of its connections
/// a day. The window opens with no data behind any connection: a client that reaches most
/// connections each day would reach the rest within days, so there it is the start's
/// artefact (a longer warm-up removes it); a client that reaches few leaves them without
/// data for weeks, and then it is the client's own (bulk against a tight limit).
pub fn never_refreshed_phrase(never: f64, coverage: f64) -> String {
    let head = format!(
        "{} of the connection-time measured had no data (never refreshed since the window \
         opened, and a simulation starts with no data behind any connection)",
        pct(never)
    );
    if coverage >= 0.5 {
        format!(
            "{head}: at a coverage of {} a day the client reaches them within days, so this \
             is mostly the start's artefact, not a fact about refreshes, and the data-age tail \
             (p99, the share 48 h old or older) reads high for want of history; a longer \
             window.warmup (and window) measures the steady state",
            pct(coverage)
        )
    } else {
        format!(
            "{head}: at a coverage of {} a day much of it is the client's own (a connection \
             waits {} for its turn), not only the start's; a longer window.warmup (and window) \
             shows how much is the start's",
            pct(coverage),
            match coverage > 0.001 {
                true => format!("about {:.0} days", (1.0 / coverage).round()),
                false => "longer than any window".to_string(),
            }
        )
    }
}

/// A short human summary of a run, one line per bank and one for all.
pub fn human_summary(r: &RunResult) -> String {
    let mut out = String::new();
    let strategy = super::summary::strategy_label(r.strategy, r.concurrency);
    let total = r.summary(None);
    let _ = writeln!(
        out,
        "{} · {} · seed {} · {} · {} window from {}",
        r.scenario,
        strategy,
        r.seed,
        connections(&total.tally),
        r.window,
        r.window_start.clock()
    );
    let _ = writeln!(
        out,
        "{:<18} {:>10} {:>10} {:>9} {:>7} {:>9} {:>9} {:>11} {:>8} {:>9} {:>9}",
        "bank",
        "attempts",
        "successes",
        "429/503",
        "errors",
        "failure",
        "coverage",
        "users/day",
        "age p50",
        "age ≥24h",
        "peak in-flight"
    );
    let mut line = |name: &str, s: &Summary| {
        let t = &s.tally;
        let age = match s.staleness_p50_hours {
            Some(h) if h.is_infinite() => "never".to_string(),
            Some(h) => format!("{h:.1} h"),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<18} {:>10} {:>10} {:>9} {:>7} {:>9} {:>9} {:>11} {:>8} {:>9} {:>9}",
            name,
            thousands(t.attempts as f64),
            thousands(t.successes as f64),
            thousands(t.rate_limited as f64),
            thousands(t.errors as f64),
            pct(s.failure_rate),
            pct(s.coverage),
            thousands(s.users_per_day),
            age,
            s.stale_24h_share.map_or("-".to_string(), pct),
            t.peak_in_flight
        );
    };
    for (i, name) in r.bank_names.iter().enumerate() {
        line(name, &r.summary(Some(i)));
    }
    line("all", &total);
    if let Some(c) = customers_line(r, &total) {
        let _ = writeln!(out, "{c}");
    }
    out
}

/// Customers' in-app requests, when the scenario has them (the table's figures count their
/// refreshes with the background's): how many, the share of their attempts that failed
/// (and at the bank where most did), and their wait for data. After the warm-up.
fn customers_line(r: &RunResult, total: &Summary) -> Option<String> {
    let rate = total.on_demand_failure_rate?;
    let worst = (0..r.bank_names.len())
        .filter_map(|b| Some((b, r.summary(Some(b)).on_demand_failure_rate?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|w| r.bank_names.len() > 1 && pct(w.1) != pct(rate))
        .map(|(b, x)| format!(" ({} at {})", pct(x), r.bank_names[b]))
        .unwrap_or_default();
    let own = match total.background_coverage {
        Some(b) => format!(
            "; the background's own refreshes covered {} of the {}",
            pct(b),
            pct(total.coverage)
        ),
        None => String::new(),
    };
    Some(format!(
        "customers: {} in-app requests ({} attempts), {} of the attempts failed{worst}; data \
         reached them in {} at the median, {} at p95{own}",
        thousands(total.on_demand_requests as f64),
        thousands(total.on_demand_attempts as f64),
        pct(rate),
        wait(total.on_demand_p50_seconds),
        wait(total.on_demand_p95_seconds)
    ))
}
