//! Parameter sweeps: a grid of scenario variants × replications, run in parallel, summarised
//! with confidence intervals.
//!
//! A grid is a list of axes, each a field path and its values (`--set path=v1,v2,...` or an
//! entry of the scenario file's `[sweep] grid`). Its points are the Cartesian product in
//! row-major order: the first axis varies slowest. Each point runs `R` replications;
//! replication `r` of every point uses the seed [`replication_seed`]`(base, r)`, so all points
//! of one replication share their random numbers (common random numbers: a difference between
//! two points is a difference of the model, not of luck), and no seed depends on the thread
//! that ran it or on the order in which runs finished.
//!
//! Runs are spread over a local rayon pool (never the global one): parallelism exists only
//! across runs, a run itself is sequential. Each finished run is appended as one line to
//! `sweep.partial.csv` in the output directory, so a sweep that is killed keeps every row it
//! finished, and `--resume` runs only the missing (point, replication) pairs. The final files
//! are assembled from that journal in grid order and written atomically:
//!
//! - `sweep.csv`: one row per point × replication (the grid's columns, `replication`, then
//!   every column of `summary.csv` for `bank = all`);
//! - `sweep_summary.csv`: one row per point: for each key metric its mean, standard deviation
//!   and 95 % confidence half-width (Student's t with `R − 1` degrees of freedom).
//!
//! Both are computed only from the journal's text, never from in-memory floats, so a resumed
//! sweep and an uninterrupted one give byte-identical files, whatever the thread count.

use crate::error::{Error, Result};
use crate::metrics::RunResult;
use crate::report::{self, write_atomic};
use crate::rng::replication_seed;
use crate::scenario::{Scenario, Source};
use crate::sim;
use crate::stats::Estimate;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Replications per point when neither the command line nor the file says.
pub const DEFAULT_REPLICATIONS: u32 = 5;
/// Most replications per point accepted.
pub const MAX_REPLICATIONS: u32 = 100_000;
/// Most runs (points × replications) in one sweep.
pub const MAX_RUNS: u64 = 10_000_000;

/// The metrics `sweep_summary.csv` summarises, by their `summary.csv` column names.
pub const KEY_METRICS: [&str; 21] = [
    "failure_rate",
    "coverage",
    "users_per_day",
    "refreshes_per_hour",
    "attempts",
    "successes",
    "rate_limited",
    "errors",
    "reconnect_required",
    "deduplicated",
    "api_calls",
    "peak_in_flight",
    "mean_in_flight",
    "peak_outstanding",
    "staleness_p50_hours",
    "staleness_p95_hours",
    "staleness_p99_hours",
    "stale_24h_share",
    "stale_48h_share",
    "attempts_per_success",
    "api_calls_per_success",
];

/// The journal of finished runs, in completion order (removed once the sweep is assembled).
pub const PARTIAL_FILE: &str = "sweep.partial.csv";
/// What the journal belongs to: checked by `--resume` (removed with the journal).
pub const MANIFEST_FILE: &str = "sweep.manifest";
pub const SWEEP_FILE: &str = "sweep.csv";
pub const SUMMARY_FILE: &str = "sweep_summary.csv";

// ---------------------------------------------------------------------------------------------
// The grid

/// One swept field: its path and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridAxis {
    /// The field path as written (`strategy.concurrency`, `banks.neobank.share`).
    pub path: String,
    /// Each value as the text of a `--set` value (TOML, or a bare string).
    pub values: Vec<String>,
    /// Each value for display and CSV: strings without their quotes.
    pub labels: Vec<String>,
    /// Where the axis was given, for errors: `--set strategy.concurrency=8,16`.
    pub origin: String,
}

impl GridAxis {
    /// An axis from a command-line `--set path=v1,v2,...`. Values are separated by commas
    /// outside brackets, braces and quotes, so `limits=[{...}, {...}]` is one value.
    pub fn from_set(set: &str) -> std::result::Result<GridAxis, String> {
        let (path, raw) = set.split_once('=').ok_or_else(|| {
            "expected path=v1,v2,... (e.g. --set strategy.concurrency=8,16,32)".to_string()
        })?;
        let path = path.trim();
        check_path(path)?;
        let items: Vec<&str> = split_values(raw).into_iter().map(str::trim).collect();
        if let Some(k) = items.iter().position(|v| v.is_empty()) {
            return Err(format!(
                "value {} of {} is empty; separate values with single commas, e.g. {path}=8,16",
                k + 1,
                items.len()
            ));
        }
        let mut expanded: Vec<String> = Vec::new();
        for item in &items {
            match expand_range(item)? {
                Some(values) => expanded.extend(values),
                None => expanded.push(item.to_string()),
            }
        }
        if expanded.len() > MAX_AXIS_VALUES {
            return Err(format!(
                "{} values on one axis is more than the {MAX_AXIS_VALUES} supported",
                expanded.len()
            ));
        }
        let items: Vec<&str> = expanded.iter().map(String::as_str).collect();
        let labels = items.iter().map(|v| label_of_text(v)).collect();
        GridAxis::new(
            path,
            items.iter().map(|v| v.to_string()).collect(),
            labels,
            format!("--set {set}"),
        )
    }

    /// An axis from entry `entry` of the file's `[sweep] grid`.
    pub fn from_file(
        path: &str,
        values: &[toml::Value],
        entry: usize,
    ) -> std::result::Result<GridAxis, String> {
        let path = path.trim();
        check_path(path)?;
        if values.is_empty() {
            return Err("`values` must list at least one value".into());
        }
        let text = values.iter().map(|v| v.to_string()).collect();
        let labels = values
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => clean_label(s),
                other => clean_label(&other.to_string()),
            })
            .collect();
        GridAxis::new(
            path,
            text,
            labels,
            format!("[sweep] grid[{entry}] (path = \"{path}\")"),
        )
    }

    fn new(
        path: &str,
        values: Vec<String>,
        labels: Vec<String>,
        origin: String,
    ) -> std::result::Result<GridAxis, String> {
        for (i, v) in labels.iter().enumerate() {
            if labels[..i].contains(v) {
                return Err(format!("value \"{v}\" is listed twice"));
            }
        }
        Ok(GridAxis {
            path: path.to_string(),
            values,
            labels,
            origin,
        })
    }

    /// The `--set` string selecting value `k`.
    pub fn set(&self, k: usize) -> String {
        format!("{}={}", self.path, self.values[k])
    }
}

fn check_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty (e.g. strategy.concurrency)".into());
    }
    if path == "sweep" || path.starts_with("sweep.") || path.starts_with("sweep[") {
        return Err("the [sweep] section cannot be swept; use --replications, or list values in [sweep] grid".into());
    }
    Ok(())
}

/// Most values one axis may have (ranges make large axes easy to write by mistake).
const MAX_AXIS_VALUES: usize = 100_000;

/// A number as a range bound: digits with an optional sign and decimals, and no leading zero
/// (so that a time of day such as `00:00:30` is never read as a range).
fn bound(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if digits.is_empty() || leading_zero || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    text.parse().ok()
}

/// Expands a range written in a `--set` list: `a..b` (integers, `b` excluded, as in Rust),
/// `a..=b` (integers, `b` included) or `a:b:step` (numbers from `a` to `b` inclusive in steps
/// of `step`). `None` when `item` is not a range.
fn expand_range(item: &str) -> std::result::Result<Option<Vec<String>>, String> {
    let int = |t: &str| bound(t).filter(|x| x.fract() == 0.0).map(|x| x as i64);
    if let Some((a, b)) = item.split_once("..") {
        let (inclusive, b) = match b.strip_prefix('=') {
            Some(b) => (true, b),
            None => (false, b),
        };
        let (Some(a), Some(b)) = (int(a), int(b)) else {
            return Ok(None);
        };
        let end = if inclusive { b + 1 } else { b };
        if end <= a {
            return Err(format!("the range {item} is empty"));
        }
        if (end - a) as usize > MAX_AXIS_VALUES {
            return Err(format!(
                "the range {item} has more than {MAX_AXIS_VALUES} values"
            ));
        }
        return Ok(Some((a..end).map(|x| x.to_string()).collect()));
    }
    let parts: Vec<&str> = item.split(':').collect();
    let [a, b, step] = parts[..] else {
        return Ok(None);
    };
    let (Some(a), Some(b), Some(step)) = (bound(a), bound(b), bound(step)) else {
        return Ok(None);
    };
    if step <= 0.0 || b < a {
        return Err(format!(
            "the range {item} needs start <= end and a step > 0 (e.g. 8:64:8)"
        ));
    }
    let n = ((b - a) / step + 1e-9).floor() as usize + 1;
    if n > MAX_AXIS_VALUES {
        return Err(format!(
            "the range {item} has more than {MAX_AXIS_VALUES} values"
        ));
    }
    let integers = [a, b, step].iter().all(|x| x.fract() == 0.0);
    Ok(Some(
        (0..n)
            .map(|k| {
                let x = a + k as f64 * step;
                if integers {
                    format!("{}", x as i64)
                } else {
                    // Rounded to 12 significant decimals: 0.1 steps print as 0.3, not 0.30000000000000004.
                    let r = (x * 1e12).round() / 1e12;
                    format!("{r}")
                }
            })
            .collect(),
    ))
}

/// Splits `v1,v2,...` at commas that are outside brackets, braces and quotes.
pub fn split_values(raw: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut escaped, mut start) = (0i32, None, false, 0);
    for (i, ch) in raw.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' && q == '"' {
                escaped = true;
            } else if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => quote = Some(ch),
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&raw[start..]);
    out
}

/// The display form of a `--set` value: a quoted TOML string loses its quotes.
fn label_of_text(raw: &str) -> String {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(t) => match t.get("v") {
            Some(toml::Value::String(s)) => clean_label(s),
            _ => clean_label(raw),
        },
        Err(_) => clean_label(raw),
    }
}

/// Labels are single-line (the journal is read back line by line).
fn clean_label(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

/// `banks[0].share` and `banks.0.share` are the same field.
fn normalized(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

/// Refuses `--set path=v1,v2` for commands that run one scenario (`run`, `plan`): each
/// `--set` must carry a single value.
pub fn reject_lists(sets: &[String], command: &str) -> Result<()> {
    for set in sets {
        let Some((_, raw)) = set.split_once('=') else {
            continue; // the scenario parser explains a missing `=`
        };
        let items = split_values(raw);
        if items.len() > 1 {
            return Err(Error::input(format!(
                "--set {set}: `{command}` takes one value per --set, got a list of {} ({}); \
                 to compare values, use `refresh-sim sweep` (or quote a string that contains commas)",
                items.len(),
                items.iter().map(|s| s.trim()).collect::<Vec<_>>().join(" | ")
            )));
        }
    }
    Ok(())
}

/// The axes of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub axes: Vec<GridAxis>,
}

/// One combination of values: `choice[i]` indexes the values of axis `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub index: usize,
    pub choice: Vec<usize>,
    /// `--set` strings, one per axis.
    pub sets: Vec<String>,
    /// Display values, one per axis.
    pub labels: Vec<String>,
}

impl Grid {
    /// The file's axes in file order, then the command line's; a command-line axis for a
    /// path the file also sweeps replaces the file's axis in its place.
    pub fn new(file: Vec<GridAxis>, cli: Vec<GridAxis>) -> std::result::Result<Grid, String> {
        if let Some(a) = file
            .iter()
            .chain(&cli)
            .find(|a| normalized(&a.path) == "seed")
        {
            return Err(format!(
                "{} sweeps the seed: use --replications (seeds derive from --seed and the \
                 replication) so that every point shares its random numbers",
                a.origin
            ));
        }
        let mut axes = file;
        for (i, a) in axes.iter().enumerate() {
            if let Some(b) = axes[..i]
                .iter()
                .find(|b| normalized(&b.path) == normalized(&a.path))
            {
                return Err(format!(
                    "{} and {} sweep the same field",
                    b.origin, a.origin
                ));
            }
        }
        let mut seen: Vec<&GridAxis> = Vec::new();
        for a in &cli {
            if let Some(b) = seen
                .iter()
                .find(|b| normalized(&b.path) == normalized(&a.path))
            {
                return Err(format!("{} and {} set the same field", b.origin, a.origin));
            }
            seen.push(a);
        }
        for a in cli {
            match axes
                .iter_mut()
                .find(|b| normalized(&b.path) == normalized(&a.path))
            {
                Some(slot) => *slot = a,
                None => axes.push(a),
            }
        }
        Ok(Grid { axes })
    }

    /// Number of points (1 for an empty grid: the scenario as it is).
    pub fn len(&self) -> u64 {
        self.axes
            .iter()
            .map(|a| a.values.len() as u64)
            .fold(1u64, |acc, n| acc.saturating_mul(n))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column names of the grid: its paths.
    pub fn columns(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.path.clone()).collect()
    }

    /// Every point, first axis slowest.
    pub fn points(&self) -> Vec<Point> {
        let n = self.len() as usize;
        let mut out = Vec::with_capacity(n);
        for index in 0..n {
            let mut rest = index;
            let mut choice = vec![0; self.axes.len()];
            for (i, a) in self.axes.iter().enumerate().rev() {
                choice[i] = rest % a.values.len();
                rest /= a.values.len();
            }
            let sets = choice
                .iter()
                .zip(&self.axes)
                .map(|(&k, a)| a.set(k))
                .collect();
            let labels = choice
                .iter()
                .zip(&self.axes)
                .map(|(&k, a)| a.labels[k].clone())
                .collect();
            out.push(Point {
                index,
                choice,
                sets,
                labels,
            });
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// Fixed six decimals, without a negative zero (stable bytes).
fn fixed6(x: f64) -> String {
    let x = if x == 0.0 { 0.0 } else { x };
    format!("{x:.6}")
}

// ---------------------------------------------------------------------------------------------
// Running

/// A validated sweep: every point's scenario parsed and checked, nothing run or written yet.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub origin: String,
    pub grid: Grid,
    pub points: Vec<Point>,
    pub scenarios: Vec<Scenario>,
    /// Base seed of each point (`--seed`, else the point's scenario seed).
    pub base_seeds: Vec<u64>,
    pub replications: u32,
    /// FNV-1a of the scenario file's text: with a point's overrides and seed, it fixes what
    /// the point runs (the resume check), independent of toolchain and dependency versions.
    pub text_fingerprint: u64,
}

/// How to execute a sweep.
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    /// Worker threads; `None` for all cores.
    pub threads: Option<usize>,
    pub resume: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// What an executed sweep did and found.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    pub files: Vec<PathBuf>,
    /// Runs done now.
    pub ran: usize,
    /// Runs found finished in the journal (`--resume`).
    pub resumed: usize,
    pub threads: usize,
    pub columns: Vec<String>,
    pub summaries: Vec<PointSummary>,
}

/// One point's replications, summarised.
#[derive(Clone, Debug)]
pub struct PointSummary {
    pub labels: Vec<String>,
    pub replications: usize,
    /// `(metric, estimate)` for each of [`KEY_METRICS`] present in `summary.csv`; `None`
    /// when no replication has a value (e.g. staleness when nothing was refreshed).
    pub metrics: Vec<(String, Option<Estimate>)>,
}

impl PointSummary {
    pub fn metric(&self, name: &str) -> Option<Estimate> {
        self.metrics
            .iter()
            .find(|(m, _)| m == name)
            .and_then(|(_, e)| *e)
    }
}

impl Sweep {
    /// Builds the grid from the file's `[sweep]` section and `sets`, and parses and validates
    /// every point. Errors name the file, the `--set` (or grid entry) and the value.
    pub fn prepare(
        source: &Source,
        sets: &[String],
        replications: Option<u32>,
        seed: Option<u64>,
    ) -> Result<Sweep> {
        let origin = &source.origin;
        let section = source.sweep_section()?.unwrap_or_default();
        let file_axes = section
            .grid
            .iter()
            .enumerate()
            .map(|(i, (path, values))| {
                GridAxis::from_file(path, values, i)
                    .map_err(|m| Error::input(format!("{origin}: field `sweep.grid[{i}]`: {m}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let cli_axes = sets
            .iter()
            .map(|s| {
                GridAxis::from_set(s).map_err(|m| Error::input(format!("{origin}: --set {s}: {m}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let grid =
            Grid::new(file_axes, cli_axes).map_err(|m| Error::input(format!("{origin}: {m}")))?;

        let replications = match (replications, section.replications) {
            (Some(r), _) => {
                if !(1..=MAX_REPLICATIONS).contains(&r) {
                    return Err(Error::input(format!(
                        "--replications {r}: must be between 1 and {MAX_REPLICATIONS}"
                    )));
                }
                r
            }
            (None, Some(r)) => {
                if !(1..=MAX_REPLICATIONS as i64).contains(&r) {
                    return Err(Error::input(format!(
                        "{origin}: field `sweep.replications`: must be between 1 and {MAX_REPLICATIONS}, got {r}"
                    )));
                }
                r as u32
            }
            (None, None) => DEFAULT_REPLICATIONS,
        };
        let runs = grid.len().saturating_mul(replications as u64);
        if runs > MAX_RUNS {
            return Err(Error::input(format!(
                "{origin}: the sweep has {} points × {replications} replications = {runs} runs, more than the {MAX_RUNS} supported",
                grid.len()
            )));
        }

        let points = grid.points();
        let scenarios = points
            .iter()
            .map(|p| source.parse(&p.sets).map_err(|e| blame(e, p, &grid)))
            .collect::<Result<Vec<_>>>()?;
        let base_seeds = scenarios.iter().map(|s| seed.unwrap_or(s.seed)).collect();
        Ok(Sweep {
            origin: origin.clone(),
            grid,
            points,
            scenarios,
            base_seeds,
            replications,
            text_fingerprint: fnv1a(source.text.as_bytes()),
        })
    }

    /// Total runs: points × replications.
    pub fn runs(&self) -> usize {
        self.points.len() * self.replications as usize
    }

    /// `output/<scenario name>/sweep`.
    pub fn default_out(&self) -> PathBuf {
        Path::new("output")
            .join(&self.scenarios[0].name)
            .join("sweep")
    }

    /// What the journal in an output directory must belong to, line by line: the grid and
    /// a fingerprint of each point's scenario text, overrides and base seed.
    fn manifest_identity(&self) -> Vec<String> {
        let mut lines = vec![
            "refresh-sim sweep manifest 2".to_string(),
            format!("columns {}", self.grid.columns().join(" ")),
        ];
        for (i, p) in self.points.iter().enumerate() {
            let key = format!(
                "{:016x} {} seed {}",
                self.text_fingerprint,
                p.sets.join(" "),
                self.base_seeds[i]
            );
            let fp = fnv1a(key.as_bytes());
            lines.push(format!("point {i} {fp:016x} {}", p.sets.join(" ")));
        }
        lines
    }

    /// Runs every missing (point, replication) pair and writes the final files into
    /// `opts.out`. Checks everything it can before writing anything.
    pub fn execute(&self, opts: &Options) -> Result<SweepOutcome> {
        let pool = pool(opts.threads)?;
        let threads = pool.current_num_threads();
        let dir = &opts.out;
        let manifest_path = dir.join(MANIFEST_FILE);
        let partial_path = dir.join(PARTIAL_FILE);
        let identity = self.manifest_identity();
        let prefix = self.journal_prefix();

        // Everything read and checked before the first write.
        let mut done = Journal::empty();
        if manifest_path.exists() {
            if !opts.resume {
                let finished = Journal::read(&partial_path, &prefix, self)
                    .map(|j| j.rows.len())
                    .unwrap_or(0);
                return Err(Error::input(format!(
                    "{} holds an interrupted sweep ({finished} run(s) finished): add --resume to finish it, \
                     or delete {} and {} to start over",
                    dir.display(),
                    manifest_path.display(),
                    partial_path.display()
                )));
            }
            let text = std::fs::read_to_string(&manifest_path)
                .map_err(|e| Error::io(format!("{}: cannot read: {e}", manifest_path.display())))?;
            let theirs: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("replications ") && !l.starts_with("scenario "))
                .collect();
            if let Some(i) = (0..identity.len().max(theirs.len()))
                .find(|&i| theirs.get(i).copied() != identity.get(i).map(String::as_str))
            {
                return Err(Error::input(format!(
                    "--resume: the sweep in {} is a different sweep (its manifest differs at `{}`, this one has `{}`): \
                     use another --out, or delete {} and {} to start over",
                    dir.display(),
                    theirs.get(i).copied().unwrap_or("(end)"),
                    identity.get(i).map(String::as_str).unwrap_or("(end)"),
                    manifest_path.display(),
                    partial_path.display()
                )));
            }
            done = Journal::read(&partial_path, &prefix, self)?;
        } else if opts.resume {
            eprintln!("nothing to resume in {}: starting the sweep", dir.display());
        }

        // Now write: the manifest, then the journal (kept, truncated or created).
        // Informational lines (not compared by --resume): the file as named, replications.
        let mut manifest = identity.join("\n");
        let _ = write!(
            manifest,
            "\nscenario {}\nreplications {}\n",
            self.origin, self.replications
        );
        write_atomic(&manifest_path, manifest.as_bytes())?;
        let file = done.open_for_append(&partial_path)?;

        let r_count = self.replications;
        let jobs: Vec<(usize, u32)> = (0..self.points.len())
            .flat_map(|p| (0..r_count).map(move |r| (p, r)))
            .filter(|k| !done.rows.contains_key(k))
            .collect();
        let resumed = self.runs() - jobs.len();
        let bar = progress_bar(opts.progress, self.runs() as u64, resumed as u64);
        let writer = Mutex::new(Appender {
            file,
            path: partial_path.clone(),
            header: done.header.clone(),
            last_sync: Instant::now(),
        });
        pool.install(|| {
            jobs.par_iter().try_for_each(|&(p, r)| -> Result<()> {
                let seed = replication_seed(self.base_seeds[p], r);
                let result = sim::run(&self.scenarios[p], seed);
                let (header, fields) = summary_fields(&result)?;
                let mut record = Vec::with_capacity(fields.len() + self.grid.axes.len() + 2);
                record.push(p.to_string());
                record.extend(self.points[p].labels.iter().cloned());
                record.push(r.to_string());
                record.extend(fields);
                writer
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .append(&prefix, &header, &record)?;
                bar.inc(1);
                Ok(())
            })
        })?;
        {
            let w = writer.lock().unwrap_or_else(|e| e.into_inner());
            w.file
                .sync_data()
                .map_err(|e| Error::io(format!("{}: cannot write: {e}", w.path.display())))?;
        }
        bar.finish_and_clear();

        // Assemble from the journal alone, so resumed and uninterrupted sweeps agree.
        let journal = Journal::read(&partial_path, &prefix, self)?;
        let (files, summaries) = self.assemble(&journal, dir)?;
        let _ = std::fs::remove_file(&partial_path);
        let _ = std::fs::remove_file(&manifest_path);
        Ok(SweepOutcome {
            files,
            ran: jobs.len(),
            resumed,
            threads,
            columns: self.grid.columns(),
            summaries,
        })
    }

    /// The journal's leading columns: `point`, the grid's columns, `replication`.
    fn journal_prefix(&self) -> Vec<String> {
        let mut h = vec!["point".to_string()];
        h.extend(self.grid.columns());
        h.push("replication".into());
        h
    }

    /// Writes `sweep.csv` and `sweep_summary.csv` from a complete journal.
    fn assemble(&self, journal: &Journal, dir: &Path) -> Result<(Vec<PathBuf>, Vec<PointSummary>)> {
        let header = journal
            .header
            .as_ref()
            .ok_or_else(|| Error::io(format!("{}: no rows", dir.join(PARTIAL_FILE).display())))?;
        let ncols = self.grid.axes.len();
        let metric_cols = &header[ncols + 2..];
        let col = |name: &str| metric_cols.iter().position(|c| c == name);

        let mut sweep = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::io(format!("csv: {e}"));
        sweep.write_record(&header[1..]).map_err(csv_err)?;
        let mut summary = csv::Writer::from_writer(Vec::new());
        let mut sheader: Vec<String> = self.grid.columns();
        let ident: Vec<&str> = ["scenario", "strategy", "concurrency"]
            .into_iter()
            .filter(|c| col(c).is_some())
            .collect();
        sheader.extend(ident.iter().map(|s| s.to_string()));
        sheader.push("replications".into());
        let metrics: Vec<(&str, usize)> = KEY_METRICS
            .iter()
            .filter_map(|m| col(m).map(|i| (*m, i)))
            .collect();
        for (m, _) in &metrics {
            for suffix in ["mean", "sd", "ci95"] {
                sheader.push(format!("{m}_{suffix}"));
            }
        }
        summary.write_record(&sheader).map_err(csv_err)?;

        let mut summaries = Vec::with_capacity(self.points.len());
        for (p, point) in self.points.iter().enumerate() {
            let rows: Vec<&Vec<String>> = (0..self.replications)
                .map(|r| {
                    journal.rows.get(&(p, r)).ok_or_else(|| {
                        Error::io(format!(
                            "{}: run (point {p}, replication {r}) is missing",
                            dir.join(PARTIAL_FILE).display()
                        ))
                    })
                })
                .collect::<Result<_>>()?;
            for row in &rows {
                sweep.write_record(&row[1..]).map_err(csv_err)?;
            }
            let mut out: Vec<String> = point.labels.clone();
            for c in &ident {
                out.push(rows[0][ncols + 2 + col(c).expect("present")].clone());
            }
            out.push(rows.len().to_string());
            let mut ps = PointSummary {
                labels: point.labels.clone(),
                replications: rows.len(),
                metrics: Vec::new(),
            };
            for (m, i) in &metrics {
                let xs: Vec<f64> = rows
                    .iter()
                    .filter_map(|row| row[ncols + 2 + i].parse::<f64>().ok())
                    .collect();
                let e = Estimate::of(&xs);
                out.push(e.map(|e| fixed6(e.mean)).unwrap_or_default());
                out.push(e.and_then(|e| e.sd).map(fixed6).unwrap_or_default());
                out.push(e.and_then(|e| e.ci95).map(fixed6).unwrap_or_default());
                ps.metrics.push((m.to_string(), e));
            }
            summary.write_record(&out).map_err(csv_err)?;
            summaries.push(ps);
        }
        let sweep_path = dir.join(SWEEP_FILE);
        let summary_path = dir.join(SUMMARY_FILE);
        write_atomic(
            &sweep_path,
            &sweep
                .into_inner()
                .map_err(|e| Error::io(format!("csv: {e}")))?,
        )?;
        write_atomic(
            &summary_path,
            &summary
                .into_inner()
                .map_err(|e| Error::io(format!("csv: {e}")))?,
        )?;
        Ok((vec![sweep_path, summary_path], summaries))
    }
}

/// Adds to a point's parse error which sweep value caused it.
fn blame(e: Error, p: &Point, grid: &Grid) -> Error {
    let msg = &e.message;
    let culprit = p.sets.iter().enumerate().filter(|(_, s)| {
        let pat = format!("--set {s}");
        msg.match_indices(&pat).any(|(at, _)| {
            matches!(
                msg[at + pat.len()..].chars().next(),
                Some(':') | Some(')') | None
            )
        })
    });
    let context = match culprit.max_by_key(|(_, s)| s.len()) {
        Some((i, _)) => {
            let axis = &grid.axes[i];
            if axis.values.len() == 1 && axis.origin.starts_with("--set") {
                return e;
            }
            format!(
                "value {} of {} of {}",
                p.choice[i] + 1,
                axis.values.len(),
                axis.origin
            )
        }
        None if grid.axes.is_empty() => return e,
        None => format!(
            "sweep point {} of {}: {}",
            p.index + 1,
            grid.len(),
            p.sets.join(", ")
        ),
    };
    Error {
        kind: e.kind,
        message: format!("{} (in the sweep: {context})", e.message),
    }
}

/// FNV-1a, 64 bits: a fingerprint that never changes with a toolchain or dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Runs `scenario` for replications `0..replications` (seeds from `base_seed`) in the current
/// rayon pool and maps each result with `f`, in replication order.
pub fn replicate<T: Send>(
    scenario: &Scenario,
    base_seed: u64,
    replications: u32,
    f: impl Fn(&RunResult) -> T + Sync,
) -> Vec<T> {
    (0..replications)
        .into_par_iter()
        .map(|r| f(&sim::run(scenario, replication_seed(base_seed, r))))
        .collect()
}

/// A local pool of `threads` workers (`None`: all cores).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let threads = match threads {
        Some(0) => return Err(Error::input("--threads 0: need at least one thread")),
        Some(t) => t,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::io(format!("cannot start {threads} worker threads: {e}")))
}

/// The `summary.csv` header and values of a run's `bank = all` row.
fn summary_fields(r: &RunResult) -> Result<(Vec<String>, Vec<String>)> {
    let all = report::summary_rows(r)
        .into_iter()
        .find(|row| row.bank == "all")
        .ok_or_else(|| Error::io("summary: no `all` row"))?;
    let bytes = report::csv_bytes(std::slice::from_ref(&all))?;
    let mut rdr = csv::Reader::from_reader(&bytes[..]);
    let header = rdr
        .headers()
        .map_err(|e| Error::io(format!("csv: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let record = rdr
        .records()
        .next()
        .ok_or_else(|| Error::io("csv: no record"))?
        .map_err(|e| Error::io(format!("csv: {e}")))?;
    Ok((header, record.iter().map(String::from).collect()))
}

// ---------------------------------------------------------------------------------------------
// The journal

/// Finished runs read back from `sweep.partial.csv`.
#[derive(Debug)]
struct Journal {
    /// The full header (`point`, grid columns, `replication`, summary columns), if written.
    header: Option<Vec<String>>,
    /// `(point, replication)` → the full row, `point` first.
    rows: BTreeMap<(usize, u32), Vec<String>>,
    /// Bytes of the file up to its last complete line (a kill can tear the last line).
    complete: u64,
    len: u64,
}

impl Journal {
    fn empty() -> Journal {
        Journal {
            header: None,
            rows: BTreeMap::new(),
            complete: 0,
            len: 0,
        }
    }

    /// Reads the journal, checking each row against the sweep's grid. A missing file is an
    /// empty journal.
    fn read(path: &Path, prefix: &[String], sweep: &Sweep) -> Result<Journal> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Journal::empty()),
            Err(e) => return Err(Error::io(format!("{}: cannot read: {e}", path.display()))),
        };
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let bad = |what: String| {
            Error::input(format!(
                "{}: {what}; delete it and {} to start the sweep over",
                path.display(),
                MANIFEST_FILE
            ))
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[..complete]);
        let mut journal = Journal {
            header: None,
            rows: BTreeMap::new(),
            complete: complete as u64,
            len: bytes.len() as u64,
        };
        let ncols = sweep.grid.axes.len();
        for (line, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("unreadable line {}: {e}", line + 1)))?;
            let fields: Vec<String> = rec.iter().map(String::from).collect();
            match &journal.header {
                None => {
                    if fields.len() < prefix.len() || fields[..prefix.len()] != *prefix {
                        return Err(bad(format!(
                            "its header does not start with {}",
                            prefix.join(",")
                        )));
                    }
                    journal.header = Some(fields);
                }
                Some(h) => {
                    if fields.len() != h.len() {
                        return Err(bad(format!(
                            "line {} has {} fields, the header {}",
                            line + 1,
                            fields.len(),
                            h.len()
                        )));
                    }
                    let p: usize = fields[0]
                        .parse()
                        .ok()
                        .filter(|&p| p < sweep.points.len())
                        .ok_or_else(|| {
                            bad(format!("line {}: bad point \"{}\"", line + 1, fields[0]))
                        })?;
                    let r: u32 = fields[ncols + 1].parse().map_err(|_| {
                        bad(format!(
                            "line {}: bad replication \"{}\"",
                            line + 1,
                            fields[ncols + 1]
                        ))
                    })?;
                    if fields[1..=ncols] != sweep.points[p].labels[..] {
                        return Err(bad(format!(
                            "line {}: point {p} has values {} here but {} in this sweep",
                            line + 1,
                            fields[1..=ncols].join(","),
                            sweep.points[p].labels.join(",")
                        )));
                    }
                    // A run is deterministic: a duplicate (two writers) is the same row.
                    journal.rows.entry((p, r)).or_insert(fields);
                }
            }
        }
        Ok(journal)
    }

    /// Opens the journal for appending: drops a torn last line, or starts a new file.
    fn open_for_append(&self, path: &Path) -> Result<std::fs::File> {
        let io = |e: std::io::Error| Error::io(format!("{}: cannot write: {e}", path.display()));
        if self.header.is_some() {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(io)?;
            if self.complete < self.len {
                f.set_len(self.complete).map_err(io)?;
            }
            Ok(f)
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::io(format!("{}: cannot create directory: {e}", dir.display()))
                })?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(path)
                .map_err(io)
        }
    }
}

/// Appends finished runs to the journal, one `write` per line.
struct Appender {
    file: std::fs::File,
    path: PathBuf,
    header: Option<Vec<String>>,
    last_sync: Instant,
}

impl Appender {
    fn append(
        &mut self,
        prefix: &[String],
        summary_header: &[String],
        record: &[String],
    ) -> Result<()> {
        let mut header = prefix.to_vec();
        header.extend(summary_header.iter().cloned());
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::io(format!("csv: {e}"));
        match &self.header {
            None => {
                w.write_record(&header).map_err(csv_err)?;
                self.header = Some(header);
            }
            Some(h) if *h != header => {
                return Err(Error::input(format!(
                    "{}: its rows have other columns than this version of refresh-sim writes; \
                     delete it and {MANIFEST_FILE} to start the sweep over",
                    self.path.display()
                )))
            }
            Some(_) => {}
        }
        w.write_record(record).map_err(csv_err)?;
        let bytes = w.into_inner().map_err(|e| Error::io(format!("csv: {e}")))?;
        let io =
            |e: std::io::Error| Error::io(format!("{}: cannot write: {e}", self.path.display()));
        // One write per line: a kill leaves whole lines, or a torn last one that is dropped.
        self.file.write_all(&bytes).map_err(io)?;
        // On disk at least once a second (the OS has every line at once, which survives a
        // kill; syncing bounds what a power cut can take).
        if self.last_sync.elapsed() >= Duration::from_secs(1) {
            self.file.sync_data().map_err(io)?;
            self.last_sync = Instant::now();
        }
        Ok(())
    }
}

fn progress_bar(show: bool, total: u64, done: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} runs · ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_position(done);
    bar.reset_eta();
    bar
}

// ---------------------------------------------------------------------------------------------
// Terminal summary

/// A table of the sweep's key results: per point, mean ± 95 % half-width.
pub fn human_table(o: &SweepOutcome) -> String {
    let shown = [
        ("failure_rate", "failure rate", true),
        ("coverage", "coverage", true),
        ("users_per_day", "users/day", false),
    ];
    let cell = |e: Option<Estimate>, pct: bool| match e {
        None => "—".to_string(),
        Some(e) if pct => match e.ci95 {
            Some(h) => format!("{:.2} % ± {:.2}", 100.0 * e.mean, 100.0 * h),
            None => format!("{:.2} %", 100.0 * e.mean),
        },
        Some(e) => match e.ci95 {
            Some(h) => format!("{} ± {}", report::thousands(e.mean), report::thousands(h)),
            None => report::thousands(e.mean),
        },
    };
    let mut header: Vec<String> = o.columns.clone();
    header.extend(shown.iter().map(|(_, h, _)| h.to_string()));
    let rows: Vec<Vec<String>> = o
        .summaries
        .iter()
        .map(|s| {
            let mut r = s.labels.clone();
            r.extend(shown.iter().map(|(m, _, pct)| cell(s.metric(m), *pct)));
            r
        })
        .collect();
    let widths = report::column_widths(&header, &rows);
    let mut out = String::new();
    let reps = o.summaries.first().map_or(0, |s| s.replications);
    let _ = writeln!(
        out,
        "sweep: {} point(s) × {reps} replication(s) = {} runs ({} run now on {} thread(s){}); mean ± 95 % CI half-width",
        o.summaries.len(),
        o.ran + o.resumed,
        o.ran,
        o.threads,
        if o.resumed > 0 { format!(", {} resumed", o.resumed) } else { String::new() }
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
    let _ = writeln!(out, "{}", line(&header));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_in_set_lists() {
        let values = |set: &str| GridAxis::from_set(set).map(|a| a.values);
        assert_eq!(
            values("strategy.concurrency=1..4").unwrap(),
            ["1", "2", "3"]
        );
        assert_eq!(
            values("strategy.concurrency=1..=4").unwrap(),
            ["1", "2", "3", "4"]
        );
        assert_eq!(
            values("strategy.concurrency=8:32:8,64").unwrap(),
            ["8", "16", "24", "32", "64"]
        );
        assert_eq!(
            values("banks[0].error_rate=0.1:0.3:0.1").unwrap(),
            ["0.1", "0.2", "0.3"]
        );
        // Not ranges: a time of day, a duration, a string.
        assert_eq!(values("window.start=00:00:30").unwrap(), ["00:00:30"]);
        assert_eq!(values("window.length=24h,2d").unwrap(), ["24h", "2d"]);
        assert!(values("strategy.concurrency=4..2")
            .unwrap_err()
            .contains("empty"));
        assert!(values("strategy.concurrency=8:4:1")
            .unwrap_err()
            .contains("start <= end"));
        assert!(values("strategy.concurrency=1..=200000").is_err());
    }

    #[test]
    fn splits_at_top_level_commas_only() {
        assert_eq!(split_values("8,16,32"), ["8", "16", "32"]);
        assert_eq!(
            split_values("queued, random_offset"),
            ["queued", " random_offset"]
        );
        assert_eq!(
            split_values("[{kind = \"a\", n = 1}],[]"),
            ["[{kind = \"a\", n = 1}]", "[]"]
        );
        assert_eq!(split_values("\"a, b\",c"), ["\"a, b\"", "c"]);
        assert_eq!(split_values("x"), ["x"]);
    }

    #[test]
    fn fnv_is_pinned() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
