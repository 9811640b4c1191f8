//! `refresh-sim compare`: strategies compared in pairs on common random numbers.

use super::{list, plan};
use crate::error::Result;
use crate::{output, scenario};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Strategies to compare, comma-separated; each a kind, optionally with fields of
    /// [strategy]: queued:concurrency=32,per_bank:concurrency=13,random_offset.
    #[arg(long, value_name = "KIND[:FIELD=VALUE]...,...", default_value = crate::experiment::compare::DEFAULT_STRATEGIES)]
    pub strategies: String,
    /// The item the others are compared with, as written in --strategies (default: the first).
    #[arg(long, value_name = "ITEM")]
    pub baseline: Option<String>,
    /// Replications per strategy; replication r of every strategy shares its seed.
    #[arg(long, allow_negative_numbers = true, default_value_t = crate::experiment::sweep::DEFAULT_REPLICATIONS)]
    pub replications: u32,
    /// Base seed (default: the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Output directory (default: output/<scenario name>/compare).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario field for every strategy, e.g. --set population.connections=100000
    /// (repeatable; the kind comes from --strategies).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Rank the strategies by this metric alone, best first in its own sense (lowest for
    /// failures, costs and ages), with no guard on failures: e.g. stale_24h_at_open_share, the
    /// app opens finding data a day old. Default: coverage (of each period, where an item's
    /// period is shorter than a day), after any strategy failing far less.
    #[arg(long, value_name = "METRIC")]
    pub rank_by: Option<String>,
    /// Bound on each strategy's own 429s (its traffic's 429s over its attempts, as `plan`
    /// bounds them; 0.01 or 1%): a strategy over it ranks after every strategy within it.
    #[arg(long, value_name = "SHARE", allow_negative_numbers = true, value_parser = plan::share)]
    pub max_failure_rate: Option<f64>,
    /// Bound on each strategy's own 429s at each bank, over that bank's attempts (a risk rule
    /// of "under 2 % at any bank": 2%): a strategy over it at some bank ranks after every
    /// strategy within it at all of them.
    #[arg(long, value_name = "SHARE", allow_negative_numbers = true, value_parser = plan::share, conflicts_with = "max_failure_rate")]
    pub max_bank_failure_rate: Option<f64>,
}

pub(super) fn compare_cmd(a: CompareArgs) -> Result<()> {
    use crate::experiment::{compare, sweep};
    let source = scenario::Source::read(&a.scenario)?;
    let c = compare::Comparison::prepare(
        &source,
        &compare::Request {
            strategies: Some(a.strategies),
            baseline: a.baseline,
            replications: a.replications,
            seed: a.seed,
            sets: a.set,
            rank_by: a.rank_by,
            max_failure_rate: a.max_failure_rate,
            max_bank_failure_rate: a.max_bank_failure_rate,
        },
    )?;
    let pool = sweep::pool(a.threads)?;
    scenario::check_memory(
        c.variants.iter().map(|v| &v.scenario),
        pool.current_num_threads().min(c.runs()),
    )?;
    let out = a.out.unwrap_or_else(|| c.default_out());
    output::check_dir(&out)?;
    eprintln!(
        "comparing {} strategies × {} replications = {} runs (seed {}) on {} thread(s)…",
        c.variants.len(),
        c.replications,
        c.runs(),
        c.seed,
        pool.current_num_threads()
    );
    let outcome = c.execute(&out, &pool)?;
    print!("{}", outcome.markdown);
    println!("\nwrote {}", list(&outcome.files));
    Ok(())
}
