//! What a results directory holds, read back through the writers' record types for charts
//! and `report.md`.
//!
//! `refresh-sim report DIR` accepts any directory the other commands write:
//! - a run directory (`run`): `summary.csv`, `daily.csv`, `timeseries.csv`, `staleness.csv`;
//! - the default experiment's directory: `table.csv` (+ `table.md`), `compare.csv` and one run
//!   directory per compared strategy, `<scenario>/<strategy>/`;
//! - a sweep directory (`sweep`): `sweep.csv` (one row per point × replication) and
//!   `sweep_summary.csv` (per point, each metric's mean, sd and 95 % half-width); the points
//!   come from the summary, the scenario, population, window and base seed
//!   ([`SweepContext`]) from the rows;
//! - a paired comparison (`compare`): `paired.csv` (+ `paired.md`), in the directory itself or,
//!   in the default experiment's directory, in `<scenario>/paired/` ([`PairedData`]).
//!
//! Each file is read by the type that writes it (`crate::output`), so a file of another
//! layout is an error that names it, never a chart drawn from the wrong column. Of a run
//! directory only `summary.csv` is required; a chart whose file is absent is not drawn.

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::age_by_hour::{self, HourRow};
use crate::output::paired::{self, by_variant, ranking};
use crate::output::sweep::{SUMMARY_FILE, SWEEP_FILE};
use crate::output::{daily, read, staleness, summary, table, timeseries};
use std::path::{Path, PathBuf};

mod checks;
mod sweep_data;

use sweep_data::read_sweep;
pub use sweep_data::{SweepContext, SweepData, SweepPoint};

pub use crate::output::daily::DailyRow;
pub use crate::output::paired::PairedRow;
pub use crate::output::staleness::AgeRow;
pub use crate::output::summary::{strategy_label, SummaryRow};
pub use crate::output::table::TableRow;
pub use crate::output::timeseries::MinuteRow;

/// One run: its summary rows (per bank, then `all`) and, when present, its series.
#[derive(Clone, Debug, PartialEq)]
pub struct RunData {
    /// Where the run's files are, relative to the report's directory (empty: the directory
    /// itself; `None`: only known from `compare.csv`).
    pub rel_dir: Option<PathBuf>,
    pub summary: Vec<SummaryRow>,
    /// Minute of day (0..1440) at which the window opens, from `timeseries.csv`.
    pub start_minute_of_day: Option<u32>,
    pub series: Vec<MinuteRow>,
    /// Data age over connection-time, from `staleness.csv` (per bank and `all`).
    pub staleness: Vec<AgeRow>,
    /// Per-day counters, from `daily.csv` (per bank and `all`).
    pub daily: Vec<DailyRow>,
    /// Data age by the hour of the day, all banks, from `data_age_by_hour.csv` (24 rows/none).
    pub by_hour: Vec<HourRow>,
    /// The same, each bank's 24 rows in the scenario's order.
    pub by_hour_banks: Vec<HourRow>,
    pub has_series: bool,
    pub has_staleness: bool,
    /// Its directory, when another run of the report has the same strategy label on the
    /// same scenario (two runs of one strategy with other settings): told apart by it.
    pub dir_name: Option<String>,
}

impl RunData {
    /// The `all` row (or, if absent, the first row).
    pub fn total(&self) -> &SummaryRow {
        self.summary
            .iter()
            .find(|s| s.bank == "all")
            .unwrap_or(&self.summary[0])
    }

    /// The run's `window.fresh_within` where it is not a day: `summary.csv`'s hours back to
    /// their whole ten minutes.
    pub fn fresh_limit(&self) -> Option<crate::time::SimDuration> {
        let h = self.total().fresh_within_hours.filter(|&h| h != 24.0)?;
        Some(crate::time::SimDuration::from_mins(
            10 * (h * 6.0).round() as u64,
        ))
    }

    /// [`fresh_limit`](Self::fresh_limit), where the run's `daily.csv` has the opens past it.
    pub fn fresh_within(&self) -> Option<crate::time::SimDuration> {
        let has = (self.daily.iter()).any(|d| d.not_fresh_at_open_share.is_some());
        self.fresh_limit().filter(|_| has)
    }

    /// Per-bank rows in file order (without `all`).
    pub fn banks(&self) -> Vec<&SummaryRow> {
        self.summary.iter().filter(|s| s.bank != "all").collect()
    }

    pub fn bank_names(&self) -> Vec<String> {
        self.banks().iter().map(|b| b.bank.clone()).collect()
    }

    /// One bank's 24 rows of `data_age_by_hour.csv` (none for a bank not in it).
    pub fn bank_hours(&self, bank: &str) -> Vec<HourRow> {
        (self.by_hour_banks.iter())
            .filter(|h| h.bank == bank)
            .cloned()
            .collect()
    }

    /// At most `n` of the banks `among` to draw, in file order: all of them where they are
    /// `n` or fewer, else the `n` whose customers most often find data a day old, or none, at
    /// app open (over the clock where a bank lacks at-open figures: one measure for all).
    /// File order alone left a trial's two building societies, the banks its question was
    /// about, off every chart.
    pub fn stalest(&self, among: &[String], n: usize) -> Vec<String> {
        if among.len() <= n {
            return among.to_vec();
        }
        let banks: Vec<&SummaryRow> = (among.iter())
            .filter_map(|name| self.banks().into_iter().find(|b| &b.bank == name))
            .collect();
        let at_open = banks.iter().all(|b| b.stale_24h_at_open_share.is_some());
        let stale = |b: &SummaryRow| match at_open {
            true => b.stale_24h_at_open_share.unwrap_or(0.0),
            false => b.stale_24h_share.unwrap_or(0.0),
        };
        let mut order: Vec<usize> = (0..banks.len()).collect();
        order.sort_by(|&a, &b| stale(banks[b]).total_cmp(&stale(banks[a])).then(a.cmp(&b)));
        order.truncate(n);
        order.sort_unstable();
        order.into_iter().map(|i| banks[i].bank.clone()).collect()
    }

    /// At most `n` banks, in file order: all where they are `n` or fewer, else the `n` with
    /// the most 429s, a closed maintenance window's 503s apart as the day chart draws them
    /// (then in file order among equals: a trial's day chart drew the first five of ten
    /// banks, leaving out the two that made nearly all of its evening band of 429s).
    pub fn most_rate_limited(&self, n: usize) -> Vec<String> {
        let banks = self.banks();
        let refused = |i: usize| {
            banks[i]
                .rate_limited
                .saturating_sub(banks[i].outage_rejected)
        };
        let mut order: Vec<usize> = (0..banks.len()).collect();
        order.sort_by(|&a, &b| refused(b).cmp(&refused(a)).then(a.cmp(&b)));
        order.truncate(n);
        order.sort_unstable();
        order.into_iter().map(|i| banks[i].bank.clone()).collect()
    }

    /// Window length in minutes (from summary.csv's `window_hours`, else the series).
    pub fn window_minutes(&self) -> usize {
        match self.total().window_hours {
            h if h > 0.0 => (h * 60.0).round() as usize,
            _ => self.series.iter().map(|m| m.minute + 1).max().unwrap_or(1),
        }
    }

    /// How the run is named in charts and prose: `bulk`, `queued (concurrency 64)`, and
    /// `queued (concurrency 64) in priority/` beside another run of that label.
    pub fn label(&self) -> String {
        match &self.dir_name {
            Some(d) => format!("{} in {d}/", self.total().strategy_label()),
            None => self.total().strategy_label(),
        }
    }

    /// Data age of `bank` (or `all`) over connection-time: the share of time at each whole
    /// minute of age, in increasing age, and the share with no data (never refreshed).
    pub fn age_shares(&self, bank: &str) -> (Vec<(usize, f64)>, f64) {
        let mut ages = Vec::new();
        let mut never = 0.0;
        for a in self.staleness.iter().filter(|a| a.bank == bank) {
            match a.age_minutes {
                Some(m) => ages.push((m, a.share)),
                None => never += a.share,
            }
        }
        ages.sort_by_key(|a| a.0);
        (ages, never)
    }

    /// The `all` rows of `daily.csv`, by day.
    pub fn daily_totals(&self) -> Vec<&DailyRow> {
        let mut v: Vec<&DailyRow> = self.daily.iter().filter(|d| d.bank == "all").collect();
        v.sort_by_key(|d| d.day);
        v
    }
}

/// Reads the run in `root/rel`: its `summary.csv`, and whichever of `daily.csv`,
/// `timeseries.csv` and `staleness.csv` it holds.
fn read_run(root: &Path, rel: &Path) -> Result<RunData> {
    let dir = root.join(rel);
    // A run killed in its commit is finished first: the files read are one run's.
    crate::output::run_dir::recover(&dir)?;
    let spath = dir.join(summary::FILE);
    let summary: Vec<SummaryRow> = read(&spath)?;
    if summary.is_empty() {
        return Err(Error::input(format!("{}: no rows", spath.display())));
    }
    checks::check_shares(&spath, &summary)?;
    let optional = |file: &str| Some(dir.join(file)).filter(|p| p.is_file());
    let daily = optional(daily::FILE).map(|p| read(&p)).transpose()?;
    let series: Option<Vec<MinuteRow>> =
        optional(timeseries::FILE).map(|p| read(&p)).transpose()?;
    if let Some(s) = &series {
        checks::series_agrees(&dir.join(timeseries::FILE), s, &summary)?;
    }
    let ages = optional(staleness::FILE).map(|p| read(&p)).transpose()?;
    let by_hour: Option<Vec<HourRow>> =
        optional(age_by_hour::FILE).map(|p| read(&p)).transpose()?;
    let (by_hour, by_hour_banks) =
        (by_hour.unwrap_or_default().into_iter()).partition(|h| h.bank == "all");
    Ok(RunData {
        rel_dir: Some(rel.to_path_buf()),
        summary,
        start_minute_of_day: series
            .as_ref()
            .and_then(|s| s.iter().find(|m| m.minute == 0))
            .and_then(MinuteRow::minute_of_day),
        has_series: series.is_some(),
        has_staleness: ages.is_some(),
        series: series.unwrap_or_default(),
        staleness: ages.unwrap_or_default(),
        daily: daily.unwrap_or_default(),
        by_hour,
        by_hour_banks,
        dir_name: None,
    })
}

/// A paired comparison of strategies: `paired.csv`'s rows, each variant against the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedData {
    /// Where `paired.csv` is, relative to the report's directory (empty: the directory
    /// itself).
    pub rel_dir: PathBuf,
    /// The rows, in file order (each variant's metrics together, variants in item order).
    pub rows: Vec<PairedRow>,
    /// The scenario, from `paired.md`'s title, else (in the default experiment's directory)
    /// from the directory's name; `None` when neither says.
    pub scenario: Option<String>,
    /// `paired.md`, where it was read (its title, and what each item ran).
    pub markdown: Option<String>,
}

impl PairedData {
    /// The baseline's item, as written.
    pub fn baseline(&self) -> &str {
        &self.rows[0].baseline
    }

    /// Replications per strategy (the most any row records).
    pub fn replications(&self) -> u32 {
        self.rows.iter().map(|r| r.replications).max().unwrap_or(0)
    }

    /// Each variant's rows, in `paired.md`'s ranked order (`output::paired::ranking`).
    pub fn ranked(&self) -> Vec<&[PairedRow]> {
        let per_variant = by_variant(&self.rows);
        ranking(&per_variant)
            .into_iter()
            .map(|i| per_variant[i])
            .collect()
    }
}

/// The row of `metric` among one variant's rows.
pub fn metric_row(rows: &[PairedRow], metric: Metric) -> Option<&PairedRow> {
    rows.iter().find(|r| r.metric == metric)
}

/// Reads `root/rel/paired.csv`, and the scenario's name from `paired.md`'s title when it has
/// the compare command's (else `fallback`).
fn read_paired(root: &Path, rel: &Path, fallback: Option<String>) -> Result<PairedData> {
    let dir = root.join(rel);
    let path = dir.join(paired::FILE);
    let rows: Vec<PairedRow> = read(&path)?;
    if rows.is_empty() {
        return Err(Error::input(format!("{}: no rows", path.display())));
    }
    let md = std::fs::read_to_string(dir.join(paired::MARKDOWN_FILE)).ok();
    let titled = md
        .as_deref()
        .and_then(|m| m.lines().next())
        .and_then(|l| l.strip_prefix(paired::MARKDOWN_TITLE))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    Ok(PairedData {
        rel_dir: rel.to_path_buf(),
        rows,
        scenario: titled.or(fallback),
        markdown: md,
    })
}

/// The paired comparison in `dir` (a compare directory) or, failing that, the first
/// `<scenario>/paired/` below it (the default experiment's), in name order.
fn find_paired(dir: &Path) -> Result<Option<PairedData>> {
    if dir.join(paired::FILE).is_file() {
        return read_paired(dir, Path::new(""), None).map(Some);
    }
    // A scenario's directory of the default experiment: its runs, and `paired/` beside them.
    if dir.join(paired::DIR).join(paired::FILE).is_file() {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        return read_paired(dir, Path::new(paired::DIR), name).map(Some);
    }
    for a in subdirs(dir) {
        let rel = a.join(paired::DIR);
        if dir.join(&rel).join(paired::FILE).is_file() {
            let name = Some(a.to_string_lossy().into_owned());
            return read_paired(dir, &rel, name).map(Some);
        }
    }
    Ok(None)
}

/// Everything a results directory holds that a report can use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub root: PathBuf,
    pub table: Option<Vec<TableRow>>,
    /// `table.md` exists (the default experiment's Markdown table).
    pub table_md: bool,
    pub runs: Vec<RunData>,
    pub sweep: Option<SweepData>,
    /// A sweep's banks, each point one bank's (its name the last parameter, `bank`).
    pub sweep_banks: Option<SweepData>,
    pub paired: Option<PairedData>,
}

impl Dataset {
    pub fn is_empty(&self) -> bool {
        self.table.is_none()
            && self.runs.is_empty()
            && self.sweep.is_none()
            && self.paired.is_none()
    }

    /// Only a paired comparison (a `compare` directory): no runs, table or sweep.
    pub fn only_paired(&self) -> bool {
        self.paired.is_some()
            && self.table.is_none()
            && self.runs.is_empty()
            && self.sweep.is_none()
    }
}

/// Subdirectories of `dir` (sorted by name, hidden ones skipped).
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| PathBuf::from(e.file_name()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Reads what `dir` holds: see the module docs.
pub fn discover(dir: &Path) -> Result<Dataset> {
    if dir.is_file() {
        return Err(Error::input(format!(
            "{}: is a file, not a results directory (give a directory written by `run`, `sweep`, `compare` or the default experiment)",
            dir.display()
        )));
    }
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "{}: no such directory (give a directory written by `run`, `sweep`, `compare` or the default experiment)",
            dir.display()
        )));
    }
    crate::output::run_dir::recover(dir)?;
    let mut ds = Dataset {
        root: dir.to_path_buf(),
        ..Dataset::default()
    };
    if dir.join(table::FILE).is_file() {
        ds.table = Some(read(&dir.join(table::FILE))?);
        ds.table_md = dir.join("table.md").is_file();
    }
    if dir.join(SUMMARY_FILE).is_file() || dir.join(SWEEP_FILE).is_file() {
        let (sweep, banks) = read_sweep(dir)?;
        ds.sweep = Some(sweep);
        ds.sweep_banks = banks;
    }
    if dir.join(summary::FILE).is_file() {
        ds.runs.push(read_run(dir, Path::new(""))?);
    } else if dir.join(summary::COMPARE_FILE).is_file() {
        ds.runs = runs_of_compare(dir)?;
    } else if ds.sweep.is_none() {
        // Run directories one or two levels down (`<scenario>/` or `<scenario>/<strategy>/`).
        for a in subdirs(dir) {
            if dir.join(&a).join(summary::FILE).is_file() {
                ds.runs.push(read_run(dir, &a)?);
            }
            for b in subdirs(&dir.join(&a)) {
                let rel = a.join(b);
                if dir.join(&rel).join(summary::FILE).is_file() {
                    ds.runs.push(read_run(dir, &rel)?);
                }
            }
        }
        checks::refuse_unread(
            dir,
            &checks::unread_subdirs(dir, &subdirs(dir)),
            ds.runs.len(),
        )?;
    }
    tell_apart(&mut ds.runs);
    if ds.sweep.is_none() && !dir.join(summary::FILE).is_file() {
        // A compare directory, or the default experiment's `<scenario>/paired/`.
        ds.paired = find_paired(dir)?;
    }
    if ds.is_empty() {
        return Err(Error::input(format!(
            "{}: holds no refresh-sim results (expected summary.csv, table.csv, compare.csv, \
             sweep.csv, sweep_summary.csv or paired.csv, or run directories below it)",
            dir.display()
        )));
    }
    Ok(ds)
}

/// The runs `compare.csv` lists, each read from `<scenario>/<strategy>/` when that directory
/// exists, else from its rows in `compare.csv` (summary only).
fn runs_of_compare(dir: &Path) -> Result<Vec<RunData>> {
    let lines: Vec<SummaryRow> = read(&dir.join(summary::COMPARE_FILE))?;
    let mut groups: Vec<Vec<SummaryRow>> = Vec::new();
    for l in lines {
        let same = |g: &Vec<SummaryRow>| {
            g[0].scenario == l.scenario
                && g[0].strategy == l.strategy
                && g[0].concurrency == l.concurrency
                && g[0].seed == l.seed
                && g.iter().all(|x| x.bank != "all")
        };
        match groups.iter_mut().rev().find(|g| same(g)) {
            Some(g) => g.push(l),
            None => groups.push(vec![l]),
        }
    }
    let mut runs = Vec::new();
    for g in groups {
        let rel = Path::new(&g[0].scenario).join(&g[0].strategy);
        if !g[0].scenario.is_empty() && dir.join(&rel).join(summary::FILE).is_file() {
            let run = read_run(dir, &rel)?;
            if run.total().concurrency == g[0].concurrency {
                runs.push(run);
                continue;
            }
        }
        runs.push(RunData {
            rel_dir: None,
            summary: g,
            start_minute_of_day: None,
            series: Vec::new(),
            staleness: Vec::new(),
            daily: Vec::new(),
            by_hour: Vec::new(),
            by_hour_banks: Vec::new(),
            has_series: false,
            has_staleness: false,
            dir_name: None,
        });
    }
    Ok(runs)
}

/// Names by their directories the runs that share a label (two scenarios' `queued
/// (concurrency 32)` read alike in a chart's legend too).
fn tell_apart(runs: &mut [RunData]) {
    let key = |r: &RunData| r.total().strategy_label();
    let keys: Vec<_> = runs.iter().map(key).collect();
    for (i, r) in runs.iter_mut().enumerate() {
        let shared = keys.iter().filter(|k| **k == keys[i]).count() > 1;
        let dir = r.rel_dir.as_ref().filter(|d| !d.as_os_str().is_empty());
        if let (true, Some(d)) = (shared, dir) {
            r.dir_name = Some(d.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Beyond `n` banks, the `n` whose customers most often find day-old data (over the
    /// clock where one lacks at-open figures), in file order; `n` or fewer, all.
    #[test]
    fn the_stalest_banks_are_drawn_in_file_order() {
        let row = |bank: &str, at_open: Option<f64>, clock: f64| SummaryRow {
            bank: bank.into(),
            stale_24h_at_open_share: at_open,
            stale_24h_share: Some(clock),
            ..SummaryRow::default()
        };
        let run = RunData {
            rel_dir: None,
            summary: vec![
                row("a", Some(0.1), 0.9),
                row("b", Some(0.5), 0.0),
                row("c", None, 0.3),
                row("d", Some(0.2), 0.0),
                row("all", Some(0.2), 0.2),
            ],
            start_minute_of_day: None,
            series: vec![],
            staleness: vec![],
            daily: vec![],
            by_hour: vec![],
            by_hour_banks: vec![],
            has_series: false,
            has_staleness: false,
            dir_name: None,
        };
        // The most 429s, a maintenance window's 503s apart.
        let mut refusals = run.clone();
        for (i, b) in refusals.summary.iter_mut().enumerate() {
            (b.rate_limited, b.outage_rejected) = [(5, 0), (9, 8), (2, 0), (0, 0), (9, 9)][i];
        }
        assert_eq!(refusals.most_rate_limited(2), ["a", "c"]);
        // "c" has no at-open figure: every bank is ranked over the clock.
        let all = run.bank_names();
        assert_eq!(run.stalest(&all, 2), ["a", "c"]);
        assert_eq!(run.stalest(&all, 4), ["a", "b", "c", "d"]);
        // Among those with at-open figures, by them.
        let some = ["a", "b", "d"].map(String::from);
        assert_eq!(run.stalest(&some, 2), ["b", "d"]);
    }
}
