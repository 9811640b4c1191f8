//! The sweep's table on the terminal.

use super::SweepOutcome;
use crate::metric::Metric;
use crate::output::sweep::PointRow;
use crate::output::text::{as_written, column_widths, estimate, LOWER_BOUND_LEGEND};
use std::fmt::Write as _;

/// A table of the sweep's key results: per point, mean ± 95 % half-width.
pub fn human_table(o: &SweepOutcome) -> String {
    let shown = shown(o);
    let (kept, fixed) = split_columns(o);
    let mut header: Vec<String> = kept.iter().map(|&i| o.columns[i].clone()).collect();
    header.extend(shown.iter().map(|(_, h)| h.to_string()));
    if !o.bank_summaries.is_empty() {
        let least = match covered_by(&shown) {
            Metric::PeriodCoverage => "least covered bank (per period)",
            _ => "least covered bank",
        };
        header.extend(["most own 429s (bank)", least].map(String::from));
    }
    let rows: Vec<Vec<String>> = (o.summaries.iter())
        .map(|s| point_row(o, s, &kept, &shown))
        .collect();
    let widths = column_widths(&header, &rows);
    let mut out = String::new();
    let reps = o.summaries.first().map_or(0, |s| s.replications);
    let runs = o.ran + o.resumed;
    let resumed = match o.resumed {
        0 => String::new(),
        n => format!(", {n} resumed"),
    };
    if let Some(s) = o.shard {
        let how = match o.ran {
            0 if runs > 0 => "already complete".to_string(),
            ran => format!("{ran} run now on {} thread(s){resumed}", o.threads),
        };
        let _ = writeln!(
            out,
            "shard {}/{}: {runs} run(s) ({how}); merge the shards with `refresh-sim merge`",
            s.index, s.count
        );
        return out;
    }
    let how = match o.merged {
        0 => format!("{} run now on {} thread(s){resumed}", o.ran, o.threads),
        n => format!("merged from {n} shard(s)"),
    };
    let _ = writeln!(
        out,
        "sweep: {} point(s) × {reps} replication(s) = {runs} runs ({how}); mean ± 95 % CI half-width",
        o.summaries.len(),
    );
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    if !fixed.is_empty() {
        let _ = writeln!(out, "every point: {}", fixed.join(", "));
    }
    let _ = writeln!(out, "{}", line(&header));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    // Only where a cell shown says "≥".
    let marked = |s: &PointRow| shown.iter().any(|(m, _)| s.lower_bounds.contains(m));
    if o.summaries.iter().any(marked) {
        let _ = writeln!(out, "{}", LOWER_BOUND_LEGEND);
    }
    out
}

/// Point `s`'s cells: the grid's values that vary (`kept`), the `shown` metrics and, where
/// the runs have banks' rows, the bank with the most own 429s and the least covered.
fn point_row(
    o: &SweepOutcome,
    s: &PointRow,
    kept: &[usize],
    shown: &[(Metric, &str)],
) -> Vec<String> {
    let cell = |m: Metric| match s.stat(m) {
        None => "—".to_string(),
        Some(e) => estimate(m, &e, s.lower_bounds.contains(&m)),
    };
    let mut r: Vec<String> = kept.iter().map(|&i| s.params[i].clone()).collect();
    r.extend(shown.iter().map(|(m, _)| cell(*m)));
    if !o.bank_summaries.is_empty() {
        // A point of one bank (a sweep over the banks) has no banks' rows.
        let dash = || "—".to_string();
        // By the client's own 429s, what a per-bank risk rule bounds: 5xx errors and a
        // maintenance window's 503s, which no setting avoids, put a bank failing 1.39 % at
        // the top where its own 429s were 0.38 % (a trial's).
        let failing = worst_bank(o, s, Metric::ClientFailureRate, true, 0.0);
        // A point without each period's figure (a period of days) by its coverage.
        let covered = worst_bank(o, s, covered_by(shown), false, 1.0)
            .or_else(|| worst_bank(o, s, Metric::Coverage, false, 1.0));
        r.push(failing.unwrap_or_else(dash));
        r.push(covered.unwrap_or_else(dash));
    }
    r
}

/// The bank of point `s` worst by `m` (`high`: the highest mean is worst, else the lowest),
/// with its mean and half-width (`None` without banks' rows; the first of equals; "none"
/// where no bank is worse than `clean`): which bank gives way first as the grid moves, by
/// its own 429s or its coverage.
fn worst_bank(o: &SweepOutcome, s: &PointRow, m: Metric, high: bool, clean: f64) -> Option<String> {
    let n = s.params.len();
    let bad = |b: &PointRow| {
        let v = b.stat(m).map_or(f64::NAN, |e| e.mean);
        if high {
            v
        } else {
            -v
        }
    };
    let worst = (o.bank_summaries.iter())
        .filter(|b| b.params.len() == n + 1 && b.params[..n] == s.params[..])
        .filter(|b| !bad(b).is_nan())
        .reduce(|a, b| if bad(b) > bad(a) { b } else { a })?;
    let e = worst.stat(m)?;
    if (high && e.mean <= clean) || (!high && e.mean >= clean) {
        return Some("none".into());
    }
    Some(format!("{} {}", worst.params[n], estimate(m, &e, false)))
}

/// The columns that vary between points, and the others said once, above the table (a
/// `--set` given one value is every point's, as report.md's table has it): `name = value`.
/// One point shows them all.
fn split_columns(o: &SweepOutcome) -> (Vec<usize>, Vec<String>) {
    let first = |i: usize| &o.summaries[0].params[i];
    let varies = |i: usize| o.summaries.iter().any(|s| s.params[i] != *first(i));
    let kept: Vec<usize> = match o.summaries.len() {
        0 | 1 => (0..o.columns.len()).collect(),
        _ => (0..o.columns.len()).filter(|&i| varies(i)).collect(),
    };
    let fixed = (0..o.columns.len())
        .filter(|i| !kept.contains(i))
        .map(|i| format!("{} = {}", o.columns[i], first(i)))
        .collect();
    (kept, fixed)
}

/// What the least covered bank is judged by: the coverage of each period where a point's
/// period is shorter than a day (a day's coverage read a trial's dominant bank at 99–100 %
/// while it missed a quarter of its 8-hour periods), else coverage.
fn covered_by(shown: &[(Metric, &str)]) -> Metric {
    match shown.iter().any(|(m, _)| *m == Metric::PeriodCoverage) {
        true => Metric::PeriodCoverage,
        false => Metric::Coverage,
    }
}

/// The metrics the table shows: every failure, and the client's own 429s (what `plan`
/// bounds: not the 5xx floor nor a maintenance window's 503s, which no setting avoids); the
/// customers' failures where they ask (429s, 5xx and 503s of their in-app requests); the
/// data age where the runs measured it, the p95 that
/// customers' app opens find beside the p95 over time; the coverage of each period where a
/// point's period is shorter than a day (a daily point's is its coverage); the background's
/// own coverage where it differs, customers or reconnections fetching (theirs count in
/// coverage: a trial's queue read 91.4 % with its customers, 77.0 % without); the opens
/// finding data past `window.fresh_within` where that is not a day; and what a refresh costs in calls to
/// the aggregator (a trial at one swept its polling and found no load in the table).
fn shown(o: &SweepOutcome) -> Vec<(Metric, &'static str)> {
    let measured = |m: Metric| o.summaries.iter().any(|s| s.stat(m).is_some());
    let mean = |s: &PointRow, m: Metric| s.stat(m).map(|e| as_written(e.mean));
    let background = (o.summaries.iter())
        .any(|s| mean(s, Metric::BackgroundCoverage) != mean(s, Metric::Coverage));
    // The opens not fresh where a point's `window.fresh_within` is not a day.
    let not_fresh = (o.summaries.iter())
        .any(|s| mean(s, Metric::NotFreshAtOpenShare) != mean(s, Metric::Stale24hAtOpenShare));
    [
        (Metric::FailureRate, "failure rate"),
        (Metric::ClientFailureRate, "own 429s"),
        // Customers' in-app requests' failures (429s, 5xx, 503s), where they ask: a lender's
        // trial found them in sweep_summary.csv alone.
        (Metric::OnDemandFailureRate, "customers' failures"),
        (Metric::Coverage, "coverage"),
        (Metric::PeriodCoverage, "per period"),
        (Metric::BackgroundCoverage, "background"),
        (Metric::UsersPerDay, "users/day"),
        (Metric::StalenessP95Hours, "data age p95"),
        (Metric::AtOpenP95Hours, "at app open p95"),
        (Metric::NotFreshAtOpenShare, "opens not fresh"),
        (Metric::ApiCallsPerSuccess, "API calls/success"),
    ]
    .into_iter()
    .filter(|&(m, _)| measured(m) && (m != Metric::BackgroundCoverage || background))
    .filter(|&(m, _)| m != Metric::NotFreshAtOpenShare || not_fresh)
    .collect()
}
