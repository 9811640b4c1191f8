//! Full model on `scenarios/uk-mix.toml`: one day of 1,000,000 connections queued (c = 64)
//! and random offset, one day of 10,000,000 connections random offset, and 30 days of
//! 1,000,000 connections random offset, and 7 (a daily client: a day's cost the same on the
//! 30th as on the 2nd, the same events per second as one day, and memory that does not
//! grow with the days beyond the per-day and per-minute rows). Wall time of `sim::run`, split
//! into set-up (`Simulation::new`: drawing every connection's bank and consent, planning the
//! arrivals) and the event loop (`Simulation::run`); events per second
//! (`RunResult::total().events`) of the loop alone and end to end; peak resident memory per
//! connection; and the ratio of the bare `BinaryHeap` hold loop, measured in the same run, to
//! the event loop.
//!
//! Each run is a fresh child process (this bench binary re-executed with
//! `REFRESH_SIM_BENCH_CHILD` set), so its peak RSS (`VmHWM` in `/proc/self/status`, read by
//! the child after the run) belongs to that run alone.
//!
//! Run: `cargo bench --bench model` (`REFRESH_SIM_BENCH_REPS=n`, default 5 for 1M and 3 for
//! 10M; `REFRESH_SIM_BENCH_QUICK=1` runs 100k and 1M instead; `REFRESH_SIM_BENCH_FILTER=text`
//! runs the configurations whose `strategy/connections` contains the text).

mod common;

use common::*;
use refresh_sim::{scenario, sim};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CHILD_VAR: &str = "REFRESH_SIM_BENCH_CHILD";

struct Config {
    label: &'static str,
    connections: u32,
    sets: &'static [&'static str],
}

/// One day, no warm-up.
const DAY: [&str; 2] = ["window.length=24h", "window.warmup=0s"];

fn configs(quick: bool) -> Vec<Config> {
    let (small, large) = if quick {
        (100_000, 1_000_000)
    } else {
        (1_000_000, 10_000_000)
    };
    vec![
        Config {
            label: "queued c=64",
            connections: small,
            sets: &[
                "strategy.kind=queued",
                "strategy.concurrency=64",
                DAY[0],
                DAY[1],
            ],
        },
        Config {
            label: "random_offset",
            connections: small,
            sets: &["strategy.kind=random_offset", DAY[0], DAY[1]],
        },
        Config {
            label: "random_offset",
            connections: large,
            sets: &["strategy.kind=random_offset", DAY[0], DAY[1]],
        },
        Config {
            label: "rand_off 7d",
            connections: small,
            sets: &[
                "strategy.kind=random_offset",
                "window.length=7d",
                "window.warmup=1d",
            ],
        },
        Config {
            label: "rand_off 30d",
            connections: small,
            sets: &[
                "strategy.kind=random_offset",
                "window.length=30d",
                "window.warmup=1d",
            ],
        },
    ]
}

fn scenario_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-mix.toml")
}

/// In the child: one run, then one line
/// `RESULT <secs> <events> <attempts> <hwm KiB> <rss KiB before> <loop secs>`.
fn child(spec: &str) {
    let (n, sets) = spec.split_once(';').expect("connections;sets");
    let mut all: Vec<String> = vec![format!("population.connections={n}")];
    all.extend(sets.split(';').filter(|s| !s.is_empty()).map(String::from));
    let sc = scenario::load(&scenario_path(), &all).unwrap_or_else(|e| panic!("{}", e.message));
    let before = status_kib("VmRSS").unwrap_or(0);
    let start = Instant::now();
    let built = sim::Simulation::new(&sc, sc.seed);
    let loop_start = Instant::now();
    let result = built.run();
    let end = Instant::now();
    let secs = (end - start).as_secs_f64();
    let loop_secs = (end - loop_start).as_secs_f64();
    let hwm = status_kib("VmHWM").unwrap_or(0);
    let total = result.total();
    println!(
        "RESULT {secs} {} {} {hwm} {before} {loop_secs}",
        total.events, total.attempts
    );
}

struct Sample {
    secs: f64,
    events: u64,
    attempts: u64,
    hwm_kib: u64,
    before_kib: u64,
    /// The event loop alone (`Simulation::run`, after `Simulation::new`).
    loop_secs: f64,
}

fn spawn(cfg: &Config) -> Sample {
    let exe = std::env::current_exe().expect("current exe");
    let spec = format!("{};{}", cfg.connections, cfg.sets.join(";"));
    let out = Command::new(exe)
        .env(CHILD_VAR, spec)
        .output()
        .expect("spawn child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("child failed: {}", String::from_utf8_lossy(&out.stderr)));
    let f: Vec<&str> = line.split_whitespace().skip(1).collect();
    Sample {
        secs: f[0].parse().expect("secs"),
        events: f[1].parse().expect("events"),
        attempts: f[2].parse().expect("attempts"),
        hwm_kib: f[3].parse().expect("hwm"),
        before_kib: f[4].parse().expect("rss"),
        loop_secs: f[5].parse().expect("loop secs"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_VAR) {
        child(&spec);
        return;
    }
    let quick = quick();
    println!(
        "# model: uk-mix.toml, one 24 h day unless the label says 7d or 30d, sim::run in a fresh process per run (median, min–max)"
    );
    println!("# {}", machine());
    let incs = exp_increments(INCREMENTS, MEAN_INCREMENT_US);
    println!(
        "# events/s: the event loop alone (`Simulation::run`, what the bare heap loop is compared \
         with) and end to end (`Simulation::new` set-up, drawing every connection and planning \
         the arrivals, included)"
    );
    println!(
        "{:<15} {:>11} {:>10} {:>10} {:>21} {:>7} {:>18} {:>18} {:>8} {:>9} {:>8} {:>7}",
        "strategy",
        "connections",
        "attempts",
        "events",
        "wall s",
        "setup s",
        "loop M ev/s",
        "e2e M ev/s",
        "bare M/s",
        "bare/loop",
        "peak MiB",
        "B/conn"
    );
    // `REFRESH_SIM_BENCH_FILTER=random_offset/10000000` runs only the matching configurations.
    let filter = std::env::var("REFRESH_SIM_BENCH_FILTER").unwrap_or_default();
    for cfg in configs(quick) {
        if !format!("{}/{}", cfg.label, cfg.connections).contains(&filter) {
            continue;
        }
        let heavy = cfg.connections >= 10_000_000 || cfg.label.contains("30d");
        let reps = reps(if heavy { 3 } else { 5 });
        // The bare loop at 1,000 pending events, the size of the model's heap in these runs
        // (a few hundred to a few thousand calls in flight or awaiting their poll).
        let bare = bare_heap_stats(1_000, 5_000_000, reps, &incs);
        let samples: Vec<Sample> = (0..reps).map(|_| spawn(&cfg)).collect();
        let secs = Stats::of(&samples.iter().map(|s| s.secs).collect::<Vec<_>>());
        let of = |f: &dyn Fn(&Sample) -> f64| Stats::of(&samples.iter().map(f).collect::<Vec<_>>());
        let rates = of(&|s| mega(s.events as f64 / s.secs));
        let loop_rates = of(&|s| mega(s.events as f64 / s.loop_secs));
        let setup = of(&|s| s.secs - s.loop_secs);
        let hwm = samples.iter().map(|s| s.hwm_kib).max().unwrap_or(0);
        let before = samples.iter().map(|s| s.before_kib).min().unwrap_or(0);
        println!(
            "{:<15} {:>11} {:>10} {:>10} {:>21} {:>7.3} {:>18} {:>18} {:>8.1} {:>9.2} {:>8.1} {:>7.1}",
            cfg.label,
            cfg.connections,
            samples[0].attempts,
            samples[0].events,
            secs.show(3),
            setup.median,
            loop_rates.show(2),
            rates.show(2),
            mega(bare.median),
            bare.median / (loop_rates.median * 1e6),
            hwm as f64 / 1024.0,
            hwm as f64 * 1024.0 / cfg.connections as f64,
        );
        println!(
            "#   peak RSS {hwm} KiB (max over runs), {before} KiB before the run: {:.1} B/connection above it; load {}",
            (hwm.saturating_sub(before)) as f64 * 1024.0 / cfg.connections as f64,
            load()
        );
    }
}
