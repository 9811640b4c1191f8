//! What a results directory holds, read back from its CSV files for charts and `report.md`.
//!
//! `refresh-sim report DIR` accepts any directory the other commands write:
//! - a run directory (`run`): `summary.csv`, `daily.csv`, `timeseries.csv`, `staleness.csv`;
//! - the default experiment's directory: `table.csv` (+ `table.md`), `compare.csv` and one run
//!   directory per compared strategy, `<scenario>/<strategy>/`;
//! - a sweep directory (`sweep`): `sweep.csv` (one row per point × replication, parameter
//!   columns first) and `sweep_summary.csv` (per point: `<metric>_mean`, `<metric>_sd`,
//!   `<metric>_ci95`, `replications`); the points come from the summary, the scenario,
//!   population, window and base seed ([`SweepContext`]) from the rows.
//!
//! Reading is by column name, so files with extra columns (written by later versions) still
//! load; a column a chart needs but the file lacks makes that chart absent, not an error.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A CSV file as strings, addressed by column name.
#[derive(Clone, Debug, Default)]
pub struct Csv {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &Path) -> Result<Csv> {
        let mut r = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| Error::input(format!("{}: cannot read: {e}", path.display())))?;
        let headers = r
            .headers()
            .map_err(|e| Error::input(format!("{}: bad csv header: {e}", path.display())))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| Error::input(format!("{}: bad csv: {e}", path.display())))?;
            rows.push(rec.iter().map(|f| f.trim().to_string()).collect());
        }
        Ok(Csv { headers, rows })
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }

    /// The field of row `row` in column `name` (`None` if the column is absent).
    pub fn get(&self, row: usize, name: &str) -> Option<&str> {
        let c = self.col(name)?;
        self.rows.get(row)?.get(c).map(String::as_str)
    }

    /// The field as a finite number (`None` if absent, empty or not a number).
    pub fn num(&self, row: usize, name: &str) -> Option<f64> {
        self.get(row, name)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| x.is_finite())
    }

    /// A data age or other quantity that may be `inf` (a staleness percentile that falls
    /// among connections never refreshed): a non-negative number or `f64::INFINITY`.
    pub fn num_or_inf(&self, row: usize, name: &str) -> Option<f64> {
        self.get(row, name)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| *x >= 0.0)
    }
}

/// One row of `summary.csv` (or `compare.csv`): one bank of one run, or `all`.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryLine {
    pub scenario: String,
    pub strategy: String,
    pub concurrency: Option<u32>,
    pub bank: String,
    pub seed: Option<u64>,
    pub connections: f64,
    pub attempts: f64,
    pub successes: f64,
    pub rate_limited: f64,
    pub errors: f64,
    pub failure_rate: f64,
    pub coverage: f64,
    pub users_per_day: f64,
    pub peak_in_flight: f64,
    /// Connection-days due over the measured days (consent valid through the day's end).
    pub eligible: Option<f64>,
    pub refreshed: Option<f64>,
    /// Percentiles of data age over connection-time, in hours: `f64::INFINITY` when the
    /// percentile falls among connections never refreshed (`inf` in the file).
    pub staleness_p50_hours: Option<f64>,
    pub staleness_p95_hours: Option<f64>,
    pub staleness_p99_hours: Option<f64>,
    /// Share of connection-time with data 24 h / 48 h old or older (never refreshed
    /// included).
    pub stale_24h_share: Option<f64>,
    pub stale_48h_share: Option<f64>,
    pub attempts_per_success: Option<f64>,
    pub api_calls_per_success: Option<f64>,
    /// Connection-days refreshed over the measured days.
    pub users: Option<f64>,
    /// Days the per-day figures (users per day, coverage) average over.
    pub measured_days: Option<f64>,
    pub window_hours: Option<f64>,
}

fn summary_lines(csv: &Csv, path: &Path) -> Result<Vec<SummaryLine>> {
    for need in ["strategy", "bank", "failure_rate", "coverage"] {
        if !csv.has(need) {
            return Err(Error::input(format!(
                "{}: no column `{need}`: not a refresh-sim summary",
                path.display()
            )));
        }
    }
    let n = |i: usize, c: &str| csv.num(i, c).unwrap_or(0.0);
    Ok((0..csv.rows.len())
        .map(|i| SummaryLine {
            scenario: csv.get(i, "scenario").unwrap_or("").to_string(),
            strategy: csv.get(i, "strategy").unwrap_or("").to_string(),
            concurrency: csv.num(i, "concurrency").map(|c| c as u32),
            bank: csv.get(i, "bank").unwrap_or("").to_string(),
            seed: csv.get(i, "seed").and_then(|s| s.parse().ok()),
            connections: n(i, "connections"),
            attempts: n(i, "attempts"),
            successes: n(i, "successes"),
            rate_limited: n(i, "rate_limited"),
            errors: n(i, "errors"),
            failure_rate: n(i, "failure_rate"),
            coverage: n(i, "coverage"),
            users_per_day: n(i, "users_per_day"),
            peak_in_flight: n(i, "peak_in_flight"),
            eligible: csv.num(i, "eligible"),
            refreshed: csv.num(i, "refreshed"),
            staleness_p50_hours: csv.num_or_inf(i, "staleness_p50_hours"),
            staleness_p95_hours: csv.num_or_inf(i, "staleness_p95_hours"),
            staleness_p99_hours: csv.num_or_inf(i, "staleness_p99_hours"),
            stale_24h_share: csv.num(i, "stale_24h_share"),
            stale_48h_share: csv.num(i, "stale_48h_share"),
            attempts_per_success: csv.num(i, "attempts_per_success"),
            api_calls_per_success: csv.num(i, "api_calls_per_success"),
            users: csv.num(i, "users"),
            measured_days: csv.num(i, "measured_days"),
            window_hours: csv.num(i, "window_hours"),
        })
        .collect())
}

/// One minute of one bank from `timeseries.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct MinuteLine {
    pub minute: usize,
    pub bank: String,
    pub in_flight: f64,
    pub submitted: f64,
    pub rate_limited: f64,
}

/// One row of `staleness.csv`: the share of a bank's connection-time (over the measured
/// part of the window, while consent was valid) spent with data `age_minutes` old.
#[derive(Clone, Debug, PartialEq)]
pub struct AgeLine {
    /// A bank, or `all`.
    pub bank: String,
    /// Age in whole minutes; `None` for time with no data yet (never refreshed).
    pub age_minutes: Option<usize>,
    pub connection_hours: f64,
    /// Share of that bank's connection-time.
    pub share: f64,
}

/// One row of `daily.csv`: one day (24 h from the window's start) of one bank, or `all`.
#[derive(Clone, Debug, PartialEq)]
pub struct DayLine {
    pub day: usize,
    pub bank: String,
    /// The day counts in the run's per-day figures (it is after the warm-up).
    pub measured: bool,
    pub attempts: f64,
    pub successes: f64,
    pub rate_limited: f64,
    pub errors: f64,
    /// Distinct connections refreshed successfully that day.
    pub users: f64,
    /// Connections due that day (consent valid through the day's end).
    pub due: f64,
    pub coverage: f64,
}

/// One run: its summary rows (per bank, then `all`) and, when present, its series.
#[derive(Clone, Debug, PartialEq)]
pub struct RunData {
    /// Where the run's files are, relative to the report's directory (empty: the directory
    /// itself; `None`: only known from `compare.csv`).
    pub rel_dir: Option<PathBuf>,
    pub summary: Vec<SummaryLine>,
    /// Minute of day (0..1440) at which the window opens, from `timeseries.csv`.
    pub start_minute_of_day: Option<u32>,
    pub series: Vec<MinuteLine>,
    /// Data age over connection-time, from `staleness.csv` (per bank and `all`).
    pub staleness: Vec<AgeLine>,
    /// Per-day counters, from `daily.csv` (per bank and `all`).
    pub daily: Vec<DayLine>,
    pub has_series: bool,
    pub has_staleness: bool,
}

impl RunData {
    /// The `all` row (or, if absent, the first row).
    pub fn total(&self) -> &SummaryLine {
        self.summary
            .iter()
            .find(|s| s.bank == "all")
            .unwrap_or(&self.summary[0])
    }

    /// Per-bank rows in file order (without `all`).
    pub fn banks(&self) -> Vec<&SummaryLine> {
        self.summary.iter().filter(|s| s.bank != "all").collect()
    }

    pub fn bank_names(&self) -> Vec<String> {
        self.banks().iter().map(|b| b.bank.clone()).collect()
    }

    /// Window length in minutes (from summary.csv's `window_hours`, else the series).
    pub fn window_minutes(&self) -> usize {
        match self.total().window_hours {
            Some(h) if h > 0.0 => (h * 60.0).round() as usize,
            _ => self.series.iter().map(|m| m.minute + 1).max().unwrap_or(1),
        }
    }

    /// How the run is named in charts and prose: `bulk`, `queued (concurrency 64)`.
    pub fn label(&self) -> String {
        strategy_label(&self.total().strategy, self.total().concurrency)
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
    pub fn daily_totals(&self) -> Vec<&DayLine> {
        let mut v: Vec<&DayLine> = self.daily.iter().filter(|d| d.bank == "all").collect();
        v.sort_by_key(|d| d.day);
        v
    }
}

/// `random_offset` → `random offset`, with the concurrency where there is one.
pub fn strategy_label(strategy: &str, concurrency: Option<u32>) -> String {
    let name = strategy.replace('_', " ");
    match concurrency {
        Some(c) => format!("{name} (concurrency {c})"),
        None => name,
    }
}

fn read_run(root: &Path, rel: &Path) -> Result<RunData> {
    let dir = root.join(rel);
    let spath = dir.join("summary.csv");
    let summary = summary_lines(&Csv::read(&spath)?, &spath)?;
    if summary.is_empty() {
        return Err(Error::input(format!("{}: no rows", spath.display())));
    }
    let mut run = RunData {
        rel_dir: Some(rel.to_path_buf()),
        summary,
        start_minute_of_day: None,
        series: Vec::new(),
        staleness: Vec::new(),
        daily: Vec::new(),
        has_series: false,
        has_staleness: false,
    };
    let dpath = dir.join("daily.csv");
    if dpath.is_file() {
        let d = Csv::read(&dpath)?;
        if ["day", "bank", "measured", "users", "coverage"]
            .iter()
            .all(|c| d.has(c))
        {
            let n = |i: usize, c: &str| d.num(i, c).unwrap_or(0.0);
            for i in 0..d.rows.len() {
                let Some(day) = d.num(i, "day").filter(|x| *x >= 0.0) else {
                    continue;
                };
                run.daily.push(DayLine {
                    day: day as usize,
                    bank: d.get(i, "bank").unwrap_or("").to_string(),
                    measured: d.get(i, "measured") == Some("true"),
                    attempts: n(i, "attempts"),
                    successes: n(i, "successes"),
                    rate_limited: n(i, "rate_limited"),
                    errors: n(i, "errors"),
                    users: n(i, "users"),
                    due: n(i, "due"),
                    coverage: n(i, "coverage"),
                });
            }
        }
    }
    let tpath = dir.join("timeseries.csv");
    if tpath.is_file() {
        let t = Csv::read(&tpath)?;
        if t.has("minute") && t.has("bank") && t.has("in_flight") && t.has("rate_limited") {
            run.has_series = true;
            for i in 0..t.rows.len() {
                let minute = t.num(i, "minute").unwrap_or(0.0).max(0.0) as usize;
                if minute == 0 && run.start_minute_of_day.is_none() {
                    run.start_minute_of_day = t.get(i, "time").and_then(parse_clock);
                }
                run.series.push(MinuteLine {
                    minute,
                    bank: t.get(i, "bank").unwrap_or("").to_string(),
                    in_flight: t.num(i, "in_flight").unwrap_or(0.0),
                    submitted: t.num(i, "submitted").unwrap_or(0.0),
                    rate_limited: t.num(i, "rate_limited").unwrap_or(0.0),
                });
            }
        }
    }
    let apath = dir.join("staleness.csv");
    if apath.is_file() {
        let a = Csv::read(&apath)?;
        // The layout with connection-time shares; the older one (a count of connections per
        // age at the window's end) measured something else and is not read.
        if a.has("bank") && a.has("age_minutes") && a.has("share") {
            run.has_staleness = true;
            for i in 0..a.rows.len() {
                let age = match a.get(i, "age_minutes") {
                    Some("") | None => None,
                    Some(_) => match a.num(i, "age_minutes") {
                        Some(m) if m >= 0.0 => Some(m as usize),
                        _ => continue,
                    },
                };
                run.staleness.push(AgeLine {
                    bank: a.get(i, "bank").unwrap_or("").to_string(),
                    age_minutes: age,
                    connection_hours: a.num(i, "connection_hours").unwrap_or(0.0),
                    share: a.num(i, "share").unwrap_or(0.0),
                });
            }
        }
    }
    Ok(run)
}

/// `"07:30"` (or `"07:30+1d"`) → minutes after midnight.
pub fn parse_clock(s: &str) -> Option<u32> {
    let hm = s.split('+').next()?;
    let (h, m) = hm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    (h <= 24 && m < 60).then_some((h * 60 + m) % 1440)
}

/// One row of `table.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct TableLine {
    pub concurrency: f64,
    pub refreshes_per_hour: f64,
    /// The model's refreshes per day: each row runs a looping queue over a backlog larger
    /// than the window can clear, so every refresh is a distinct connection.
    pub refreshes_per_day: f64,
    /// The vendor's documented users per day.
    pub documented_users_per_day: Option<f64>,
    pub failure_rate: Option<f64>,
    pub scenario: String,
    pub within_tolerance: Option<bool>,
}

/// The column of the model's figure: `refreshes_per_day`, or `users_per_day` in files
/// written before it was renamed.
const TABLE_FIGURE: [&str; 2] = ["refreshes_per_day", "users_per_day"];

fn read_table(path: &Path) -> Result<Vec<TableLine>> {
    let t = Csv::read(path)?;
    let Some(figure) = TABLE_FIGURE.into_iter().find(|c| t.has(c)) else {
        return Err(Error::input(format!(
            "{}: no column `refreshes_per_day`: not a refresh-sim table",
            path.display()
        )));
    };
    if !t.has("concurrency") {
        return Err(Error::input(format!(
            "{}: no column `concurrency`: not a refresh-sim table",
            path.display()
        )));
    }
    let mut rows = Vec::new();
    for i in 0..t.rows.len() {
        let (Some(c), Some(u)) = (t.num(i, "concurrency"), t.num(i, figure)) else {
            continue;
        };
        rows.push(TableLine {
            concurrency: c,
            refreshes_per_hour: t.num(i, "refreshes_per_hour").unwrap_or(0.0),
            refreshes_per_day: u,
            documented_users_per_day: t.num(i, "documented_users_per_day"),
            failure_rate: t.num(i, "failure_rate"),
            scenario: t.get(i, "scenario").unwrap_or("").to_string(),
            within_tolerance: match t.get(i, "within_5_percent") {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
        });
    }
    Ok(rows)
}

/// Mean, standard deviation and 95 % confidence half-width of one metric at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub sd: Option<f64>,
    pub ci95: Option<f64>,
}

/// One point of a sweep: its parameter values and its metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// Parameter values, in the order of [`SweepData::params`].
    pub params: Vec<String>,
    pub metrics: BTreeMap<String, Stat>,
    pub replications: Option<u32>,
    /// The point's strategy (`strategy` column), whether or not the sweep varies it.
    pub strategy: Option<String>,
    /// The point's strategy has no concurrency (bulk, random offset: an empty `concurrency`
    /// column), so a swept `strategy.concurrency` does not change it.
    pub ignores_concurrency: bool,
}

/// Where a sweep's runs came from: for chart subtitles and report.md. Read from
/// `sweep.csv` (its `all` rows); with only `sweep_summary.csv`, only the scenario is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepContext {
    /// Scenario names, in first-appearance order.
    pub scenarios: Vec<String>,
    /// Base seeds (the seed of replication 0, from which the others derive), in
    /// first-appearance order.
    pub base_seeds: Vec<u64>,
    /// Connections per run, distinct, ascending.
    pub connections: Vec<f64>,
    /// Window lengths in hours, distinct, ascending.
    pub window_hours: Vec<f64>,
    /// Days the per-day figures average over (after the warm-up), distinct, ascending.
    pub measured_days: Vec<f64>,
}

impl SweepContext {
    fn of(t: &Csv) -> SweepContext {
        let mut c = SweepContext::default();
        let add = |v: &mut Vec<f64>, x: Option<f64>| {
            if let Some(x) = x.filter(|x| !v.contains(x)) {
                v.push(x);
            }
        };
        for i in 0..t.rows.len() {
            if t.get(i, "bank").is_some_and(|b| b != "all") {
                continue;
            }
            if let Some(s) = t.get(i, "scenario").filter(|s| !s.is_empty()) {
                if !c.scenarios.iter().any(|x| x == s) {
                    c.scenarios.push(s.to_string());
                }
            }
            if t.num(i, "replication").is_none_or(|r| r == 0.0) {
                if let Some(seed) = t.get(i, "seed").and_then(|s| s.parse::<u64>().ok()) {
                    if !c.base_seeds.contains(&seed) {
                        c.base_seeds.push(seed);
                    }
                }
            }
            add(&mut c.connections, t.num(i, "connections"));
            add(&mut c.window_hours, t.num(i, "window_hours"));
            add(&mut c.measured_days, t.num(i, "measured_days"));
        }
        for v in [
            &mut c.connections,
            &mut c.window_hours,
            &mut c.measured_days,
        ] {
            v.sort_by(f64::total_cmp);
        }
        c
    }
}

/// A sweep's points, from `sweep_summary.csv` or, without it, aggregated from `sweep.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepData {
    pub params: Vec<String>,
    pub points: Vec<SweepPoint>,
    /// The file the points were read from.
    pub source: &'static str,
    pub context: SweepContext,
}

/// Whether row `i` of a sweep file is of a strategy without a concurrency: an empty
/// `concurrency` column, or, in files without one, bulk or random offset.
fn ignores_concurrency(t: &Csv, i: usize) -> bool {
    match t.get(i, "concurrency") {
        Some(c) => c.is_empty() && t.get(i, "strategy").is_some_and(|s| !s.is_empty()),
        None => matches!(t.get(i, "strategy"), Some("bulk" | "random_offset")),
    }
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

    pub fn has_metric(&self, m: &str) -> bool {
        self.points.iter().any(|p| p.metrics.contains_key(m))
    }
}

const STAT_SUFFIXES: [&str; 3] = ["_mean", "_sd", "_ci95"];

fn read_sweep_summary(path: &Path) -> Result<SweepData> {
    let t = Csv::read(path)?;
    // Columns that describe the point's run (`scenario`, `strategy`, `concurrency`) are
    // results, not parameters: the parameters are the grid's field paths.
    let is_stat = |h: &str| {
        STAT_SUFFIXES.iter().any(|s| h.ends_with(s))
            || ["replications", "scenario", "strategy", "concurrency"].contains(&h)
    };
    let params: Vec<String> = t.headers.iter().filter(|h| !is_stat(h)).cloned().collect();
    let metrics: Vec<String> = t
        .headers
        .iter()
        .filter_map(|h| h.strip_suffix("_mean"))
        .map(str::to_string)
        .collect();
    let mut points = Vec::new();
    for i in 0..t.rows.len() {
        let mut m = BTreeMap::new();
        for name in &metrics {
            if let Some(mean) = t.num(i, &format!("{name}_mean")) {
                m.insert(
                    name.clone(),
                    Stat {
                        mean,
                        sd: t.num(i, &format!("{name}_sd")),
                        ci95: t.num(i, &format!("{name}_ci95")),
                    },
                );
            }
        }
        points.push(SweepPoint {
            params: params
                .iter()
                .map(|p| t.get(i, p).unwrap_or("").to_string())
                .collect(),
            metrics: m,
            replications: t.num(i, "replications").map(|r| r as u32),
            strategy: t
                .get(i, "strategy")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            ignores_concurrency: ignores_concurrency(&t, i),
        });
    }
    Ok(SweepData {
        params,
        points,
        source: "sweep_summary.csv",
        context: SweepContext::of(&t),
    })
}

/// Aggregates `sweep.csv` (one row per point × replication) into points: the parameter
/// columns are those before `replication` (the sweep writes the grid's columns first, then
/// `replication`, then the summary columns starting with `scenario`).
fn read_sweep_rows(path: &Path) -> Result<SweepData> {
    let t = Csv::read(path)?;
    let first_metric = ["replication", "scenario"]
        .iter()
        .find_map(|c| t.col(c))
        .unwrap_or(t.headers.len());
    let params: Vec<String> = t.headers[..first_metric].to_vec();
    let metrics = [
        "users_per_day",
        "failure_rate",
        "coverage",
        "refreshes_per_hour",
    ];
    // Group rows by their parameter values, in first-appearance order.
    let mut keys: Vec<Vec<String>> = Vec::new();
    let mut samples: Vec<BTreeMap<&str, Vec<f64>>> = Vec::new();
    let mut strategies: Vec<(Option<String>, bool)> = Vec::new();
    for i in 0..t.rows.len() {
        if t.get(i, "bank").is_some_and(|b| b != "all") {
            continue;
        }
        let key: Vec<String> = t.rows[i][..first_metric].to_vec();
        let k = match keys.iter().position(|k| *k == key) {
            Some(k) => k,
            None => {
                keys.push(key);
                samples.push(BTreeMap::new());
                strategies.push((
                    t.get(i, "strategy")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    ignores_concurrency(&t, i),
                ));
                keys.len() - 1
            }
        };
        for m in metrics {
            if let Some(x) = t.num(i, m) {
                samples[k].entry(m).or_default().push(x);
            }
        }
    }
    let points = keys
        .into_iter()
        .zip(samples)
        .zip(strategies)
        .map(|((params, s), (strategy, ignores_concurrency))| {
            let reps = s.values().map(Vec::len).max().unwrap_or(0) as u32;
            SweepPoint {
                params,
                metrics: s
                    .into_iter()
                    .map(|(m, xs)| (m.to_string(), stat(&xs)))
                    .collect(),
                replications: Some(reps),
                strategy,
                ignores_concurrency,
            }
        })
        .collect();
    Ok(SweepData {
        params,
        points,
        source: "sweep.csv",
        context: SweepContext::of(&t),
    })
}

/// Mean, sample standard deviation and Student-t 95 % half-width of `xs` (non-empty).
fn stat(xs: &[f64]) -> Stat {
    let e = crate::stats::Estimate::of(xs).expect("non-empty");
    Stat {
        mean: e.mean,
        sd: e.sd,
        ci95: e.ci95,
    }
}

/// Everything a results directory holds that a report can use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub root: PathBuf,
    pub table: Option<Vec<TableLine>>,
    /// `table.md` exists (the default experiment's Markdown table).
    pub table_md: bool,
    pub runs: Vec<RunData>,
    pub sweep: Option<SweepData>,
}

impl Dataset {
    pub fn is_empty(&self) -> bool {
        self.table.is_none() && self.runs.is_empty() && self.sweep.is_none()
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
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "{}: no such directory (give a directory written by `run`, `sweep` or the default experiment)",
            dir.display()
        )));
    }
    let mut ds = Dataset {
        root: dir.to_path_buf(),
        ..Dataset::default()
    };
    if dir.join("table.csv").is_file() {
        ds.table = Some(read_table(&dir.join("table.csv"))?);
        ds.table_md = dir.join("table.md").is_file();
    }
    if dir.join("sweep_summary.csv").is_file() {
        let mut sw = read_sweep_summary(&dir.join("sweep_summary.csv"))?;
        // The seeds, population and window are in the rows, not the summary.
        let rows = dir.join("sweep.csv");
        if let Some(t) = rows.is_file().then(|| Csv::read(&rows).ok()).flatten() {
            sw.context = SweepContext::of(&t);
        }
        ds.sweep = Some(sw);
    } else if dir.join("sweep.csv").is_file() {
        ds.sweep = Some(read_sweep_rows(&dir.join("sweep.csv"))?);
    }
    if dir.join("summary.csv").is_file() {
        ds.runs.push(read_run(dir, Path::new(""))?);
    } else if dir.join("compare.csv").is_file() {
        ds.runs = runs_of_compare(dir)?;
    } else if ds.sweep.is_none() {
        // Run directories one or two levels down (`<scenario>/` or `<scenario>/<strategy>/`).
        for a in subdirs(dir) {
            if dir.join(&a).join("summary.csv").is_file() {
                ds.runs.push(read_run(dir, &a)?);
            }
            for b in subdirs(&dir.join(&a)) {
                let rel = a.join(b);
                if dir.join(&rel).join("summary.csv").is_file() {
                    ds.runs.push(read_run(dir, &rel)?);
                }
            }
        }
    }
    if ds.is_empty() {
        return Err(Error::input(format!(
            "{}: holds no refresh-sim results (expected summary.csv, table.csv, compare.csv, \
             sweep.csv or sweep_summary.csv, or run directories below it)",
            dir.display()
        )));
    }
    Ok(ds)
}

/// The runs `compare.csv` lists, each read from `<scenario>/<strategy>/` when that directory
/// exists, else from its rows in `compare.csv` (summary only).
fn runs_of_compare(dir: &Path) -> Result<Vec<RunData>> {
    let path = dir.join("compare.csv");
    let lines = summary_lines(&Csv::read(&path)?, &path)?;
    let mut groups: Vec<Vec<SummaryLine>> = Vec::new();
    for l in lines {
        let same = |g: &Vec<SummaryLine>| {
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
        if !g[0].scenario.is_empty() && dir.join(&rel).join("summary.csv").is_file() {
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
            has_series: false,
            has_staleness: false,
        });
    }
    Ok(runs)
}
