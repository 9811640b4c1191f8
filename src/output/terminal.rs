//! The run's summary on the terminal: one line per bank and one for all.

use super::text::{age_or_more, pct, thousands, wait};
use crate::metrics::{Between, RunResult, Summary};
use crate::time::{SimDuration, DAY_US, HOUR_US};
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

/// With joins, the book due grows through the window, while the table averages the measured
/// days: a note gives the first and last measured days' due connections and coverage, where
/// the book grew by 1 % or more (a trial read an 84-day average of 93.01 % as today's, where
/// the last day covered 91.06 %).
pub fn growth_note(r: &RunResult) -> Option<String> {
    if r.summary(None).tally.joined == 0 {
        return None;
    }
    let days = r.daily.measured(r.window_start + r.warmup);
    let (&first, &last) = (days.first()?, days.last()?);
    let (a, b) = (r.daily.total(first), r.daily.total(last));
    if a.eligible == 0 || b.eligible == 0 || (b.eligible as f64) < 1.01 * a.eligible as f64 {
        return None;
    }
    let coverage = |t: &crate::metrics::DayTally| pct(t.covered as f64 / t.eligible as f64);
    Some(format!(
        "the book grew with its joins, from {} connections due on day {first} to {} on day \
         {last} (+{}), and coverage went from {} to {}: the table averages the measured days \
         (daily.csv has each)",
        thousands(a.eligible as f64),
        thousands(b.eligible as f64),
        pct(b.eligible as f64 / a.eligible as f64 - 1.0),
        coverage(&a),
        coverage(&b)
    ))
}

/// A short human summary of a run, one line per bank and one for all: the peak calls in
/// flight at the bank (what its cap counts) beside the peak refreshes outstanding with the
/// aggregator (submitted, outcome not yet learned: the workers a client needs; a trial read
/// `run`'s 28 in flight against `plan`'s 122 outstanding as a contradiction). Every failure
/// beside the client's own 429s, what a risk rule bounds: a trial read a bank's 0.94 %
/// failures, all 5xx errors, as near its rule of 1 % own 429s.
pub fn human_summary(r: &RunResult) -> String {
    let mut out = String::new();
    let strategy = super::summary::strategy_label(r.strategy, r.concurrency);
    let total = r.summary(None);
    if !r.label.is_empty() {
        let _ = write!(out, "{}: ", r.label);
    }
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
    let short = r.short_period.is_some();
    table_line(&mut out, COLUMNS.map(String::from), short);
    // Each bank's figures once: the table's rows and the lines' worst banks.
    let banks: Vec<Summary> = (0..r.bank_names.len())
        .map(|i| r.summary(Some(i)))
        .collect();
    for (name, s) in r.bank_names.iter().zip(&banks) {
        table_line(&mut out, row(name, s), short);
    }
    table_line(&mut out, row("all", &total), short);
    if let Some(c) = period_line(r, &banks, &total) {
        let _ = writeln!(out, "{c}");
    }
    if let Some(c) = refused_line(r) {
        let _ = writeln!(out, "{c}");
    }
    if let Some(c) = at_open_line(r, &banks, &total) {
        let _ = writeln!(out, "{c}");
        let _ = writeln!(out, "{}", by_clock_line(r, &total));
    }
    if let Some(c) = book_clock_line(r, &total) {
        let _ = writeln!(out, "{c}");
    }
    if let Some(c) = customers_line(r, &banks, &total) {
        let _ = writeln!(out, "{c}");
    }
    out
}

/// The table's columns, and their widths (the bank's left-aligned, the figures right).
const COLUMNS: [&str; 14] = [
    "bank",
    "attempts",
    "successes",
    "429/503",
    "errors",
    "failure",
    "own 429s",
    "coverage",
    "per period",
    "users/day",
    "age p50",
    "age ≥24h",
    "peak at bank",
    "outstanding",
];
/// Each column's width: the bank's fits the presets' names, the figures their headers.
const WIDTHS: [usize; 14] = [18, 10, 10, 9, 7, 9, 9, 9, 10, 11, 8, 9, 12, 11];
/// The column of each period's coverage, shown with a period shorter than a day (a trial
/// read a bank's 100.00 % a day where its periods were covered 72 %).
const PER_PERIOD: usize = 8;

/// One line of the table: `cells` in [`COLUMNS`]' order, each period's coverage where the
/// period is `short`.
fn table_line(out: &mut String, cells: [String; 14], short: bool) {
    for (i, (c, w)) in cells.iter().zip(WIDTHS).enumerate() {
        let _ = match i {
            0 => write!(out, "{c:<w$}"),
            PER_PERIOD if !short => Ok(()),
            _ => write!(out, " {c:>w$}"),
        };
    }
    out.push('\n');
}

/// A bank's row (or all banks'), in [`COLUMNS`]' order.
fn row(name: &str, s: &Summary) -> [String; 14] {
    let t = &s.tally;
    let age = match s.staleness_p50_hours {
        Some(h) if h.is_infinite() => "never".to_string(),
        Some(h) => age_or_more(h, s.age_horizon_hours, |h| format!("{h:.1} h")),
        None => "-".to_string(),
    };
    [
        name.to_string(),
        thousands(t.attempts as f64),
        thousands(t.successes as f64),
        thousands(t.rate_limited as f64),
        thousands(t.errors as f64),
        pct(s.failure_rate),
        pct(t.client_failure_rate()),
        pct(s.coverage),
        s.period_coverage.map_or("-".to_string(), pct),
        thousands(s.users_per_day),
        age,
        s.stale_24h_share.map_or("-".to_string(), pct),
        t.peak_in_flight.to_string(),
        t.peak_outstanding.to_string(),
    ]
}

/// With a period shorter than a day, the coverage of each period, which the table's
/// coverage (one success a day) does not see: a trial's 12-hour queue read 100 % refreshing
/// each connection once a day. With the bank that covers the least of its periods (the
/// table's `per period` gives each bank's).
fn period_line(r: &RunResult, banks: &[Summary], total: &Summary) -> Option<String> {
    let (period, all) = (r.short_period?, total.period_coverage?);
    let least = (r.bank_names.iter().zip(banks))
        .filter_map(|(name, s)| Some((name, s.period_coverage?)))
        .filter(|(_, c)| *c < all - 0.005)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(String::new(), |(name, c)| {
            format!("; the least, {name}: {}", pct(c))
        });
    Some(format!(
        "each {period} period: {} of the due connections refreshed in it{least} (coverage counts \
         one success a day: {})",
        pct(all),
        pct(total.coverage)
    ))
}

/// Which of each bank's limits refused its calls (the table's 429/503 column), where a bank
/// has more than one policy: a trial asking whether a PSD2 quota of four a day ever refused
/// a call read the attempt log's Retry-After to tell.
fn refused_line(r: &RunResult) -> Option<String> {
    let parts: Vec<String> = (r.bank_names.iter().zip(&r.banks).zip(&r.limit_kinds))
        .filter(|((_, t), kinds)| t.rate_limited > 0 && kinds.len() > 1)
        .map(|((name, t), kinds)| {
            let each: Vec<String> = (t.refused_by.iter().zip(kinds.iter()).enumerate())
                .map(|(i, (n, kind))| match i == 63 && kinds.len() > 64 {
                    true => format!("limits[63..] {}", thousands(*n as f64)),
                    false => format!("limits[{i}] {kind} {}", thousands(*n as f64)),
                })
                .collect();
            format!("{name}: {}", each.join(", "))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "refused by: {} (a call two policies refused counts at both)",
            parts.join("; ")
        )
    })
}

/// The data's age when customers open the app (the app-open profile's weights): what the
/// table's age over the clock does not say (a trial read it from summary.csv); and the bank
/// whose customers most often find data a day old, where its share reads otherwise.
fn at_open_line(r: &RunResult, banks: &[Summary], total: &Summary) -> Option<String> {
    let age = |h: f64| match h.is_infinite() {
        true => "never (no data since the window opened)".to_string(),
        false => age_or_more(h, total.age_horizon_hours, |h| format!("{h:.1} h")),
    };
    let stale = total.stale_24h_at_open_share?;
    let oldest = (banks.iter().enumerate())
        .filter_map(|(b, s)| Some((b, s.stale_24h_at_open_share?, s.at_open_p50_hours?)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)))
        .filter(|w| r.bank_names.len() > 1 && pct(w.1) != pct(stale))
        .map(|(b, stale, p50)| {
            let (name, stale) = (&r.bank_names[b], pct(stale));
            let p50 = match p50.is_infinite() {
                true => "never refreshed".into(),
                false => age_or_more(p50, total.age_horizon_hours, |h| format!("{h:.1} h")),
            };
            format!(
                "; worst, {name}: {stale} of its customers' opens a day old or none (median {p50})"
            )
        })
        .unwrap_or_default();
    // The scenario's own freshness, where it is not a day.
    let fresh = r.at_open.fresh_limit();
    let not_fresh = (total.not_fresh_at_open_share)
        .filter(|_| fresh != SimDuration::from_hours(24))
        .map(|s| {
            let old = old_words(fresh);
            format!(
                "; {} find data {old} old or older, or none (window.fresh_within)",
                pct(s)
            )
        })
        .unwrap_or_default();
    Some(format!(
        "when customers open the app: data age {} at the median, {} at p95; {} of opens find \
         data 24 h old or older, or none{not_fresh}{oldest}",
        age(total.at_open_p50_hours?),
        age(total.at_open_p95_hours?),
        pct(stale)
    ))
}

/// How old data is past `fresh` in words: "a day", "12 h", "1h30m" (`run`'s lines and the
/// report's quarter table).
pub fn old_words(fresh: SimDuration) -> String {
    match fresh.as_micros() {
        us if us == DAY_US => "a day".into(),
        us if us % HOUR_US == 0 => format!("{} h", us / HOUR_US),
        _ => fresh.to_string(),
    }
}

/// The quarters of the day, each named with the hour it starts: `run`'s by-the-clock line
/// and `report.md`'s table.
pub const QUARTERS: [(&str, usize); 4] = [
    ("night", 0),
    ("morning", 6),
    ("afternoon", 12),
    ("evening", 18),
];

/// The data's age at app opens in each quarter of the day: what a day's weighting hides
/// (a trial's CFO asked for the morning's; night pacing leaves 5 h at 08:00, 17 h in the
/// evening).
fn by_clock_line(r: &RunResult, total: &Summary) -> String {
    let age = |p50: f64| clock_age(p50, total);
    // A quarter without opens (a profile that has none then) is left out.
    let cells = quarter_cells(r, total, |hours| r.at_open.between(None, hours));
    let old = old_words(r.at_open.fresh_limit());
    // The bank and quarter whose customers most often find data not fresh (a trial's
    // board asked after every bank's mornings and evenings), where there are banks.
    let worst = (0..r.bank_names.len())
        .flat_map(|b| QUARTERS.iter().map(move |&(name, from)| (b, name, from)))
        .filter_map(|(b, name, from)| {
            let q = r.at_open.between(Some(b), from..from + 6);
            Some((b, name, q.p50_hours?, q.not_fresh_share?))
        })
        .max_by(|x, y| x.3.total_cmp(&y.3))
        .filter(|w| r.bank_names.len() > 1 && w.3 > 0.0)
        .map(|(b, name, p50, stale)| {
            let bank = &r.bank_names[b];
            format!(
                "; worst, {bank} in the {name}: {} {old} old or none (median {})",
                pct(stale),
                age(p50)
            )
        })
        .unwrap_or_default();
    format!("  by the clock: {}{worst}", cells.join("; "))
}

/// Every connection's data age in each quarter of the day, where some customers never open
/// the app (`on_demand.active_share` < 1): what reading every account at a time of day
/// finds, which the opens' line does not say (a lender's analysts at 08:00; an accounting
/// SaaS's accountants by day). Not where the opens' are nearly the whole book's (their
/// connection-time over the day within 2 % of it, as the report's chart judges it); said
/// where no customer opens the app,
/// and the opens' line is not.
fn book_clock_line(r: &RunResult, total: &Summary) -> Option<String> {
    let time = |hours: Vec<crate::metrics::HourAge>| -> f64 {
        hours.iter().map(|h| h.connection_hours).sum()
    };
    let (opens, book) = (
        time(r.at_open.hours(None)),
        time(r.at_open.book_hours(None)),
    );
    if !r.at_open.keeps_rest() || book <= 1.02 * opens {
        return None;
    }
    let cells = quarter_cells(r, total, |hours| r.at_open.book_between(None, hours));
    Some(format!(
        "  every connection by the clock (the whole book, whether or not its customer opens \
         the app; hours counted alike): {}",
        cells.join("; ")
    ))
}

/// Each quarter's median age and share not fresh (a day old unless `window.fresh_within`
/// says otherwise) or none, as `between` gives them for its hours; a quarter with no time
/// is left out.
fn quarter_cells(
    r: &RunResult,
    total: &Summary,
    between: impl Fn(std::ops::Range<usize>) -> Between,
) -> Vec<String> {
    let old = old_words(r.at_open.fresh_limit());
    (QUARTERS.iter())
        .filter_map(|&(name, from)| {
            let q = between(from..from + 6);
            let (p50, stale) = (clock_age(q.p50_hours?, total), pct(q.not_fresh_share?));
            let to = from + 6;
            Some(format!(
                "{name} {from:02}–{to:02} median {p50}, {stale} {old} old or none"
            ))
        })
        .collect()
}

/// An age in the by-the-clock lines: hours, `never`, or the horizon's "or more".
fn clock_age(p50: f64, total: &Summary) -> String {
    match p50 {
        h if h.is_infinite() => "never".into(),
        h => age_or_more(h, total.age_horizon_hours, |h| format!("{h:.1} h")),
    }
}

/// Customers' in-app requests, when the scenario has them (the table's figures count their
/// refreshes with the background's): how many, the share of their attempts that failed
/// (and at the bank where most did), and their wait for data. After the warm-up.
/// Requests none of which was attempted are told too (a trial's queue of one slot through the
/// priority lane attempted none of the measured days' and the line was missing).
fn customers_line(r: &RunResult, banks: &[Summary], total: &Summary) -> Option<String> {
    if total.on_demand_requests == 0 {
        return None;
    }
    let Some(rate) = total.on_demand_failure_rate else {
        return Some(format!(
            "customers: {} in-app requests over the measured days, none attempted: they rode \
             refreshes under way, or were still waiting for the client's slots at the window's \
             end{}",
            thousands(total.on_demand_requests as f64),
            match total.on_demand_p95_seconds {
                Some(p95) => format!(" ({} at p95, so far)", wait(Some(p95))),
                None => String::new(),
            }
        ));
    };
    let worst = (banks.iter().enumerate())
        .filter_map(|(b, s)| Some((b, s.on_demand_failure_rate?)))
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
    // Over the measured days, where the table's attempts count the warm-up's too.
    let measured = match r.warmup.is_zero() {
        true => "",
        false => " over the measured days (the table's attempts count the warm-up's too)",
    };
    // What `plan --max-customer-failure-rate` bounds, which a trial could not find in a run.
    let t = &total.tally;
    let refused = match t.present_attempts {
        0 => String::new(),
        n => format!(
            " (their calls' 429s alone, link and reconnect fetches among them, over the window: \
             {}, what plan's --max-customer-failure-rate bounds)",
            pct(t.present_rate_limited as f64 / n as f64)
        ),
    };
    Some(format!(
        "customers: {} in-app requests ({} attempts){measured}, {} of the attempts failed \
         (429s, 5xx and maintenance 503s){worst}{refused}; those whose refresh succeeded had \
         data in {} at the median, {} at p95 (a failed request gets none; one still waiting at \
         the window's end counts its wait so far){own}",
        thousands(total.on_demand_requests as f64),
        thousands(total.on_demand_attempts as f64),
        pct(rate),
        wait(total.on_demand_p50_seconds),
        wait(total.on_demand_p95_seconds)
    ))
}
