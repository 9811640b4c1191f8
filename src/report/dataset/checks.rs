//! What a report refuses to read: files a user edited or cut, checked against what wrote
//! them (or against each other), so that a damaged file is named rather than drawn.

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::paired;
use crate::output::summary::{self, SummaryRow};
use crate::output::sweep::{self, PointRow, SweepRow};
use crate::output::timeseries::MinuteRow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every share of a summary (coverage, failure rate, the stale shares: `Metric::is_share`)
/// lies in [0, 1]: one that does not is an edited file, refused naming its line and column,
/// not drawn as 150 %.
pub(super) fn check_shares(path: &Path, rows: &[SummaryRow]) -> Result<()> {
    for (i, r) in rows.iter().enumerate() {
        share_in_range(path, i, |m| r.metric(m), "")?;
    }
    Ok(())
}

/// The same of a sweep's points, by their means (`<metric>_mean`).
pub(super) fn check_point_shares(path: &Path, points: &[PointRow]) -> Result<()> {
    for (i, p) in points.iter().enumerate() {
        share_in_range(path, i, |m| p.stat(m).map(|e| e.mean), "_mean")?;
    }
    Ok(())
}

/// Row `i`'s shares, each read by `value`, in [0, 1].
fn share_in_range(
    path: &Path,
    i: usize,
    value: impl Fn(Metric) -> Option<f64>,
    suffix: &str,
) -> Result<()> {
    for m in Metric::ALL.into_iter().filter(|m| m.is_share()) {
        if let Some(v) = value(m).filter(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::input(format!(
                "{}: line {}: `{m}{suffix}` is {v}, not a share between 0 and 1 (an edited \
                 file? rerun to write it again)",
                path.display(),
                i + 2
            )));
        }
    }
    Ok(())
}

/// `sweep_summary.csv`'s points are those `sweep.csv`'s rows (`rows_file`) summarise (or
/// the banks' files' alike): the same points, in order, with the same means (to the six
/// decimals written). One that is not is a cut-off or edited file, refused naming its line
/// and column rather than drawn.
pub(super) fn agrees(
    path: &Path,
    points: &[PointRow],
    (rows_file, from_rows): (&str, &[PointRow]),
) -> Result<()> {
    let refuse = |what: String| {
        Err(Error::input(format!(
            "{}: {what}: a cut-off or edited file (remove it, and the report summarises \
             {rows_file} itself)",
            path.display(),
        )))
    };
    if points.len() != from_rows.len() {
        let n = from_rows.len();
        return refuse(format!(
            "{} point(s) where {rows_file} has {n}",
            points.len()
        ));
    }
    for (i, (p, q)) in points.iter().zip(from_rows).enumerate() {
        if p.params != q.params {
            return refuse(format!("line {}: the point is not {rows_file}'s", i + 2));
        }
        for m in Metric::ALL {
            let (a, b) = (p.stat(m).map(|e| e.mean), q.stat(m).map(|e| e.mean));
            let same = match (a, b) {
                (Some(a), Some(b)) => a == b || (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
            if !same {
                return refuse(format!(
                    "line {}: `{m}_mean` is not the mean of {rows_file}'s runs",
                    i + 2
                ));
            }
        }
    }
    Ok(())
}

/// The banks' files belong to the sweep beside them: the same grid, then `bank`; each row
/// a bank's (not `all`) of a run `sweep.csv` has (point, replication and seed), in
/// `sweep.csv`'s order. Another sweep's files copied in, or an edited one, are refused.
pub(super) fn banks_belong(
    dir: &Path,
    params: &[String],
    (summary, rows): (Option<&[String]>, Option<&super::sweep_data::Rows>),
    runs: Option<&[SweepRow]>,
) -> Result<()> {
    let refuse = |file: &str, what: String| {
        Err(Error::input(format!(
            "{}: {what}: not the sweep's beside it ({}); remove the banks' files or run the \
             sweep again",
            dir.join(file).display(),
            sweep::SWEEP_FILE
        )))
    };
    let columns = |c: &[String]| format!("its grid's columns are {}", c.join(", "));
    if let Some(c) = summary.filter(|c| c[..] != sweep::banks_columns(params)[..]) {
        return refuse(sweep::BANKS_SUMMARY_FILE, columns(c));
    }
    let Some((grid, bank_rows)) = rows else {
        return Ok(());
    };
    if grid[..] != params[..] {
        return refuse(sweep::BANKS_FILE, columns(grid));
    }
    let mut run = runs.map(|r| r.iter());
    let mut current = run.as_mut().and_then(|r| r.next());
    for (i, b) in bank_rows.iter().enumerate() {
        let of = |r: &&SweepRow| {
            r.params == b.params && r.replication == b.replication && r.run.seed == b.run.seed
        };
        if let Some(run) = run.as_mut() {
            while current.is_some_and(|r| !of(&r)) {
                current = run.next();
            }
        }
        if b.run.bank == "all" || (runs.is_some() && current.is_none()) {
            return refuse(
                sweep::BANKS_FILE,
                format!("line {}: not a bank's row of a run of the sweep", i + 2),
            );
        }
    }
    Ok(())
}

/// `timeseries.csv` counts every attempt of the run minute by minute, so each bank's
/// columns sum to its row of `summary.csv` (attempts, admitted, successes, 429s, errors).
/// Totals that differ are a cut-off or edited file (a copy stopped short, rows deleted),
/// refused naming the bank and the column rather than drawn as a quieter day. The series
/// stops a day after the window (`metrics/series.rs`): when it reaches that far, calls that
/// ended later are in the totals only, so there successes and errors may sum to less. The series
/// stops a day after the window (`metrics/series.rs`): when it reaches that far, calls that
/// ended later are in the totals only, so there successes and errors may sum to less.
pub(super) fn series_agrees(
    path: &Path,
    series: &[MinuteRow],
    summary: &[SummaryRow],
) -> Result<()> {
    let mut sums: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    for m in series {
        let s = sums.entry(m.bank.as_str()).or_default();
        let row = [
            m.submitted,
            m.admitted,
            m.successes,
            m.rate_limited,
            m.errors,
        ];
        for (a, b) in s.iter_mut().zip(row) {
            *a += u64::from(b);
        }
    }
    const COLUMNS: [&str; 5] = [
        "submitted",
        "admitted",
        "successes",
        "rate_limited",
        "errors",
    ];
    let minutes = series.iter().map(|m| m.minute + 1).max().unwrap_or(0) as f64;
    let limit = summary
        .first()
        .map_or(0.0, |r| 60.0 * r.window_hours + 1440.0);
    let cut_by_design = minutes + 1.0 >= limit;
    for r in summary.iter().filter(|r| r.bank != "all") {
        let want = [
            r.attempts,
            r.admitted,
            r.successes,
            r.rate_limited,
            r.errors,
        ];
        let have = sums.get(r.bank.as_str()).copied().unwrap_or_default();
        // Successes and errors (calls ending) past the series' end are in the totals only.
        let agrees = |k: usize| match cut_by_design && (k == 2 || k == 4) {
            true => have[k] <= want[k],
            false => have[k] == want[k],
        };
        if let Some(k) = (0..5).find(|&k| !agrees(k)) {
            return Err(Error::input(format!(
                "{}: bank `{}`: its `{}` column sums to {}, but {} counts {}: a cut-off or \
                 edited file (rerun to write it again)",
                path.display(),
                r.bank,
                COLUMNS[k],
                have[k],
                summary::FILE,
                want[k]
            )));
        }
    }
    Ok(())
}

/// The subdirectories of `dir` (`subdirs`, relative) holding results a report of `dir` does
/// not read, each with what it is: a sweep's (`sweep.csv`, `sweep_summary.csv`) or a
/// comparison's (`paired.csv`; not the `paired/` a report reads beside its scenario's runs,
/// as the default experiment writes them). A report reads one kind of results directory;
/// these are named rather than left out in silence.
pub(super) fn unread_subdirs(dir: &Path, subdirs: &[PathBuf]) -> Vec<(PathBuf, &'static str)> {
    subdirs
        .iter()
        .filter(|a| a.as_os_str() != paired::DIR)
        .filter_map(|a| {
            let d = dir.join(a);
            let kind =
                if d.join(sweep::SWEEP_FILE).is_file() || d.join(sweep::SUMMARY_FILE).is_file() {
                    "a sweep"
                } else if d.join(paired::FILE).is_file() {
                    "a comparison"
                } else {
                    return None;
                };
            Some((a.clone(), kind))
        })
        .collect()
}

/// Refuses a directory whose subdirectories hold results its report would leave out (`read`:
/// the runs it found), pointing at the first.
pub(super) fn refuse_unread(dir: &Path, unread: &[(PathBuf, &str)], read: usize) -> Result<()> {
    let Some((first, _)) = unread.first() else {
        return Ok(());
    };
    let list: Vec<String> = unread
        .iter()
        .map(|(a, kind)| format!("{} ({kind})", a.display()))
        .collect();
    let (list, first) = (list.join(", "), dir.join(first));
    let (dir, first) = (dir.display(), first.display());
    Err(Error::input(match read {
        0 => format!(
            "{dir}: holds no results of its own, but its subdirectories hold {list}: report on \
             {} (`refresh-sim report {first}`)",
            if unread.len() == 1 { "it" } else { "each" }
        ),
        n => format!(
            "{dir}: its subdirectories hold {list} beside {n} run(s): a report reads one kind \
             of results, so report on each directory apart (`refresh-sim report {first}`)"
        ),
    }))
}
