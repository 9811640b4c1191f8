//! Engine alone: the hold model on `EventQueue` at 1e3, 1e5 and 1e6 pending events, beside a
//! bare std `BinaryHeap` hold loop in the same run.
//!
//! The hold model (Jones, 1986) keeps `n` events pending: each step pops the earliest and
//! schedules one new event an exponentially distributed increment later (mean 10 s), so the
//! queue size stays `n` and only the queue is measured. Increments come from a precomputed
//! table shared by all loops. A radix heap prototype (bench-only) runs the same loop, to
//! measure that lever. A last variant feeds the engine like the model does: presorted
//! arrivals merged with a heap that holds the events they cause.
//!
//! Run: `cargo bench --bench engine` (`REFRESH_SIM_BENCH_REPS=n` repetitions, default 5;
//! `REFRESH_SIM_BENCH_QUICK=1` for a smoke run).

mod common;

use common::*;
use refresh_sim::engine::EventQueue;
use refresh_sim::time::SimTime;
use std::time::Instant;

/// Events per second of the hold model on `EventQueue` with `pending` events.
fn engine_hold(pending: usize, ops: u64, incs: &[u64]) -> (f64, u64) {
    let mask = incs.len() - 1;
    let mut q: EventQueue<u64> = EventQueue::with_arrivals(Vec::new());
    for i in 0..pending {
        q.schedule(SimTime(incs[i & mask]), i as u64);
    }
    let mut k = pending;
    let step = |q: &mut EventQueue<u64>, k: &mut usize| {
        let (t, p) = q.pop().expect("pending > 0");
        q.schedule(SimTime(t.0 + incs[*k & mask]), p);
        *k += 1;
        t.0
    };
    for _ in 0..ops / 4 {
        step(&mut q, &mut k);
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..ops {
        sum = sum.wrapping_add(step(&mut q, &mut k));
    }
    (ops as f64 / start.elapsed().as_secs_f64(), sum)
}

/// A radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) on the key `time << 64 | seq`:
/// popped keys never decrease (time is monotone and sequence numbers grow), which is all a
/// radix heap needs. Item `k` lives in bucket `128 - lz(k ^ last)`; popping empties the
/// lowest non-empty bucket into lower ones around its minimum. Here only to measure what
/// replacing the engine's binary heap would gain (BENCHMARKS.md, "tried / not done").
struct RadixHeap<E> {
    last: u128,
    buckets: Vec<Vec<(u128, E)>>,
    len: usize,
}

impl<E: Copy> RadixHeap<E> {
    fn new() -> Self {
        RadixHeap {
            last: 0,
            buckets: (0..129).map(|_| Vec::new()).collect(),
            len: 0,
        }
    }

    #[inline]
    fn bucket(last: u128, key: u128) -> usize {
        128 - (key ^ last).leading_zeros() as usize
    }

    #[inline]
    fn push(&mut self, key: u128, e: E) {
        debug_assert!(key >= self.last);
        self.buckets[Self::bucket(self.last, key)].push((key, e));
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> Option<(u128, E)> {
        if self.buckets[0].is_empty() {
            let i = self.buckets.iter().position(|b| !b.is_empty())?;
            let items = std::mem::take(&mut self.buckets[i]);
            self.last = items.iter().map(|&(k, _)| k).min().expect("non-empty");
            for &(k, e) in &items {
                self.buckets[Self::bucket(self.last, k)].push((k, e));
            }
            // Hand the emptied bucket's allocation back for reuse.
            let mut items = items;
            items.clear();
            self.buckets[i] = items;
        }
        self.len -= 1;
        self.buckets[0].pop()
    }
}

/// The hold model on the radix heap (sequence numbers as the engine assigns them).
fn radix_hold(pending: usize, ops: u64, incs: &[u64]) -> (f64, u64) {
    let mask = incs.len() - 1;
    let mut h: RadixHeap<u64> = RadixHeap::new();
    let mut seq = 0u64;
    for i in 0..pending {
        h.push(((incs[i & mask] as u128) << 64) | seq as u128, i as u64);
        seq += 1;
    }
    let mut k = pending;
    let mut step = |h: &mut RadixHeap<u64>, k: &mut usize| {
        let (key, p) = h.pop().expect("pending > 0");
        let t = (key >> 64) as u64;
        h.push((((t + incs[*k & mask]) as u128) << 64) | seq as u128, p);
        seq += 1;
        *k += 1;
        t
    };
    for _ in 0..ops / 4 {
        step(&mut h, &mut k);
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..ops {
        sum = sum.wrapping_add(step(&mut h, &mut k));
    }
    (ops as f64 / start.elapsed().as_secs_f64(), sum)
}

/// The model's shape: `arrivals` presorted submissions over a day, each causing two later
/// events (a bank answer after one increment, the client learning it after another), as
/// random offsets do. Returns events per second including the arrivals.
fn engine_arrivals(arrivals: usize, incs: &[u64]) -> (f64, u64) {
    let mask = incs.len() - 1;
    let day = 86_400_000_000u64;
    // A fixed, spread-out arrival sequence: a multiplicative hash of the index over the day.
    let mut times: Vec<(SimTime, u64)> = (0..arrivals as u64)
        .map(|i| (SimTime(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % day), i << 2))
        .collect();
    times.sort_unstable();
    let start = Instant::now();
    let mut q = EventQueue::with_arrivals(times);
    let mut k = 0usize;
    let mut sum = 0u64;
    while let Some((t, p)) = q.pop() {
        sum = sum.wrapping_add(t.0);
        let stage = p & 3;
        if stage < 2 {
            q.schedule(SimTime(t.0 + incs[k & mask]), p + 1);
            k += 1;
        }
    }
    let events = q.popped();
    (events as f64 / start.elapsed().as_secs_f64(), sum)
}

fn main() {
    let quick = quick();
    let reps = reps(5);
    println!("# engine: hold model, events per second (median of {reps}, min–max)");
    println!("# {}", machine());
    let incs = exp_increments(INCREMENTS, MEAN_INCREMENT_US);
    let sizes: &[usize] = if quick {
        &[1_000, 100_000]
    } else {
        &[1_000, 100_000, 1_000_000]
    };
    println!(
        "{:>10} {:>24} {:>24} {:>12} {:>24}",
        "pending",
        "bare heap (M ev/s)",
        "EventQueue (M ev/s)",
        "bare/engine",
        "radix heap* (M ev/s)"
    );
    for &n in sizes {
        let ops: u64 = if quick { 1_000_000 } else { 5_000_000 };
        // Alternate the two loops so that a change in machine load hits both alike.
        let (mut bare, mut eng, mut radix) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..reps {
            let (r, s) = bare_heap_hold(n, ops, &incs);
            std::hint::black_box(s);
            bare.push(mega(r));
            let (r, s) = engine_hold(n, ops, &incs);
            std::hint::black_box(s);
            eng.push(mega(r));
            let (r, s) = radix_hold(n, ops, &incs);
            std::hint::black_box(s);
            radix.push(mega(r));
        }
        let (b, e, r) = (Stats::of(&bare), Stats::of(&eng), Stats::of(&radix));
        println!(
            "{:>10} {:>24} {:>24} {:>12.2} {:>24}",
            n,
            b.show(1),
            e.show(1),
            b.median / e.median,
            r.show(1)
        );
    }
    println!(
        "# * radix heap: bench-only prototype, not the engine (BENCHMARKS.md, tried / not done)"
    );
    let arrivals = if quick { 100_000 } else { 1_000_000 };
    let rates: Vec<f64> = (0..reps)
        .map(|_| {
            let (r, s) = engine_arrivals(arrivals, &incs);
            std::hint::black_box(s);
            mega(r)
        })
        .collect();
    println!(
        "# presorted arrivals + heap: {arrivals} arrivals over a day, 2 follow-ups each: {} M ev/s",
        Stats::of(&rates).show(1)
    );
    println!("# load average after: {}", load());
}
