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
/// bad-day finding names), where one did and the runs have more than one bank (else the
/// table above is its own).
pub(crate) fn troubled_bank_table(ds: &Dataset) -> Option<String> {
    let runs = runs_by_day(ds);
    if runs.iter().all(|r| r.banks().len() < 2) {
        return None;
    }
    let bank = troubled_bank(&runs)?;
    let intro = format!(
        "Per day at {bank}, the bank whose data a day old or older rose most on one day \
         (its rows of daily.csv, the columns as in the table above"
    );
    Some(table(&runs, &intro, Some(&bank), false))
}

/// The table of `runs`' days, every bank's or `bank`'s, under `intro` (an open parenthesis
/// closed after the data-age columns' `legend`, if asked and there are any).
fn table(runs: &[&RunData], intro: &str, bank: Option<&str>, legend: bool) -> String {
    let several = scenarios_of(runs).len() > 1;
    let aged = (runs.iter()).any(|r| r.daily.iter().any(|d| d.stale_24h_share.is_some()));
    let mut s = intro.to_string();
    if aged && legend {
        s.push_str(AGE_LEGEND);
    }
    s.push_str("):\n\n");
    if runs.len() > 1 {
        s.push_str("| Strategy ");
    }
    s.push_str("| Day | Users | Coverage | 429s |");
    if aged {
        s.push_str(
            " Data age p50 / p95 | 24 h or older | Opens finding ≥ 24 h old | Connections ≥ 24 h \
             / ≥ 48 h old for an hour |",
        );
        if bank.is_none() {
            s.push_str(" Oldest bank's 24 h or older |");
        }
    }
    s.push_str(if runs.len() > 1 {
        "\n|---|---|"
    } else {
        "\n|---|"
    });
    let columns = 3 + if aged {
        4 + usize::from(bank.is_none())
    } else {
        0
    };
    s.push_str(&"---:|".repeat(columns));
    s.push('\n');
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
                "| {day} | {} | {} | {} |",
                thousands(d.users as f64),
                pct(d.coverage),
                super::tables::refused(d.rate_limited, d.outage_rejected)
            );
            if aged {
                s.push_str(&day_age(r, d, bank.is_none()));
            }
            s.push('\n');
        }
    }
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
