//! A sweep of 64 points: speed-up from 1 to 2 worker threads.
//!
//! Two measurements, alternated so that a change in machine load hits both thread counts:
//! - `Sweep::execute`, the `sweep` command's code path (grid, journal, assembly of
//!   `sweep.csv` and `sweep_summary.csv` in a temporary directory), one replication per point;
//! - the 64 runs alone: `sim::run` over the same 64 scenarios in a local rayon pool.
//!
//! The grid is uk-mix with queued concurrency 1, 2, …, 64 (64 points) at 100,000
//! connections (`REFRESH_SIM_BENCH_SWEEP_CONNECTIONS` to change). Runs differ in length, as in
//! a real sweep, and rayon balances them across the workers.
//!
//! Run: `cargo bench --bench sweep` (`REFRESH_SIM_BENCH_REPS=n`, default 3).

mod common;

use common::*;
use rayon::prelude::*;
use refresh_sim::experiment::sweep::{self, Options, Sweep};
use refresh_sim::scenario::Source;
use refresh_sim::sim;
use std::path::Path;
use std::time::Instant;

fn main() {
    let reps = reps(3);
    let connections: u32 = std::env::var("REFRESH_SIM_BENCH_SWEEP_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick() { 20_000 } else { 100_000 });
    println!("# sweep: 64 points of uk-mix (queued, concurrency 1..=64, {connections} connections, 1 replication), 1 vs 2 threads (median of {reps}, min–max)");
    println!("# {}", machine());

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-mix.toml");
    let source = Source::read(&path).unwrap_or_else(|e| panic!("{}", e.message));
    let values: Vec<String> = (1..=64).map(|k| k.to_string()).collect();
    let sets = vec![
        format!("strategy.concurrency={}", values.join(",")),
        format!("population.connections={connections}"),
        "strategy.kind=queued".to_string(),
        // One day, as before uk-mix ran four.
        "window.length=24h".to_string(),
        "window.warmup=0s".to_string(),
    ];
    let sw =
        Sweep::prepare(&source, &sets, Some(1), None).unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(sw.runs(), 64, "the grid should have 64 points");
    let run_sweep = |threads: usize| -> f64 {
        // A fresh directory per sweep, removed when dropped (also if the bench panics).
        let out = tempfile::Builder::new()
            .prefix("refresh-sim-bench-sweep-")
            .tempdir()
            .expect("temp dir");
        let opts = Options {
            out: out.path().to_path_buf(),
            threads: Some(threads),
            resume: false,
            progress: false,
            shard: None,
            scheduled: false,
        };
        let start = Instant::now();
        sw.execute(&opts)
            .unwrap_or_else(|e| panic!("{}", e.message));
        start.elapsed().as_secs_f64()
    };
    let run_raw = |threads: usize| -> f64 {
        let pool = sweep::pool(Some(threads)).unwrap_or_else(|e| panic!("{}", e.message));
        let start = Instant::now();
        let events: u64 = pool.install(|| {
            sw.scenarios
                .par_iter()
                .map(|sc| sim::run(sc, sc.seed).total().events)
                .sum()
        });
        std::hint::black_box(events);
        start.elapsed().as_secs_f64()
    };

    for (name, f) in [
        ("Sweep::execute", &run_sweep as &dyn Fn(usize) -> f64),
        ("64 × sim::run", &run_raw),
    ] {
        let (mut one, mut two) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            one.push(f(1));
            two.push(f(2));
        }
        let (a, b) = (Stats::of(&one), Stats::of(&two));
        let speedups: Vec<f64> = one.iter().zip(&two).map(|(x, y)| x / y).collect();
        println!(
            "{name:<15} 1 thread {} s   2 threads {} s   speed-up {:.2} (per pair {})",
            a.show(2),
            b.show(2),
            a.median / b.median,
            Stats::of(&speedups).show(2)
        );
    }
    println!("# load average after: {}", load());
}
