//! A sweep directory read back: `sweep.csv`'s rows and `sweep_summary.csv`'s points.

use super::checks;
use crate::error::Result;
use crate::metric::Metric;
use crate::output::summary::SummaryRow;
use crate::output::sweep::{self, PointRow, SweepRow};
use crate::stats::Estimate;
use std::collections::BTreeMap;
use std::path::Path;
/// A sweep's rows' file read: its grid's columns and its rows.
pub(super) type Rows = (Vec<String>, Vec<SweepRow>);

/// One point of a sweep: its parameter values and its metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// Parameter values, in the order of [`SweepData::params`].
    pub params: Vec<String>,
    pub metrics: BTreeMap<Metric, Estimate>,
    /// The data ages whose means are lower bounds (a replication's past the horizon).
    pub lower_bounds: Vec<Metric>,
    pub replications: Option<u32>,
    /// The point's strategy, whether or not the sweep varies it.
    pub strategy: Option<String>,
    /// The point's strategy has no concurrency (bulk, random offset), so a swept
    /// `strategy.concurrency` does not change it.
    pub ignores_concurrency: bool,
    /// Its slots in all, from the file's `concurrency` column (per-bank pools: every pool's,
    /// where `strategy.concurrency` is each bank's).
    pub slots: Option<u32>,
}

impl SweepPoint {
    fn of(p: PointRow) -> SweepPoint {
        SweepPoint {
            metrics: Metric::ALL
                .into_iter()
                .filter_map(|m| p.stat(m).map(|e| (m, e)))
                .collect(),
            replications: Some(p.replications as u32),
            lower_bounds: p.lower_bounds,
            ignores_concurrency: p.concurrency.is_none() && !p.strategy.is_empty(),
            slots: p.concurrency,
            strategy: Some(p.strategy).filter(|s| !s.is_empty()),
            params: p.params,
        }
    }
}

/// Where a sweep's runs came from: for chart subtitles and report.md. Read from
/// `sweep.csv`; with only `sweep_summary.csv`, only the scenario is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepContext {
    /// Scenario names, in first-appearance order.
    pub scenarios: Vec<String>,
    /// Base seeds (the seed of replication 0, from which the others derive), in
    /// first-appearance order.
    pub base_seeds: Vec<u64>,
    /// Connections per run at its start (those that joined apart), distinct, ascending.
    pub connections: Vec<f64>,
    /// Connections that joined during a run, distinct, ascending.
    pub joined: Vec<f64>,
    /// Window lengths in hours, distinct, ascending.
    pub window_hours: Vec<f64>,
    /// Days the per-day figures average over (after the warm-up), distinct, ascending.
    pub measured_days: Vec<f64>,
}

impl SweepContext {
    fn of(rows: &[SweepRow]) -> SweepContext {
        let mut c = SweepContext::default();
        let add = |v: &mut Vec<f64>, x: f64| {
            if !v.contains(&x) {
                v.push(x);
            }
        };
        for r in rows.iter().map(|r| (&r.run, r.replication)) {
            let (run, rep) = r;
            if !run.scenario.is_empty() && !c.scenarios.contains(&run.scenario) {
                c.scenarios.push(run.scenario.clone());
            }
            if rep == 0 && !c.base_seeds.contains(&run.seed) {
                c.base_seeds.push(run.seed);
            }
            add(
                &mut c.connections,
                run.connections.saturating_sub(run.joined) as f64,
            );
            add(&mut c.joined, run.joined as f64);
            add(&mut c.window_hours, run.window_hours);
            add(&mut c.measured_days, run.measured_days);
        }
        for v in [
            &mut c.connections,
            &mut c.joined,
            &mut c.window_hours,
            &mut c.measured_days,
        ] {
            v.sort_by(f64::total_cmp);
        }
        c
    }

    /// Only the scenarios, from the points (a directory without `sweep.csv`).
    fn of_points(points: &[PointRow]) -> SweepContext {
        let mut c = SweepContext::default();
        for p in points {
            if !p.scenario.is_empty() && !c.scenarios.contains(&p.scenario) {
                c.scenarios.push(p.scenario.clone());
            }
        }
        c
    }
}

/// A sweep's points, from `sweep_summary.csv` or, without it, summarised from `sweep.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepData {
    pub params: Vec<String>,
    pub points: Vec<SweepPoint>,
    /// The file the points were read from.
    pub source: &'static str,
    pub context: SweepContext,
}

impl SweepData {
    /// The index of the parameter whose name is `name` or ends with `.name`.
    pub fn param(&self, name: &str) -> Option<usize> {
        let dotted = format!(".{name}");
        self.params
            .iter()
            .position(|p| p == name)
            .or_else(|| self.params.iter().position(|p| p.ends_with(&dotted)))
    }

    /// The index of parameter `name` (as [`SweepData::param`]) when the sweep gives it more
    /// than one value: an axis to draw against (`--set strategy.concurrency=16` is not).
    pub fn axis(&self, name: &str) -> Option<usize> {
        self.param(name).filter(|&i| self.values(i).len() > 1)
    }

    /// Distinct values of parameter `i`, in first-appearance order.
    pub fn values(&self, i: usize) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for p in &self.points {
            if !v.contains(&p.params[i]) {
                v.push(p.params[i].clone());
            }
        }
        v
    }

    /// The same sweep without its points (to hold a share of them).
    pub fn clone_without_points(&self) -> SweepData {
        SweepData {
            params: self.params.clone(),
            points: Vec::new(),
            source: self.source,
            context: self.context.clone(),
        }
    }

    pub fn has_metric(&self, m: Metric) -> bool {
        self.points.iter().any(|p| p.metrics.contains_key(&m))
    }

    /// Some point's opens not fresh differ from its opens a day old: its
    /// `window.fresh_within` is not a day.
    pub fn fresh_within_set(&self) -> bool {
        (self.points.iter()).any(|p| {
            let share = |m: Metric| p.metrics.get(&m).map(|e| e.mean);
            match (
                share(Metric::NotFreshAtOpenShare),
                share(Metric::Stale24hAtOpenShare),
            ) {
                (Some(a), Some(b)) => (a - b).abs() > 1e-9,
                _ => false,
            }
        })
    }

    /// Where some point has a coverage of each period (its period is shorter than a day),
    /// a point without one (a period of days, a day not measured whole, a bank with nothing
    /// due) reads its coverage there, as the terminal's `per period` column judges it: so
    /// that the charts and sentences reading each period's coverage drop no point.
    fn fill_period_coverage(&mut self) {
        if !self.has_metric(Metric::PeriodCoverage) {
            return;
        }
        for p in &mut self.points {
            if let Some(&day) = p.metrics.get(&Metric::Coverage) {
                p.metrics.entry(Metric::PeriodCoverage).or_insert(day);
            }
        }
    }
}

/// Reads a sweep directory: the points from `sweep_summary.csv` (else summarised from
/// `sweep.csv`), the context from `sweep.csv`, which is read once for both; and its banks'
/// (`None` where it has none: [`read_banks`]).
pub(super) fn read_sweep(dir: &Path) -> Result<(SweepData, Option<SweepData>)> {
    let (mut sweep, runs) = read_files(dir, sweep::SWEEP_FILE, sweep::SUMMARY_FILE, |_, _| Ok(()))?;
    let mut banks = read_banks(dir, &sweep, runs.as_ref().map(|r| &r.1[..]))?;
    sweep.fill_period_coverage();
    if let Some(banks) = &mut banks {
        banks.fill_period_coverage();
    }
    Ok((sweep, banks))
}

/// Reads a sweep directory's banks (`None` where it has none): as [`read_sweep`], from
/// `sweep_banks_summary.csv` and `sweep_banks.csv`, each point a bank's, its name the last
/// parameter (`bank`), checked against the sweep and its `runs` (`sweep.csv`'s rows).
fn read_banks(
    dir: &Path,
    sweep: &SweepData,
    runs: Option<&[SweepRow]>,
) -> Result<Option<SweepData>> {
    let (rows, summary) = (sweep::BANKS_FILE, sweep::BANKS_SUMMARY_FILE);
    if !dir.join(rows).is_file() && !dir.join(summary).is_file() {
        return Ok(None);
    }
    let belongs = |columns: Option<&[String]>, bank_rows: Option<&Rows>| {
        checks::banks_belong(dir, &sweep.params, (columns, bank_rows), runs)
    };
    let (mut data, _) = read_files(dir, rows, summary, belongs)?;
    if data.source == rows {
        // Summarised from the rows: the bank is the last parameter, as the summary has it.
        data.params.push("bank".into());
    }
    Ok(Some(data))
}

/// Reads the points from `summary_file` (else summarised from `rows_file`), the context
/// from `rows_file`; `check` is given the summary's columns and the rows' file, where they
/// are there, before anything is summarised. The rows' file is returned with the points.
fn read_files(
    dir: &Path,
    rows_file: &'static str,
    summary_file: &'static str,
    check: impl Fn(Option<&[String]>, Option<&Rows>) -> Result<()>,
) -> Result<(SweepData, Option<Rows>)> {
    let rows_path = dir.join(rows_file);
    let rows = rows_path
        .is_file()
        .then(|| sweep::read_sweep(&rows_path))
        .transpose()?;
    let summary_path = dir.join(summary_file);
    let (params, points, source) = if summary_path.is_file() {
        let (params, points) = sweep::read_summary(&summary_path)?;
        checks::check_point_shares(&summary_path, &points)?;
        check(Some(&params), rows.as_ref())?;
        if let Some((_, rows)) = &rows {
            checks::agrees(&summary_path, &points, (rows_file, &summarise(rows)))?;
        }
        (params, points, summary_file)
    } else {
        check(None, rows.as_ref())?;
        let (params, rows) = rows.as_ref().expect("the rows' file exists");
        (params.clone(), summarise(rows), rows_file)
    };
    let context = match &rows {
        Some((_, rows)) => SweepContext::of(rows),
        None => SweepContext::of_points(&points),
    };
    let data = SweepData {
        params,
        points: points.into_iter().map(SweepPoint::of).collect(),
        source,
        context,
    };
    Ok((data, rows))
}

/// `sweep.csv`'s rows grouped by point (in first-appearance order) and summarised; rows of
/// banks other than `all` (`sweep_banks.csv`'s) by point and bank, the bank's name a last
/// parameter.
fn summarise(rows: &[SweepRow]) -> Vec<PointRow> {
    let mut groups: Vec<(Vec<String>, Vec<&SummaryRow>)> = Vec::new();
    for r in rows {
        let mut key = r.params.clone();
        if r.run.bank != "all" {
            key.push(r.run.bank.clone());
        }
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(&r.run),
            None => groups.push((key, vec![&r.run])),
        }
    }
    groups
        .into_iter()
        .map(|(params, runs)| PointRow::of(&params, &runs))
        .collect()
}
