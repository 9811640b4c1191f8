//! What the fit leaves at defaults, said plainly.
//!
//! The scenario `fit` writes differs from the client's own beyond the banks and customers: it
//! has no warm-up, no maintenance windows, time-of-day limits or internal servers (nor
//! penalty boxes whose 429s carry no Retry-After), and no retries, because a log does not
//! determine them or the fit does not try (nor joins, in a log without a `reason` column).
//! Left unsaid, a user comparing a run of the fitted file with their own would find figures
//! that differ for reasons no number in the file shows. So the file's header lists them, with
//! what the log did show of them (503s of a closed bank and their hours of the day, retries),
//! and the summary says the same in one line. A bank whose 503s all fall within one run of whole hours gets that run as
//! a commented-out maintenance window to copy: a suggestion, never fitted silently, since the
//! hours the client happened to call in are only a lower bound on the window.

use super::log::Row;
use super::{BankFit, Fit};
use std::fmt::Write as _;

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// What the log shows of what the fit leaves at defaults, over the whole log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unfitted {
    /// Attempts after a refresh's first (`attempt` > 1).
    pub retries: u64,
    /// Whether joins were told apart (the log has a `reason` column).
    pub reasons: bool,
}

/// The hours of the day in which a bank's 503s (a closed bank) fell.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedHours {
    pub count: u64,
    /// Calendar days with a 503.
    pub days: usize,
    /// Runs of whole hours `[start, end)` holding every 503 (end up to 24), in order; one run
    /// across midnight is two.
    pub runs: Vec<(u8, u8)>,
    /// Whether the 503s fall in one run of at most 12 consecutive hours (across midnight or
    /// not): a window to suggest.
    pub one_window: bool,
}

/// What the log shows of retries, and whether it tells joins apart.
pub fn unfitted(rows: &[Row], reasons: bool) -> Unfitted {
    Unfitted {
        retries: rows.iter().filter(|r| r.attempt > 1).count() as u64,
        reasons,
    }
}

/// The whole hours of the day that hold the 503s submitted at `times` (µs from a midnight).
pub fn closed_hours(times: &[i64]) -> Option<ClosedHours> {
    if times.is_empty() {
        return None;
    }
    let mut hours = [false; 24];
    let mut days = std::collections::BTreeSet::new();
    for &t in times {
        hours[(t.rem_euclid(DAY_US) / HOUR_US) as usize] = true;
        days.insert(t.div_euclid(DAY_US));
    }
    let (runs, one_window) = match (0..24).find(|&h| !hours[h]) {
        Some(empty) => runs_after(&hours, empty),
        None => (vec![(0, 24)], false),
    };
    Some(ClosedHours {
        count: times.len() as u64,
        days: days.len(),
        runs,
        one_window,
    })
}

/// The runs of consecutive hours set in `hours`, read from the hour after `empty` (one that
/// is not set) so that a run across midnight is found whole, then written as the model
/// writes windows, within the day; and whether there is one run of at most 12 hours.
fn runs_after(hours: &[bool; 24], empty: usize) -> (Vec<(u8, u8)>, bool) {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for h in (1..=24).map(|k| (empty + k) % 24).filter(|&h| hours[h]) {
        match runs.last_mut() {
            Some(r) if r.1 % 24 == h => r.1 = h + 1,
            _ => runs.push((h, h + 1)),
        }
    }
    let one_window = runs.len() == 1 && (runs[0].1 + 24 - runs[0].0) % 24 <= 12;
    let mut split: Vec<(u8, u8)> = Vec::new();
    for (a, b) in runs {
        if b > a {
            split.push((a as u8, b as u8));
        } else {
            split.extend(
                [(a as u8, 24), (0, b as u8)]
                    .into_iter()
                    .filter(|r| r.1 > r.0),
            );
        }
    }
    split.sort_unstable();
    (split, one_window)
}

fn hours_text(runs: &[(u8, u8)]) -> String {
    let each: Vec<String> = runs
        .iter()
        .map(|(a, b)| format!("{a:02}:00–{b:02}:00"))
        .collect();
    each.join(" and ")
}

/// The commented-out maintenance window(s) to copy into a bank's `limits`, or what its 503s
/// showed when they fall in no one window.
pub fn closed_note(c: &ClosedHours) -> String {
    let mut s = String::new();
    let said = format!(
        "NOT FITTED: {} 503s of a closed bank (a maintenance window), on {} day(s), all within {}",
        c.count,
        c.days,
        hours_text(&c.runs)
    );
    if !c.one_window {
        let why = "no one window of at most 12 whole hours holds them, so none is suggested.";
        comment(&mut s, &format!("{said}: {why}"));
        return s;
    }
    comment(
        &mut s,
        &format!(
            "{said}. The window is at least those hours (the client called in no others); to \
             model it, add to limits:"
        ),
    );
    for (a, b) in &c.runs {
        let _ = writeln!(
            s,
            "#     {{ kind = \"maintenance\", start = \"{a:02}:00\", end = \"{b:02}:00\" }},"
        );
    }
    s
}

/// `text` as comment lines of at most 95 columns, continuations indented.
pub(super) fn comment(s: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.chars().count() + 1 + word.chars().count() > 95 && line.len() > 4 {
            let _ = writeln!(s, "{line}");
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(s, "{line}");
}

/// The file's header lines: what is left at defaults, and what the log showed of it.
pub fn header(fit: &Fit) -> String {
    let u = &fit.unfitted;
    let mut s = String::from("#\n");
    let items = [
        "NOT FITTED, left at their defaults (a log does not determine them; set them by hand):"
            .to_string(),
        "- warm-up: none ([window] warmup); every figure of a run includes its start, when no \
         connection has data yet."
            .to_string(),
        match closed_banks(fit) {
            Some(banks) => format!(
                "- maintenance windows: none; 503s of a closed bank: {banks} (the bank's section \
                 suggests the window they show, commented out)."
            ),
            None => "- maintenance windows: none (the log has no 503s of a closed bank).".into(),
        },
        "- time-of-day (`during`) limits, maintenance slowdowns and internal servers \
         (`servers`), penalty boxes whose 429s carry no Retry-After, and limits for one kind \
         of call (`applies_to`; a rate fitted counts every call): never fitted; they show as \
         429s that no policy explains and as longer latencies."
            .to_string(),
        format!(
            "- the client's retries ([retry]: none; the log has {} retries over {} day(s)), and \
             how customers' requests reach the bank (on_demand.lane: direct, outside the \
             client's slots).",
            u.retries,
            days(fit)
        ),
    ];
    for item in items.iter().chain(&joins_item(u)) {
        comment(&mut s, item);
    }
    s
}

/// Without a `reason` column, a link cannot be told from a connection present from the start.
fn joins_item(u: &Unfitted) -> Option<String> {
    (!u.reasons).then(|| {
        "- customers who join: none ([population] join_share); the log has no `reason` column, \
         so a connection's first call (a link fetch) cannot be told from one present from the \
         start: every connection seen is taken as present, its link fetch as a request."
            .to_string()
    })
}

/// The summary's line saying the same.
pub fn line(fit: &Fit) -> String {
    let u = &fit.unfitted;
    format!(
        "not fitted, left at defaults (the file's header lists them): warm-up; maintenance \
         windows ({}); time-of-day limits, internal servers, penalty boxes without Retry-After; \
         the client's retries ({} in the log){}",
        closed_banks(fit).map_or("no 503s of a closed bank in the log".into(), |b| {
            format!("503s of a closed bank: {b}")
        }),
        u.retries,
        if u.reasons {
            ""
        } else {
            "; joins (no `reason` column)"
        }
    )
}

/// The banks with 503s of a closed bank and their hours, if any.
fn closed_banks(fit: &Fit) -> Option<String> {
    let each: Vec<String> = fit
        .banks
        .iter()
        .filter_map(|b: &BankFit| {
            let c = b.closed.as_ref()?;
            Some(format!(
                "{} {} within {}",
                b.name,
                c.count,
                hours_text(&c.runs)
            ))
        })
        .collect();
    (!each.is_empty()).then(|| each.join(", "))
}

fn days(fit: &Fit) -> u64 {
    ((fit.span.1 - fit.span.0) as f64 / DAY_US as f64)
        .ceil()
        .max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64, m: i64) -> i64 {
        h * HOUR_US + m * 60_000_000
    }

    #[test]
    fn closed_hours_are_the_whole_hours_holding_the_503s() {
        let c = closed_hours(&[at(2, 5), at(2, 59), at(24 + 2, 30)]).unwrap();
        assert_eq!(
            (c.count, c.days, c.runs.clone(), c.one_window),
            (3, 2, vec![(2, 3)], true)
        );
        // Across midnight: one window, written as two.
        let c = closed_hours(&[at(23, 10), at(24, 20), at(48 + 1, 0)]).unwrap();
        assert_eq!(
            (c.runs.clone(), c.one_window),
            (vec![(0, 2), (23, 24)], true)
        );
        // Scattered: no window to suggest.
        let c = closed_hours(&[at(1, 0), at(7, 0)]).unwrap();
        assert_eq!(
            (c.runs.clone(), c.one_window),
            (vec![(1, 2), (7, 8)], false)
        );
        assert_eq!(closed_hours(&[]), None);
    }
}
