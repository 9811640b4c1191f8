//! The strategies beyond the vendors' advice, each against what it promises.
//!
//! `per_bank`: a pool of slots per bank, each with its own FIFO. Its pools bound the
//! client's outstanding refreshes bank by bank, and a bank that holds its slots (slow,
//! throttling) cannot take another bank's: the other bank's results do not change at all,
//! where a shared queue loses throughput to it.

use refresh_sim::metrics::RunResult;
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim;
use refresh_sim::strategy::Strategy;

fn parse(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::parse(text, "test.toml", "t", &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// Two banks of equal share, polled every 10 s: `fast` answers in 2 s; `slow`'s calls take
/// `slow_time` and it admits at most `slow_rate` calls a second.
fn two_banks(strategy: &str, slow_time: &str, slow_rate: f64) -> String {
    format!(
        "[window]\nstart = \"00:00\"\nlength = \"24h\"\n\
         [population]\nconnections = 40000\n\
         [platform]\npoll_interval = \"10s\"\n\
         [strategy]\n{strategy}\n\
         [[banks]]\nname = \"fast\"\nshare = 0.5\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"2s\" }}\n\
         [[banks]]\nname = \"slow\"\nshare = 0.5\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"{slow_time}\" }}\n\
         limits = [{{ kind = \"token_bucket\", rate = {slow_rate}, burst = 5 }}]\n"
    )
}

fn run(text: &str) -> RunResult {
    let sc = parse(text, &[]);
    sim::run(&sc, sc.seed)
}

#[test]
fn per_bank_slots_come_from_the_pools_map_and_the_default() {
    let text = two_banks("kind = \"per_bank\"\nconcurrency = 3", "2s", 100.0);
    let sc = parse(&text, &["strategy.pools.slow=7"]);
    assert_eq!(sc.strategy, Strategy::PerBank { pools: vec![3, 7] });
    assert_eq!(sc.strategy.concurrency(), Some(10));
    let e = scenario::parse(&text, "test.toml", "t", &["strategy.pools.nope=2".into()])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("strategy.pools.nope") && e.contains("banks: fast, slow"),
        "{e}"
    );
    let no_default = two_banks("kind = \"per_bank\"\npools = { fast = 2 }", "2s", 100.0);
    let e = scenario::parse(&no_default, "test.toml", "t", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("strategy.concurrency") && e.contains("`slow`"),
        "{e}"
    );
    let zero = scenario::parse(&text, "test.toml", "t", &["strategy.pools.fast=0".into()])
        .unwrap_err()
        .to_string();
    assert!(zero.contains("must be at least 1"), "{zero}");
}

/// Each bank's outstanding refreshes stay within its pool, and a pool with more demand
/// than slots fills: the bound is reached, not merely respected.
#[test]
fn per_bank_pools_bound_each_banks_outstanding_refreshes() {
    let r = run(&two_banks(
        "kind = \"per_bank\"\npools = { fast = 3, slow = 5 }",
        "30s",
        0.5,
    ));
    let peaks: Vec<u64> = (0..2)
        .map(|b| r.summary(Some(b)).tally.peak_outstanding)
        .collect();
    assert_eq!(peaks, [3, 5], "peak outstanding per bank");
    assert!(r.summary(None).tally.peak_outstanding <= 8);
}

/// A slow, throttling bank holds its own slots only: with per-bank pools the fast bank's
/// figures are exactly those it has beside a well-behaved bank (its connections, draws and
/// slots are its own); with one shared queue of the same total slots, the slow bank takes
/// slots from it and the fast bank refreshes less. Two slots a bank (about 14,000 refreshes
/// a day at 2 s + 10 s polls) cannot refresh 20,000 connections, so the slots bind.
#[test]
fn a_saturated_bank_does_not_take_another_banks_slots() {
    let fast = |strategy: &str, slow_time: &str, slow_rate: f64| {
        let r = run(&two_banks(strategy, slow_time, slow_rate));
        let s = r.summary(Some(0));
        (s.tally.successes, s.tally.attempts, s.users_per_day)
    };
    let pools = "kind = \"per_bank\"\nconcurrency = 2";
    let shared = "kind = \"queued\"\nconcurrency = 4";
    let (calm, stormy) = (fast(pools, "2s", 100.0), fast(pools, "60s", 0.2));
    assert_eq!(calm, stormy, "per_bank: the fast bank's figures moved");
    let (calm, stormy) = (fast(shared, "2s", 100.0), fast(shared, "60s", 0.2));
    assert!(
        (stormy.0 as f64) < 0.9 * calm.0 as f64,
        "queued: the slow bank should take the fast bank's slots: {calm:?} vs {stormy:?}"
    );
}

/// Same scenario and seed, same bytes; and the run does not depend on anything but them.
#[test]
fn per_bank_runs_are_deterministic() {
    let text = two_banks("kind = \"per_bank\"\nconcurrency = 4", "20s", 0.3);
    let (a, b) = (run(&text), run(&text));
    assert_eq!(a.summary(None), b.summary(None));
    assert_eq!(a.series.minutes, b.series.minutes);
}

/// One bank that admits at most 8 calls at once, each taking 4 s; the client polls every
/// 10 s over a backlog that never runs dry (`loop`).
fn capped_bank(strategy: &str) -> String {
    format!(
        "[window]\nstart = \"00:00\"\nlength = \"24h\"\n\
         [population]\nconnections = 400000\n\
         [platform]\npoll_interval = \"10s\"\n\
         [strategy]\n{strategy}\nloop = true\n\
         [[banks]]\nname = \"capped\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"4s\" }}\n\
         limits = [{{ kind = \"concurrency\", max_in_flight = 8 }}]\n"
    )
}

/// AIMD against a concurrency cap of 8. A client slot is busy for a whole cycle, the
/// worker's overhead (mean 0.392 s) plus the 10 s until the first poll reveals the outcome
/// (a success after its 4 s call, or a 429 at once), while the bank's slot is busy only for
/// the call; so by Little's law the bank sees slots × 4 / 10.392 calls in flight on average,
/// and the cap binds, on average, at 8 × 10.392 / 4 ≈ 20.8 slots. The limit must settle
/// above 8 (it gains on a fixed 8) and below 20.8 (slots arrive at the bank in bunches, not
/// evenly, so rejections start before the average reaches the cap). Little's law on the
/// client side pins the time-average limit itself: with a backlog the slots are always
/// busy, so attempts per second × the cycle is the mean number of slots.
#[test]
fn aimd_settles_between_the_cap_and_littles_law_ceiling() {
    let cycle = 10.0 + 0.392;
    let r = run(&capped_bank("kind = \"aimd\""));
    let s = r.summary(None);
    let mean_slots = r.pool_slots[0];
    let ceiling = 8.0 * cycle / 4.0;
    assert!(
        mean_slots > 8.0 && mean_slots < ceiling,
        "mean limit {mean_slots:.2}"
    );
    let busy = s.tally.attempts as f64 * cycle / 86_400.0;
    assert!(
        (busy / mean_slots - 1.0).abs() < 0.05,
        "Little's law: {busy:.2} busy slots against a mean limit of {mean_slots:.2}"
    );
    let fixed = |c: u32| {
        run(&capped_bank(&format!(
            "kind = \"queued\"\nconcurrency = {c}"
        )))
    };
    let (eight, many) = (fixed(8).summary(None), fixed(64).summary(None));
    assert!(
        s.tally.successes > eight.tally.successes,
        "{} vs {}",
        s.tally.successes,
        eight.tally.successes
    );
    assert!(
        s.failure_rate < many.failure_rate / 3.0,
        "aimd {:.3} against 64 fixed slots {:.3}",
        s.failure_rate,
        many.failure_rate
    );
}

/// AIMD is per-bank pools underneath: a bank that pushes back shrinks only its own pool.
#[test]
fn aimd_shrinks_only_the_pushing_back_banks_pool() {
    let r = run(&two_banks("kind = \"aimd\"\nconcurrency = 4", "2s", 0.2));
    let (fast, slow) = (r.pool_slots[0], r.pool_slots[1]);
    assert!(
        fast > slow,
        "fast bank's mean limit {fast:.2}, throttled bank's {slow:.2}"
    );
    let rule = parse(&two_banks("kind = \"aimd\"", "2s", 1.0), &[]).strategy;
    let Strategy::Aimd(rule) = rule else {
        panic!("{rule:?}")
    };
    assert_eq!((rule.initial, rule.min, rule.max), (4, 1, 256));
    assert_eq!(rule.gap, refresh_sim::time::SimDuration::from_secs(10));
}
