//! The worker pool a sweep (and every command that runs replications) uses: local, sized by
//! `--threads`, never rayon's global one.

use crate::error::{Error, Result};
use crate::metrics::RunResult;
use crate::rng::replication_seed;
use crate::scenario::Scenario;
use crate::sim;
use rayon::prelude::*;

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

/// [`replicate`] for each of `scenarios`, every (scenario, replication) pair one job in the
/// current rayon pool, so that a few settings of a few replications each keep every worker
/// busy; the results by scenario, each in replication order.
pub fn replicate_each<T: Send>(
    scenarios: &[Scenario],
    base_seed: u64,
    replications: u32,
    f: impl Fn(&RunResult) -> T + Sync,
) -> Vec<Vec<T>> {
    let reps = replications as usize;
    let mut runs: Vec<T> = (0..scenarios.len() * reps)
        .into_par_iter()
        .map(|j| {
            let seed = replication_seed(base_seed, (j % reps) as u32);
            f(&sim::run(&scenarios[j / reps], seed))
        })
        .collect();
    let mut each = Vec::with_capacity(scenarios.len());
    while !runs.is_empty() {
        let rest = runs.split_off(reps.min(runs.len()));
        each.push(std::mem::replace(&mut runs, rest));
    }
    each
}

/// The machine's cores (1 if unknown).
fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The most worker threads a command accepts: four per core, and never fewer than 64 (a
/// determinism check may ask for more threads than a small machine has cores).
pub fn max_threads() -> usize {
    (4 * cores()).max(64)
}

/// A local pool of `threads` workers (`None`: all cores).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let threads = match threads {
        Some(0) => return Err(Error::input("--threads 0: need at least one thread")),
        Some(t) if t > max_threads() => {
            return Err(Error::input(format!(
                "--threads {t}: at most {} on this machine ({} cores); more threads than cores \
                 only add memory, not speed",
                max_threads(),
                cores()
            )))
        }
        Some(t) => t,
        None => cores(),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::io(format!("cannot start {threads} worker threads: {e}")))
}
