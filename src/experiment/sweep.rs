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
use crate::output::shard::{self as shard_files, ShardRecord};
use crate::output::summary::SummaryRow;
use crate::output::sweep::{self as files, PointRow, SweepRow};
use crate::output::write_atomic;
use crate::rng::replication_seed;
use crate::scenario::{Scenario, Source};
use crate::sim;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod assemble;
mod grid;
mod journal;
mod lock;
mod merge;
mod notes;
mod pool;
mod progress;
mod shard;
mod shard_dir;
mod stop;
mod terminal;
pub use grid::{
    fixed_demand_note, reject_lists, split_top_level, split_values, Grid, GridAxis, Point,
};
use journal::{Appender, Journal};
pub use merge::merge;
pub use notes::point_notes;
pub use pool::{max_threads, pool, replicate, replicate_each};
use progress::Progress;
pub use shard::{Shard, MAX_SHARDS};
pub use terminal::human_table;

/// Replications per point when neither the command line nor the file says.
pub const DEFAULT_REPLICATIONS: u32 = 5;
/// Most replications per point accepted.
pub const MAX_REPLICATIONS: u32 = 100_000;
/// Most runs (points × replications) in one sweep.
pub const MAX_RUNS: u64 = 10_000_000;

/// The journal of finished runs, in completion order (removed once the sweep is assembled).
pub const PARTIAL_FILE: &str = "sweep.partial.csv";
/// What the journal belongs to: checked by `--resume` (removed with the journal).
pub const MANIFEST_FILE: &str = "sweep.manifest";
pub use files::{SUMMARY_FILE, SWEEP_FILE};

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
    /// What the sweep was prepared from (recorded by a shard, so `merge` can rebuild it).
    source: Source,
    sets: Vec<String>,
    seed: Option<u64>,
}

/// How to execute a sweep.
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    /// Worker threads; `None` for all cores.
    pub threads: Option<usize>,
    pub resume: bool,
    /// Report progress on stderr: a bar on a terminal, else a line a minute.
    pub progress: bool,
    /// Run only this shard's runs and write them as a shard (`shard.toml`, `shard.csv`) for
    /// `merge`, instead of the sweep's files; `out` is then the shard's own directory.
    pub shard: Option<Shard>,
    /// The shard was started by a scheduler (Slurm, Kubernetes), which runs one task per
    /// shard at a time: a lock left on another host is taken over.
    pub scheduled: bool,
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
    /// Each point's replications, summarised (the rows of `sweep_summary.csv`; none for a
    /// shard).
    pub summaries: Vec<PointRow>,
    /// Each point's banks, summarised (the rows of `sweep_banks_summary.csv`, the bank's name
    /// after the grid's values; none for one bank or a shard).
    pub bank_summaries: Vec<PointRow>,
    /// The shard run, if the sweep was one.
    pub shard: Option<Shard>,
    /// Shards merged into these files (0: run here).
    pub merged: usize,
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
            source: source.clone(),
            sets: sets.to_vec(),
            seed,
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

    /// The sweep's fingerprint: its identity and replications (what a shard records, and
    /// `merge` compares).
    pub fn fingerprint(&self) -> u64 {
        let mut key = self.manifest_identity(None).join("\n");
        let _ = write!(key, "\nreplications {}", self.replications);
        fnv1a(key.as_bytes())
    }

    /// The indexes `(point, replication)` of the runs `shard` holds (all without one), in
    /// grid order.
    pub fn runs_of(&self, shard: Option<Shard>) -> impl Iterator<Item = (usize, u32)> + '_ {
        let reps = self.replications;
        (0..self.points.len())
            .flat_map(move |p| (0..reps).map(move |r| (p, r)))
            .filter(move |&(p, r)| shard.is_none_or(|s| s.holds(p * reps as usize + r as usize)))
    }

    /// What the journal in an output directory must belong to, line by line: the grid, a
    /// fingerprint of each point's scenario text, overrides and base seed, and the shard.
    fn manifest_identity(&self, shard: Option<Shard>) -> Vec<String> {
        let mut lines = vec![
            // 3: a run's journal lines carry its banks' rows; 4: a daily point's
            // period_coverage beside a shorter period's (an older journal's are empty); 5: a
            // run's worst_bank_client_failure_rate (an older journal's lines lack it); 6: its
            // period_hours (the same); 7: its fresh_within_hours and not_fresh_at_open_share.
            "refresh-sim sweep manifest 7".to_string(),
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
        if let Some(s) = shard {
            lines.push(format!("shard {}/{}", s.index, s.count));
        }
        lines
    }

    /// What [`execute`](Self::execute) would find in `opts.out`, without running or writing
    /// anything (`sweep --check`): the runs an interrupted sweep finished there, or the
    /// refusal `execute` would give (another sweep; an interrupted one without `--resume`).
    pub fn check_out(&self, opts: &Options) -> Result<usize> {
        let dir = &opts.out;
        if !dir.join(MANIFEST_FILE).exists() {
            return Ok(0);
        }
        // Another sweep writing there would stop the run: taken and given back at once.
        let _held = lock::Lock::take(dir, opts.scheduled)?;
        Ok(self.finished_runs(opts, &self.journal_header())?.rows.len())
    }

    /// Runs every missing (point, replication) pair (of `opts.shard`, if given) and writes
    /// the final files into `opts.out`. Checks everything it can before writing anything.
    pub fn execute(&self, opts: &Options) -> Result<SweepOutcome> {
        let pool = pool(opts.threads)?;
        let dir = &opts.out;
        let _lock = lock::Lock::take(dir, opts.scheduled)?;
        if let Some(shard) = opts.shard {
            if let Some(done) = self.finished_shard(opts, shard)? {
                return Ok(done);
            }
        }
        let partial_path = dir.join(PARTIAL_FILE);
        let header = self.journal_header();
        // Everything read and checked before the first write.
        let done = self.finished_runs(opts, &header)?;
        // Now write: the manifest, then the journal (kept, truncated or created).
        self.write_manifest(dir, opts.shard)?;
        let file = done.open_for_append(&partial_path)?;
        let mine: Vec<(usize, u32)> = self.runs_of(opts.shard).collect();
        let jobs: Vec<(usize, u32)> = mine
            .iter()
            .copied()
            .filter(|k| !done.rows.contains_key(k))
            .collect();
        let resumed = mine.len() - jobs.len();
        let bar = Progress::new(opts.progress, mine.len() as u64, resumed as u64);
        let appender = Appender {
            file,
            path: partial_path.clone(),
            header_written: done.has_header,
            last_sync: Instant::now(),
        };
        let (finished, stopped) = self.run_jobs(&pool, &jobs, appender, &header, &bar)?;
        bar.finish();
        if stopped {
            let kept = resumed + finished;
            return Err(Error::interrupted(format!(
                "{}: stopped by a signal after {kept} of {} runs, each kept in {}; run the same \
                 sweep with --resume to finish it",
                dir.display(),
                mine.len(),
                partial_path.display()
            )));
        }

        // Assemble from the journal alone, so resumed and uninterrupted sweeps agree.
        let journal = Journal::read(&partial_path, &header, self, journal::START_OVER)?;
        let (files, summaries, bank_summaries) = match opts.shard {
            Some(shard) => (
                self.write_shard(&journal, dir, shard, &header)?,
                vec![],
                vec![],
            ),
            None => self.assemble(&journal, dir, &partial_path)?,
        };
        let _ = std::fs::remove_file(&partial_path);
        let _ = std::fs::remove_file(dir.join(MANIFEST_FILE));
        Ok(SweepOutcome {
            files,
            ran: jobs.len(),
            resumed,
            threads: pool.current_num_threads(),
            columns: self.grid.columns(),
            summaries,
            bank_summaries,
            shard: opts.shard,
            merged: 0,
        })
    }

    /// Runs `jobs` on `pool`, each row appended to the journal as it finishes; returns how
    /// many ran, and whether a signal stopped the sweep before the rest (`stop.rs`).
    fn run_jobs(
        &self,
        pool: &rayon::ThreadPool,
        jobs: &[(usize, u32)],
        appender: Appender,
        header: &[String],
        bar: &Progress,
    ) -> Result<(usize, bool)> {
        let syncer = appender.syncer()?;
        let writer = Mutex::new(appender);
        let stop = stop::Stop::listen();
        let stopping = std::sync::Once::new();
        let finished = std::sync::atomic::AtomicUsize::new(0);
        pool.install(|| {
            jobs.par_iter().try_for_each(|&(p, r)| -> Result<()> {
                if stop.requested() {
                    stopping.call_once(|| {
                        eprintln!(
                            "\nstopping: finishing the runs in progress (a second Ctrl-C stops at once)"
                        )
                    });
                    return Ok(());
                }
                let row = self.run_one(p, r);
                let due = writer
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .append(header, p, &row)?;
                if due {
                    syncer.sync()?;
                }
                finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                bar.inc();
                Ok(())
            })
        })?;
        syncer.sync()?;
        // A signal during the last runs stopped nothing.
        let finished = finished.into_inner();
        Ok((finished, stop.requested() && finished < jobs.len()))
    }

    /// Replication `r` of point `p`, run: its `sweep.csv` row.
    fn run_one(&self, p: usize, r: u32) -> SweepRow {
        let seed = replication_seed(self.base_seeds[p], r);
        let sc = &self.scenarios[p];
        let result = sim::run(sc, seed);
        // Beside a point of a shorter period, a daily one's coverage of each period is its
        // coverage: one column holds every point.
        let periods = self.scenarios.iter().any(|s| s.schedule.is_short());
        let mut banks =
            SummaryRow::of_run_beside_periods(&result, periods && sc.schedule.is_daily());
        let run = banks.pop().expect("the all row");
        if banks.len() < 2 {
            banks.clear();
        }
        SweepRow {
            params: self.points[p].labels.clone(),
            replication: r,
            run,
            banks,
        }
    }

    /// The runs an earlier, interrupted run of this sweep in `opts.out` finished (none if
    /// there was none). Refuses a directory holding another sweep, or an interrupted one
    /// without `--resume`.
    fn finished_runs(&self, opts: &Options, header: &[String]) -> Result<Journal> {
        let dir = &opts.out;
        let (manifest_path, partial_path) = (dir.join(MANIFEST_FILE), dir.join(PARTIAL_FILE));
        if !manifest_path.exists() {
            if opts.resume {
                eprintln!("nothing to resume in {}: starting the sweep", dir.display());
            }
            return Ok(Journal::empty());
        }
        if !opts.resume {
            let finished = Journal::read(&partial_path, header, self, journal::START_OVER)
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
        let identity = self.manifest_identity(opts.shard);
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
        Journal::read(&partial_path, header, self, journal::START_OVER)
    }

    /// Writes what the journal belongs to; the lines after the identity (the file as named,
    /// the replications) are informational, not compared by `--resume`.
    fn write_manifest(&self, dir: &Path, shard: Option<Shard>) -> Result<()> {
        let mut manifest = self.manifest_identity(shard).join("\n");
        let _ = write!(
            manifest,
            "\nscenario {}\nreplications {}\n",
            self.origin, self.replications
        );
        write_atomic(&dir.join(MANIFEST_FILE), manifest.as_bytes())
    }

    /// The journal's columns: `point`, then `sweep.csv`'s.
    fn journal_header(&self) -> Vec<String> {
        let mut h = vec!["point".to_string()];
        h.extend(files::sweep_header(&self.grid.columns()));
        // A checksum of each line's fields: an edited row is refused, not averaged in.
        h.push(journal::CHECK.to_string());
        h
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
