//! The per-day tables of report.md: every bank's days, and the days of the bank whose data
//! aged most on one day (a bad day at one bank hides in the all-bank figures: a trial's
//! troubled bank's days were in `daily.csv` alone).

use crate::output::text::{pct, thousands};
use crate::report::dataset::{DailyRow, Dataset, RunData};
use crate::report::figures::{run_name, scenarios_of};
use crate::report::findings::{age, troubled_bank};
use crate::report::phrases::cell;
use std::fmt::Write as _;

/// What the data-age columns count, said once above each table that has them.
const AGE_LEGEND: &str = "; connections ≥ 24 h or ≥ 48 h old: those whose data was that old \
     for an hour or more of the day, counted in connections rather than connection-time, each \
     a customer's data whether or not they opened the app (one with no data counts once it has \
     had none that long; the share counts it at once); opens finding ≥ 24 h old: the share of \
     the day's app opens that found data 24 h old or older, or no data yet, each hour weighed \
     by the app-open profile (empty for the warm-up's days)";

/// What the column of each period's coverage counts, said where it is shown.
const PERIOD_LEGEND: &str = "; each period covered: the share of the due connections \
     refreshed in each of the day's periods (coverage counts one success a day)";

/// The runs whose daily.csv has more than one measured day.
fn runs_by_day(ds: &Dataset) -> Vec<&RunData> {
    (ds.runs.iter())
        .filter(|r| r.daily_totals().iter().filter(|d| d.measured).count() > 1)
        .collect()
}

/// Per day, all banks: users, coverage and 429s, for runs whose daily.csv has more than
/// one measured day; with data age where daily.csv holds it, and the bank whose data was
/// oldest that day.
pub(crate) fn daily_table(ds: &Dataset) -> Option<String> {
    let runs = runs_by_day(ds);
    if runs.is_empty() {
        return None;
    }
    let intro = "Per day, all banks (days of 24 h from the window's start, as in daily.csv; a \
                 day holding the warm-up is not in the per-day averages";
    Some(table(&runs, intro, None, true))
}

/// Per day at the bank whose share of data a day old rose most on one day (the first the
/// bad-day finding names), or else whose opens past `window.fresh_within` did, where one did
/// and the runs have more than one bank (else the table above is its own).
pub(crate) fn troubled_bank_table(ds: &Dataset) -> Option<String> {
    let runs = runs_by_day(ds);
    if runs.iter().all(|r| r.banks().len() < 2) {
        return None;
    }
    let (bank, what) = troubled_bank(&runs)?;
    let intro = format!(
        "Per day at {bank}, the bank whose {what} rose most on one day (its rows of \
         daily.csv, the columns as in the table above"
    );
    Some(table(&runs, &intro, Some(&bank), false))
}

/// The table of `runs`' days, every bank's or `bank`'s, under `intro` (an open parenthesis
/// closed after the data-age columns' `legend`, if asked and there are any).
fn table(runs: &[&RunData], intro: &str, bank: Option<&str>, legend: bool) -> String {
    let several = scenarios_of(runs).len() > 1;
    let aged = (runs.iter()).any(|r| r.daily.iter().any(|d| d.stale_24h_share.is_some()));
    // A client refreshing more often than daily: a day's coverage (one success a day) and
    // its opens a day old read whole through an outage that costs it half its periods.
    let periods = (runs.iter()).any(|r| r.daily.iter().any(|d| d.period_coverage.is_some()));
    let fresh = fresh_heading(runs);
    let mut s = intro.to_string();
    if aged && legend {
        s.push_str(AGE_LEGEND);
    }
    if periods && legend {
        s.push_str(PERIOD_LEGEND);
    }
    s.push_str("):\n\n");
    let oldest = aged && bank.is_none();
    s.push_str(&head(
        runs.len() > 1,
        periods,
        fresh.as_deref(),
        [aged, oldest],
    ));
    for r in runs {
        let days: Vec<&DailyRow> = match bank {
            None => r.daily_totals(),
            Some(b) => {
                let mut v: Vec<&DailyRow> = r.daily.iter().filter(|d| d.bank == b).collect();
                v.sort_by_key(|d| d.day);
                v
            }
        };
        for d in days {
            let day = match d.measured {
                true => d.day.to_string(),
                false => format!("{} (warm-up day)", d.day),
            };
            if runs.len() > 1 {
                let _ = write!(s, "| {} ", cell(&run_name(r, several)));
            }
            let _ = write!(
                s,
                "| {day} | {} | {} |",
                thousands(d.users as f64),
                pct(d.coverage)
            );
            for (shown, x) in [
                (periods, d.period_coverage),
                (fresh.is_some(), d.not_fresh_at_open_share),
            ] {
                if shown {
                    let _ = write!(s, " {} |", x.map_or(String::new(), pct));
                }
            }
            let refused = super::tables::refused(d.rate_limited, d.outage_rejected);
            let _ = write!(s, " {refused} |");
            if aged {
                s.push_str(&day_age(r, d, bank.is_none()));
            }
            s.push('\n');
        }
    }
    s
}

/// The heading of the opens finding data `window.fresh_within` old, where some run's is not
/// a day and its daily.csv has them: its hours where every run's is the same.
fn fresh_heading(runs: &[&RunData]) -> Option<String> {
    let shown = runs.iter().any(|r| r.fresh_within().is_some());
    let first = runs.first().and_then(|r| r.fresh_within());
    let same = first.filter(|_| runs.iter().all(|r| r.fresh_within() == first));
    shown.then(|| match same {
        Some(fresh) => format!(
            " Opens finding ≥ {} old (window.fresh_within) |",
            crate::output::terminal::old_words(fresh)
        ),
        None => " Opens finding data window.fresh_within old or older |".into(),
    })
}

/// The table's heading and its rule: a strategy column where several runs; the columns of
/// each period's coverage, of the opens past `window.fresh_within` (its heading), and, where
/// `shown` says, of the data age and of the oldest bank.
fn head(several: bool, periods: bool, fresh: Option<&str>, shown: [bool; 2]) -> String {
    let mut s = String::from(if several { "| Strategy " } else { "" });
    s.push_str("| Day | Users | Coverage |");
    if periods {
        s.push_str(" Each period covered |");
    }
    s.push_str(fresh.unwrap_or(""));
    s.push_str(" 429s |");
    let optional = [
        " Data age p50 / p95 | 24 h or older | Opens finding ≥ 24 h old | Connections ≥ 24 h \
         / ≥ 48 h old for an hour |",
        " Oldest bank's 24 h or older |",
    ];
    for (cells, _) in optional.iter().zip(shown).filter(|(_, on)| *on) {
        s.push_str(cells);
    }
    s.push_str(if several { "\n|---|---|" } else { "\n|---|" });
    let columns = s.lines().next().map_or(0, |l| l.matches(" |").count());
    let numbers = columns - 1 - usize::from(several);
    s.push_str(&"---:|".repeat(numbers));
    s.push('\n');
    s
}

/// A row's data-age cells: the day's median and 95th percentile, its share 24 h old or
/// older, the opens finding that, the connections that old; with `oldest`, the bank with the
/// most such that day, the first of equals (empty where daily.csv has none, or every bank's
/// rounds to none).
fn day_age(r: &RunData, d: &DailyRow, oldest: bool) -> String {
    let horizon = r.total().age_horizon_hours;
    let (Some(p50), Some(p95), Some(stale)) = (
        d.staleness_p50_hours,
        d.staleness_p95_hours,
        d.stale_24h_share,
    ) else {
        return if oldest { " | | | | |" } else { " | | | |" }.into();
    };
    let mut s = format!(
        " {} / {} | {} | {} | {} / {} |",
        age(p50, horizon),
        age(p95, horizon),
        pct(stale),
        d.stale_24h_at_open_share.map_or(String::new(), pct),
        thousands(d.stale_24h_connections as f64),
        thousands(d.stale_48h_connections as f64),
    );
    if oldest {
        let bank = (r.daily.iter())
            .filter(|b| b.day == d.day && b.bank != "all")
            .filter_map(|b| Some((b.stale_24h_share?, b.bank.as_str())))
            .min_by(|a, b| b.0.total_cmp(&a.0))
            .filter(|(x, _)| pct(*x) != pct(0.0))
            .map_or(String::new(), |(x, bank)| {
                format!("{} {}", cell(bank), pct(x))
            });
        let _ = write!(s, " {bank} |");
    }
    s
}
