//! The tables of report.md: per day, per run, per bank, the vendor table and the sweep (the
//! paired comparison's is `paired_table`).

use crate::metric::Metric;
use crate::output::age_by_hour::HourRow;
use crate::output::terminal::QUARTERS;
use crate::output::text::{estimate, pct, thousands, LOWER_BOUND_LEGEND, NEVER_LEGEND};
use crate::report::dataset::{self, Dataset, RunData, SweepData, SweepPoint};
use crate::report::figures::{run_name, scenarios_of};
use crate::report::findings::{age, capitalise};
use crate::report::phrases::{cell, value_text};
use crate::time::SimDuration;
use std::fmt::Write as _;

/// The 429s of `rate_limited`, with a closed maintenance window's 503s beside them when
/// there were any (they are not rate limits).
pub(super) fn refused(rate_limited: u64, outage: u64) -> String {
    let n429 = thousands(rate_limited.saturating_sub(outage) as f64);
    match outage {
        0 => n429,
        n => format!("{n429} (+{} 503s)", thousands(n as f64)),
    }
}

pub(crate) fn runs_table(ds: &Dataset) -> String {
    let several = scenarios_of(&ds.runs.iter().collect::<Vec<_>>()).len() > 1;
    let mut s = String::from(
        "| Strategy | Attempts | Successes | 429s | Errors | Failure rate | Coverage | Users/day | Peak in flight | Data age p50 / p95 / p99 | Data older than 24 h / 48 h |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &ds.runs {
        let t = r.total();
        let age = |h: f64| age(h, t.age_horizon_hours);
        let ages = match (
            t.staleness_p50_hours,
            t.staleness_p95_hours,
            t.staleness_p99_hours,
        ) {
            (Some(a), Some(b), Some(c)) => format!("{} / {} / {}", age(a), age(b), age(c)),
            (Some(a), Some(b), None) => format!("{} / {} / —", age(a), age(b)),
            _ => "—".into(),
        };
        let stale = match (t.stale_24h_share, t.stale_48h_share) {
            (Some(a), Some(b)) => format!("{} / {}", pct(a), pct(b)),
            _ => "—".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&run_name(r, several)),
            thousands(t.attempts as f64),
            thousands(t.successes as f64),
            refused(t.rate_limited, t.outage_rejected),
            thousands(t.errors as f64),
            pct(t.failure_rate),
            coverage_cell(t),
            thousands(t.users_per_day),
            thousands(t.peak_in_flight as f64),
            ages,
            stale
        );
    }
    s
}

/// A run's coverage, and with a period shorter than a day the coverage of each period, which
/// a day's (one success a day) does not see: a trial's 12-hour queue read 100 % a day.
fn coverage_cell(t: &dataset::SummaryRow) -> String {
    match t.period_coverage {
        Some(p) => format!("{} ({} per period)", pct(t.coverage), pct(p)),
        None => pct(t.coverage),
    }
}

/// Each bank's coverage, failure rate and own 429s in each run (a trial read a bank's 0.94 %
/// failures, all 5xx errors, against a rule of 1 % own 429s), and the share of its
/// customers' app opens finding data a day old where every run measured it (`true` with
/// the table).
pub(crate) fn bank_table(ds: &Dataset) -> Option<(String, bool)> {
    let first = ds.runs.first()?;
    let banks = first.bank_names();
    if banks.len() < 2 {
        return None;
    }
    let several = scenarios_of(&ds.runs.iter().collect::<Vec<_>>()).len() > 1;
    let at_open = (ds.runs.iter()).all(|r| {
        r.summary
            .iter()
            .all(|b| b.stale_24h_at_open_share.is_some())
    });
    let mut s = String::from("| Bank |");
    for r in &ds.runs {
        let _ = write!(s, " {} |", cell(&run_name(r, several)));
    }
    s.push_str("\n|---|");
    for _ in &ds.runs {
        s.push_str("---:|");
    }
    s.push('\n');
    for b in &banks {
        let _ = write!(s, "| {} |", cell(b));
        for r in &ds.runs {
            match r.summary.iter().find(|x| &x.bank == b) {
                Some(x) => {
                    let (cov, fail) = (coverage_cell(x), pct(x.failure_rate));
                    let _ = write!(s, " {cov} / {fail} / {}", pct(x.client_failure_rate));
                    match x.stale_24h_at_open_share.filter(|_| at_open) {
                        Some(old) => {
                            let _ = write!(s, " / {} |", pct(old));
                        }
                        None => s.push_str(" |"),
                    }
                }
                None => s.push_str(" — |"),
            }
        }
        s.push('\n');
    }
    Some((s, at_open))
}

pub(crate) fn table_from_csv(rows: &[dataset::TableRow]) -> String {
    let mut s = String::from(
        "| Concurrency | Scenario | Refreshes/h | Refreshes/day (model) | Users/day (documented) | Failure rate |\n\
         |---:|---|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.concurrency,
            cell(&r.scenario),
            thousands(r.refreshes_per_hour),
            thousands(r.refreshes_per_day),
            r.documented_users_per_day
                .map(|d| format!("~{}", thousands(d)))
                .unwrap_or_else(|| "—".into()),
            pct(r.failure_rate)
        );
    }
    s
}

pub(crate) const MAX_SWEEP_ROWS: usize = 60;

/// The fields a sweep's table shows as columns: those with more than one value (all of them
/// where none has): a field with one value in every point is said once, above the table
/// (a trial's table repeated four fixed --sets on every row).
fn varying_fields(sw: &SweepData) -> Vec<usize> {
    let varying: Vec<usize> = (0..sw.params.len())
        .filter(|&i| sw.values(i).len() > 1)
        .collect();
    match varying.is_empty() {
        true => (0..sw.params.len()).collect(),
        false => varying,
    }
}

/// The fields a sweep's table does not show as columns (one value in every point), as a
/// line: `Every point: strategy.kind paced, window.length 8d.`; empty when there are none.
fn fixed_line(sw: &SweepData, shown: &[usize]) -> String {
    let fixed: Vec<String> = (0..sw.params.len())
        .filter(|i| !shown.contains(i))
        .filter_map(|i| {
            let v = sw.points.first()?.params[i].as_str();
            Some(format!(
                "`{}` {}",
                cell(&sw.params[i]),
                cell(&value_text(&sw.params[i], v))
            ))
        })
        .collect();
    match fixed.is_empty() {
        true => String::new(),
        false => format!("Every point: {}.\n\n", fixed.join(", ")),
    }
}

/// The metrics a sweep's table shows, of those its points measured: the own 429s where some
/// point's differ from its failure rate (5xx errors, maintenance 503s); the opens not fresh
/// where some point's differs from its opens a day old (its `window.fresh_within` is not a
/// day: a trial's 6 h went unseen in the table).
fn sweep_metrics(sw: &SweepData) -> Vec<Metric> {
    let not_fresh = sw.fresh_within_set();
    // The own 429s where they differ from every failure at some point (5xx, maintenance).
    let mean = |p: &SweepPoint, m: Metric| p.metrics.get(&m).map(|e| e.mean);
    let own = (sw.points.iter())
        .any(|p| mean(p, Metric::ClientFailureRate) != mean(p, Metric::FailureRate));
    [
        Metric::UsersPerDay,
        Metric::FailureRate,
        Metric::ClientFailureRate,
        Metric::OnDemandFailureRate,
        Metric::Coverage,
        Metric::PeriodCoverage,
        Metric::StalenessP95Hours,
        Metric::AtOpenP95Hours,
        Metric::NotFreshAtOpenShare,
        Metric::ApiCallsPerSuccess,
    ]
    .into_iter()
    .filter(|&m| sw.has_metric(m) && (m != Metric::NotFreshAtOpenShare || not_fresh))
    .filter(|&m| m != Metric::ClientFailureRate || own)
    .collect()
}

pub(crate) fn sweep_table(sw: &SweepData) -> String {
    let metrics = sweep_metrics(sw);
    let shown = varying_fields(sw);
    let mut s = fixed_line(sw, &shown);
    s.push('|');
    for &i in &shown {
        let _ = write!(s, " {} |", cell(&sw.params[i]));
    }
    for m in &metrics {
        // The cells carry their unit ("12.3 h"): not "(h)" again in the header.
        let _ = write!(
            s,
            " {} (mean ± 95 % CI) |",
            m.label().trim_end_matches(" (h)")
        );
    }
    s.push_str(" Replications |\n|");
    for _ in &shown {
        s.push_str("---|");
    }
    for _ in &metrics {
        s.push_str("---:|");
    }
    s.push_str("---:|\n");
    for p in sw.points.iter().take(MAX_SWEEP_ROWS) {
        s.push('|');
        for &i in &shown {
            let _ = write!(s, " {} |", cell(&value_text(&sw.params[i], &p.params[i])));
        }
        for m in &metrics {
            let txt = match p.metrics.get(m) {
                Some(st) => estimate(*m, st, p.lower_bounds.contains(m)),
                None => "—".into(),
            };
            let _ = write!(s, " {txt} |");
        }
        let _ = writeln!(
            s,
            " {} |",
            p.replications
                .map(|r| r.to_string())
                .unwrap_or_else(|| "—".into())
        );
    }
    // Only where a cell shown says "≥" or "never".
    if (sw.points.iter()).any(|p| metrics.iter().any(|m| p.lower_bounds.contains(m))) {
        let _ = writeln!(s, "\n{LOWER_BOUND_LEGEND}");
    }
    let never = |p: &SweepPoint| {
        metrics
            .iter()
            .any(|m| p.metrics.get(m).is_some_and(|st| st.mean.is_infinite()))
    };
    if sw.points.iter().take(MAX_SWEEP_ROWS).any(never) {
        let _ = writeln!(s, "\n{NEVER_LEGEND}");
    }
    if sw.points.len() > MAX_SWEEP_ROWS {
        let _ = writeln!(
            s,
            "\nThe first {MAX_SWEEP_ROWS} of {} points; all are in {}.",
            sw.points.len(),
            sw.source
        );
    }
    s
}

/// The freshness the quarter table counts from, where not a day: `window.fresh_within`,
/// where every run of the table shares it (as `run`'s quarters count from it) and its
/// `data_age_by_hour.csv` has the shares; else `None`, the day-old shares.
pub(crate) fn quarter_fresh(ds: &Dataset) -> Option<SimDuration> {
    let runs: Vec<&RunData> = (ds.runs.iter()).filter(|r| r.by_hour.len() == 24).collect();
    let fresh = runs.first()?.fresh_limit()?;
    let same = (runs.iter()).all(|r| r.fresh_limit() == Some(fresh));
    let shares = (runs.iter()).all(|r| r.by_hour.iter().any(|h| h.not_fresh_share.is_some()));
    (same && shares).then_some(fresh)
}

/// App opens finding data a day old (or `window.fresh_within` old: [`quarter_fresh`]) or
/// none, by quarter of the day, bank by bank and for all, in each run: each quarter's hours weighed by their share of the opens (as `run`'s
/// "by the clock" line; a night pass leaves fresh mornings and stale evenings that the
/// day's figure averages away, and a trial's product manager computed these by hand from
/// `data_age_by_hour.csv`). `None` without the hours, or where no run has customers'
/// opens measured.
pub(crate) fn quarter_table(ds: &Dataset) -> Option<String> {
    let runs: Vec<&RunData> = (ds.runs.iter()).filter(|r| r.by_hour.len() == 24).collect();
    if runs.is_empty() {
        return None;
    }
    let several = scenarios_of(&runs).len() > 1;
    let mut s = String::from("| Run | Bank |");
    for (name, from) in QUARTERS {
        let _ = write!(s, " {} {from:02}–{:02} |", capitalise(name), from + 6);
    }
    s.push_str("\n|---|---|---:|---:|---:|---:|\n");
    let (mut any, mut dash) = (false, false);
    for r in &runs {
        let banks = r.bank_names();
        let mut rows: Vec<(String, Vec<HourRow>)> = match banks.len() > 1 {
            true => (banks.iter())
                .map(|b| (b.clone(), r.bank_hours(b)))
                .collect(),
            false => Vec::new(),
        };
        let all = match &banks[..] {
            [one] => one.clone(),
            _ => "all banks".into(),
        };
        rows.push((all, r.by_hour.clone()));
        for (bank, hours) in rows {
            let _ = write!(s, "| {} | {} |", cell(&run_name(r, several)), cell(&bank));
            for (_, from) in QUARTERS {
                let share = quarter_share(&hours[..], from, quarter_fresh(ds).is_some());
                any |= share.is_some();
                dash |= share.is_none();
                let _ = write!(s, " {} |", share.map_or("—".into(), pct));
            }
            s.push('\n');
        }
    }
    if dash {
        s.push_str(
            "\n— : no app open measured in that quarter (the app-open profile weighs it 0, or \
             the bank had no connection then).\n",
        );
    }
    any.then_some(s)
}

/// The share of the opens in the six hours from `from` finding data a day old or none (or,
/// with `fresh`, `window.fresh_within` old): the hours' shares weighed by
/// their opens (`None` where no open falls in them or none is measured).
fn quarter_share(hours: &[HourRow], from: usize, fresh: bool) -> Option<f64> {
    let (mut opens, mut old) = (0.0, 0.0);
    for h in hours
        .iter()
        .filter(|h| (from..from + 6).contains(&(h.hour as usize)))
    {
        let share = match fresh {
            true => h.not_fresh_share,
            false => h.stale_24h_share,
        };
        if let Some(x) = share {
            opens += h.app_open_share;
            old += h.app_open_share * x;
        }
    }
    (opens > 0.0).then(|| old / opens)
}
