//! `refresh-sim sweep` (whole, or one shard of it) and `refresh-sim merge`.

use super::list;
use crate::error::Result;
use crate::experiment::sweep::{self, Shard, Sweep};
use crate::scenario;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML); its `[sweep]` section, if any, adds grid axes.
    pub scenario: PathBuf,
    /// Vary a field over values, e.g. --set strategy.concurrency=8,16,32 (repeatable; the grid
    /// is the Cartesian product, first axis slowest). A single value is a fixed override.
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    pub set: Vec<String>,
    /// Replications per grid point (default: the file's sweep.replications, else 5).
    #[arg(long, allow_negative_numbers = true)]
    pub replications: Option<u32>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Base seed; replication r runs with a seed derived from (seed, r) at every point
    /// (default: the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Output directory (default: output/<scenario name>/sweep). A shard writes into
    /// OUT/shard-K-of-N.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Finish an interrupted sweep in the output directory: run only the missing runs.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard K of N (from 1) and write it for `merge`; `none` runs the whole sweep
    /// whatever the environment says. Default: from SLURM_ARRAY_TASK_ID and
    /// SLURM_ARRAY_TASK_COUNT, else JOB_COMPLETION_INDEX with --shards, else the whole sweep.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Number of shards, for a Kubernetes Indexed Job (its completions): the shard is
    /// JOB_COMPLETION_INDEX + 1 of N.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub shards: Option<u64>,
    /// Check the scenario, the grid, the shard and the output directory (an interrupted sweep
    /// there, with or without --resume, as the run would), print the sweep's size, and run
    /// nothing.
    #[arg(long)]
    pub check: bool,
}

pub(super) fn sweep_cmd(a: SweepArgs) -> Result<()> {
    let source = scenario::Source::read(&a.scenario)?;
    let shard = Shard::resolve(a.shard.as_deref(), a.shards, |k| std::env::var(k).ok())?;
    let sw = Sweep::prepare(&source, &a.set, a.replications, a.seed)?;
    if let Some(note) = sweep::fixed_demand_note(&sw.scenarios) {
        eprintln!("note: {note}");
    }
    let at_once = sweep::pool(a.threads)?.current_num_threads().min(sw.runs());
    scenario::check_memory(&sw.scenarios, at_once)?;
    for note in sweep::point_notes(&sw.points, &sw.scenarios) {
        eprintln!("note: {note}");
    }
    let base = a.out.unwrap_or_else(|| sw.default_out());
    let opts = sweep::Options {
        out: match &shard {
            Some((s, _)) => base.join(s.dir_name()),
            None => base.clone(),
        },
        threads: a.threads,
        resume: a.resume,
        progress: true,
        scheduled: a.shard.is_none() && shard.is_some(),
        shard: shard.as_ref().map(|(s, _)| *s),
    };
    if a.check {
        // What the output directory holds is checked as the run would: a resume it would
        // refuse is refused here too.
        let finished = match opts.shard.is_some() {
            true => 0,
            false => sw.check_out(&opts)?,
        };
        let mine = shard.as_ref().map(|(s, _)| *s);
        println!(
            "sweep {}: {} point(s) × {} replication(s) = {} runs{}{}; valid, nothing run",
            sw.origin,
            sw.points.len(),
            sw.replications,
            sw.runs(),
            match mine {
                Some(s) => format!(
                    ", of which shard {}/{} holds {}",
                    s.index,
                    s.count,
                    sw.runs_of(Some(s)).count()
                ),
                None => String::new(),
            },
            match finished {
                0 => String::new(),
                n => format!(", {n} of them finished in {}", opts.out.display()),
            }
        );
        return Ok(());
    }
    if let Some((s, from)) = &shard {
        eprintln!("shard {}/{} (from {from})", s.index, s.count);
        if sw.runs_of(Some(*s)).next().is_none() {
            eprintln!(
                "warning: shard {}/{} holds no runs: the sweep has {} runs, so at most {} \
                     shards do any work",
                s.index,
                s.count,
                sw.runs(),
                sw.runs()
            );
        }
    }
    let outcome = sw.execute(&opts)?;
    print!("{}", sweep::human_table(&outcome));
    println!("wrote {}", list(&outcome.files));
    if outcome.shard.is_some() {
        println!(
            "when every shard is done: refresh-sim merge {}",
            base.display()
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard directories, or directories holding shard-K-of-N directories (e.g. the sweep's
    /// --out).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output directory for sweep.csv and sweep_summary.csv (default: the one directory
    /// given, when it holds the shards).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub(super) fn merge_cmd(a: MergeArgs) -> Result<()> {
    use crate::error::Error;
    use crate::output::shard::FILE;
    let out =
        match (&a.out, a.shards.as_slice()) {
            (Some(o), _) => o.clone(),
            // The shards' parent directory, or the parent of the one shard given.
            (None, [one]) if one.join(FILE).exists() => {
                one.parent().map_or(PathBuf::from("."), PathBuf::from)
            }
            (None, [one]) => one.clone(),
            _ => return Err(Error::input(
                "merge: several directories given: say where the sweep's files go with --out DIR",
            )),
        };
    if out.join(FILE).exists() || out.join(sweep::MANIFEST_FILE).exists() {
        return Err(Error::input(format!(
            "merge --out {}: a shard's (or a sweep's working) directory; write the merged files \
             beside the shards, e.g. into their parent directory",
            out.display()
        )));
    }
    let outcome = sweep::merge(&a.shards, &out)?;
    print!("{}", sweep::human_table(&outcome));
    println!("wrote {}", list(&outcome.files));
    Ok(())
}
