//! Shared by the bench harnesses: timing statistics, the machine, peak memory, and the bare
//! `BinaryHeap` hold loop every benchmark reports its ratio to.
//!
//! No benchmark framework: each measurement is repeated, and the median with its min–max is
//! printed. The benches are plain `fn main` programs (`harness = false`), run by `cargo bench`.
#![allow(dead_code)] // each bench uses a different subset

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// Median, minimum and maximum of repeated measurements.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(xs: &[f64]) -> Stats {
        assert!(!xs.is_empty());
        let mut v = xs.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Stats {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }

    /// `median (min–max)` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!(
            "{:.d$} ({:.d$}–{:.d$})",
            self.median,
            self.min,
            self.max,
            d = digits
        )
    }
}

/// How many repetitions: `REFRESH_SIM_BENCH_REPS` or `default`.
pub fn reps(default: usize) -> usize {
    std::env::var("REFRESH_SIM_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// Whether the quick mode is on (`REFRESH_SIM_BENCH_QUICK=1`): smaller sizes, for a smoke run.
pub fn quick() -> bool {
    std::env::var("REFRESH_SIM_BENCH_QUICK").is_ok_and(|v| v != "0" && !v.is_empty())
}

/// One line about the machine and its load, printed at the top of every bench.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cpu}, {cores} core(s), load average {}", load())
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A field of `/proc/self/status` in KiB (`VmHWM` is the peak resident set, `VmRSS` the current).
pub fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `n` exponential increments (mean `mean_us`, whole microseconds, at least 1) from a fixed
/// SplitMix64 sequence: the hold model's random part, precomputed so that both the engine and
/// the bare loop spend their time in the queue, not in a random number generator.
pub fn exp_increments(n: usize, mean_us: f64) -> Vec<u64> {
    let mut state = 0x1234_5678_9abc_def0u64;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64; // in (0, 1)
            ((-u.ln() * mean_us) as u64).max(1)
        })
        .collect()
}

/// Increments per table (a power of two, indexed with a mask).
pub const INCREMENTS: usize = 1 << 16;
/// Mean increment of the hold model: 10 s, about a bank call's latency plus polling.
pub const MEAN_INCREMENT_US: f64 = 10e6;

/// The bare baseline: a std `BinaryHeap` of `(time, payload)` holding `pending` events, doing
/// nothing but pop the earliest and push it back one increment later. Returns events per
/// second over `ops` steps (after `ops / 4` untimed warm-up steps), and a checksum so the
/// work cannot be optimised away.
pub fn bare_heap_hold(pending: usize, ops: u64, incs: &[u64]) -> (f64, u64) {
    let mask = incs.len() - 1;
    let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(pending + 1);
    for i in 0..pending {
        heap.push(Reverse((incs[i & mask], i as u64)));
    }
    let mut k = pending;
    let step = |heap: &mut BinaryHeap<Reverse<(u64, u64)>>, k: &mut usize| {
        let Reverse((t, p)) = heap.pop().expect("pending > 0");
        heap.push(Reverse((t + incs[*k & mask], p)));
        *k += 1;
        t
    };
    for _ in 0..ops / 4 {
        step(&mut heap, &mut k);
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..ops {
        sum = sum.wrapping_add(step(&mut heap, &mut k));
    }
    let secs = start.elapsed().as_secs_f64();
    (ops as f64 / secs, sum)
}

/// Median (min–max) of `reps` runs of the bare loop, in events per second.
pub fn bare_heap_stats(pending: usize, ops: u64, reps: usize, incs: &[u64]) -> Stats {
    let rates: Vec<f64> = (0..reps)
        .map(|_| {
            let (rate, sum) = bare_heap_hold(pending, ops, incs);
            std::hint::black_box(sum);
            rate
        })
        .collect();
    Stats::of(&rates)
}

/// Millions, for printing rates.
pub fn mega(x: f64) -> f64 {
    x / 1e6
}
