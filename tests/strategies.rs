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

/// A pace bounded by the bank's cap (`strategy.outstanding`) is refused nothing, and Little's
/// law on the client side gives its throughput: a refresh is outstanding from its submission
/// until the poll 10 s later reveals its 4 s call, so 8 outstanding make 8 every 10 s, 69,120
/// a day, under a pace of 2.5 a second. Unbounded, the same pace keeps 10 calls in flight on
/// average against the cap of 8.
#[test]
fn a_pace_bounded_by_the_cap_is_refused_nothing() {
    let paced = "kind = \"paced\"\nrate = 2.5";
    let free = run(&capped_bank(paced)).summary(None);
    assert!(free.tally.rate_limited > 10_000, "{:?}", free.tally);
    let bounded = run(&capped_bank(&format!(
        "{paced}\noutstanding = {{ capped = 8 }}"
    )));
    let s = bounded.summary(None);
    assert_eq!(s.tally.rate_limited, 0, "{:?}", s.tally);
    assert_eq!(s.tally.attempts, 8 * 86_400 / 10);
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

/// One bank behind a token bucket of `rate` a second (burst 2), each call 1 s, polled
/// every 10 s; the strategy's table body is `strategy`.
fn bucket_bank(strategy: &str, rate: f64, extra: &str) -> String {
    format!(
        "[window]\nstart = \"00:00\"\nlength = \"24h\"\n\
         [population]\nconnections = 100000\n\
         [platform]\npoll_interval = \"10s\"\n\
         [strategy]\n{strategy}\n\
         [[banks]]\nname = \"bucket\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
         limits = [{{ kind = \"token_bucket\", rate = {rate}, burst = 2 }}]\n{extra}"
    )
}

/// Pacing at r a second against a token bucket refilling at r or more admits every call: a
/// pacer never bursts. The same pace against a slower bucket is rejected, and a random
/// offset client against the same bucket is too (its arrivals are Poisson-like), so the
/// check can fail.
#[test]
fn pacing_at_the_buckets_rate_admits_everything() {
    let paced = |pace: f64, bucket: f64| {
        let text = bucket_bank(
            &format!("kind = \"paced\"\nrate = {pace}\nper_bank = false"),
            bucket,
            "",
        );
        run(&text).summary(None)
    };
    let at_rate = paced(1.0, 1.0);
    assert_eq!(at_rate.tally.rate_limited, 0);
    assert_eq!(at_rate.tally.attempts, 86_400, "one a second for a day");
    assert_eq!(paced(1.0, 1.5).tally.rate_limited, 0);
    assert!(paced(1.5, 1.0).tally.rate_limited > 10_000);
    let offsets = run(&bucket_bank("kind = \"random_offset\"", 1.2, "")).summary(None);
    assert!(offsets.tally.rate_limited > 1_000, "{:?}", offsets.tally);
}

/// A bank's own pace (`strategy.rates`) keeps it under its bucket where its share of one
/// pace overruns it, and leaves the other bank's figures exactly as they were: about 20,000
/// connections a bank, `rate = 2` split by share paces each at 1 a second, twice the slow
/// bank's bucket; at its own 0.45 a second the slow bank's pass of n takes (n − 1) / 0.45 s
/// (about 12 h), one call each, none refused.
#[test]
fn a_banks_own_pace_keeps_it_under_its_bucket() {
    let banks = |strategy: &str| {
        let r = run(&two_banks(strategy, "2s", 0.5));
        (r.summary(Some(0)), r.summary(Some(1)))
    };
    let (fast, slow) = banks("kind = \"paced\"\nrate = 2");
    assert!(slow.tally.rate_limited > 5_000, "{:?}", slow.tally);
    let (fast_own, slow_own) = banks("kind = \"paced\"\nrate = 2\nrates = { slow = 0.45 }");
    let n = slow_own.tally.attempts;
    assert_eq!(slow_own.tally.rate_limited, 0, "{:?}", slow_own.tally);
    assert_eq!(slow_own.tally.successes, n, "one call each");
    assert!((19_000..21_000).contains(&n), "{n}");
    assert_eq!(fast, fast_own, "the fast bank's pace and figures moved");
    // The fast bank done within the hour, the slow bank's last submission at (n − 1) / 0.45 s.
    let r = run(&two_banks(
        "kind = \"paced\"\nrate = 2\nrates = { slow = 0.45, fast = 10 }",
        "2s",
        0.5,
    ));
    // Minute-major, a row per bank.
    let last = r
        .series
        .minutes
        .chunks(2)
        .rposition(|banks| banks.iter().any(|m| m.submitted > 0))
        .unwrap();
    let at = ((n - 1) as f64 / 0.45) as usize;
    assert_eq!(last, at / 60, "the slow bank's last minute of submissions");
}

/// By default a pacer spreads the period's connections evenly: 100,000 over a day is one
/// every 0.864 s, so every minute submits 69 or 70 of them.
#[test]
fn pacing_spreads_the_period_evenly() {
    let r = run(&bucket_bank("kind = \"paced\"", 100.0, ""));
    let per_minute: Vec<u32> = r.series.minutes[..1440]
        .iter()
        .map(|m| m.submitted)
        .collect();
    assert!(
        per_minute.iter().all(|&n| n == 69 || n == 70),
        "{:?}",
        &per_minute[..10]
    );
    assert_eq!(r.summary(None).tally.successes, 100_000);
}

/// A bank whose fixed window admits 60 calls a minute and answers the rest with a 429 and
/// Retry-After (the window's end), before 32 slots that each cycle every 10.392 s (the mean
/// worker overhead, then the 10 s poll that reveals the outcome). Hammering, the slots submit
/// 32 · 60 / 10.392 = 184.8 calls a minute, 124.8 of them rejected: 179,700 a day. Holding
/// the bank's pool until the Retry-After stops that, but only once a 429 is learned, a poll
/// after the window filled: in those 10 s the slots submit 32 · 10 / 10.392 = 30.8 more, all
/// rejected: 44,300 a day. Learning late is a fact of polling, so a polite client still
/// collects a quarter of the 429s.
#[test]
fn pausing_on_retry_after_stops_the_hammering() {
    let bank = |pause: bool| {
        format!(
            "[window]\nstart = \"00:00\"\nlength = \"24h\"\n\
             [population]\nconnections = 100000\n\
             [platform]\npoll_interval = \"10s\"\n\
             [strategy]\nkind = \"per_bank\"\nconcurrency = 32\npause_on_retry_after = {pause}\n\
             [[banks]]\nname = \"windowed\"\nshare = 1.0\nerror_rate = 0.0\nretry_after = \"policy\"\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n\
             limits = [{{ kind = \"fixed_window\", limit = 60, window = \"1m\" }}]\n"
        )
    };
    let (hammer, polite) = (
        run(&bank(false)).summary(None),
        run(&bank(true)).summary(None),
    );
    let near = |got: u64, want: f64| (got as f64 / want - 1.0).abs() < 0.1;
    let per_day = |per_minute: f64| 1440.0 * per_minute;
    assert!(
        near(
            hammer.tally.rate_limited,
            per_day(32.0 * 60.0 / 10.392 - 60.0)
        ),
        "429s hammering: {}",
        hammer.tally.rate_limited
    );
    assert!(
        near(polite.tally.rate_limited, per_day(32.0 * 10.0 / 10.392)),
        "429s pausing: {}",
        polite.tally.rate_limited
    );
    assert!(polite.tally.successes as f64 >= 0.95 * hammer.tally.successes as f64);
    let e = scenario::parse(
        &bank(true).replace("kind = \"per_bank\"", "kind = \"random_offset\""),
        "t.toml",
        "t",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("strategy.pause_on_retry_after"), "{e}");
}

/// Every new strategy gives byte-identical sweep files at 1 and 2 threads: runs depend on
/// (scenario, seed) alone, never on which thread ran them or when.
#[test]
fn new_strategies_are_byte_identical_at_one_and_two_threads() {
    use refresh_sim::experiment::sweep::{Options, Sweep};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.toml");
    std::fs::write(
        &path,
        two_banks("kind = \"per_bank\"\nconcurrency = 3", "20s", 0.3),
    )
    .unwrap();
    let source = scenario::Source::read(&path).unwrap();
    let sets = [
        "strategy.kind=per_bank,aimd,paced".to_string(),
        "strategy.pause_on_retry_after=false,true".to_string(),
        "population.connections=5000".to_string(),
    ];
    let sw = Sweep::prepare(&source, &sets, Some(3), Some(5)).unwrap();
    let files = |threads: usize| {
        let out = dir.path().join(format!("t{threads}"));
        let opts = Options {
            out: out.clone(),
            threads: Some(threads),
            resume: false,
            progress: false,
            shard: None,
            scheduled: false,
        };
        sw.execute(&opts).unwrap();
        ["sweep.csv", "sweep_summary.csv"].map(|f| std::fs::read(out.join(f)).unwrap())
    };
    assert_eq!(files(1), files(2));
}

/// A connection's quota speaks for that connection only: its Retry-After (a day away) must
/// not hold the whole bank's pool, or one connection at its quota would stop every other.
#[test]
fn a_quotas_retry_after_does_not_pause_the_bank() {
    let text = |pause: bool| {
        format!(
            "[window]\nstart = \"00:00\"\nlength = \"24h\"\n\
             [population]\nconnections = 5000\n\
             [platform]\npoll_interval = \"10s\"\n\
             [strategy]\nkind = \"per_bank\"\nconcurrency = 8\nperiod = \"4h\"\n\
             pause_on_retry_after = {pause}\n\
             [[banks]]\nname = \"psd2\"\nshare = 1.0\nerror_rate = 0.0\nretry_after = \"policy\"\n\
             service_time = {{ dist = \"constant\", value = \"2s\" }}\n\
             limits = [{{ kind = \"quota\", k = 2, period = \"rolling_24h\" }}]\n"
        )
    };
    let (plain, pausing) = (run(&text(false)), run(&text(true)));
    assert!(
        plain.summary(None).tally.rate_limited > 1000,
        "the quota binds"
    );
    assert_eq!(plain.summary(None), pausing.summary(None));
}

/// The newer kinds' fields are accepted with another kind and noted, not silently ignored
/// (so that a file holding a plan's paced setting can be compared over kinds), and checked
/// all the same; a pace beyond reason is refused; the customers' priority lane needs a
/// client with slots.
#[test]
fn fields_of_another_kind_are_noted_and_impossible_settings_refused() {
    let text = two_banks("kind = \"per_bank\"\nconcurrency = 3", "2s", 1.0);
    let e = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        scenario::parse(&text, "t.toml", "t", &sets)
            .unwrap_err()
            .to_string()
    };
    let notes = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let sc = scenario::parse(&text, "t.toml", "t", &sets).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sc.strategy, Strategy::PerBank { pools: vec![3, 3] });
        sc.notes().join("\n")
    };
    assert!(notes(&["strategy.aimd.max=8"]).contains("strategy.aimd: only kind = \"aimd\""));
    let n = notes(&["strategy.rate=2", "strategy.rates={ slow = 1 }"]);
    assert!(
        n.contains("strategy.rate: only kind = \"paced\" reads it, not kind = \"per_bank\"")
            && n.contains("strategy.rates: only"),
        "{n}"
    );
    let fast = e(&["strategy.kind=paced", "strategy.rate=1e9"]);
    assert!(
        fast.contains("strategy.rate") && fast.contains("100000"),
        "{fast}"
    );
    let lane = e(&[
        "strategy.kind=random_offset",
        "on_demand.per_day=10",
        "on_demand.lane=priority",
    ]);
    assert!(lane.contains("on_demand.lane"), "{lane}");
    let paced_lane = e(&[
        "strategy.kind=paced",
        "on_demand.per_day=10",
        "on_demand.lane=priority",
    ]);
    assert!(
        paced_lane.contains("on_demand.lane") && paced_lane.contains("a pace has none"),
        "{paced_lane}"
    );
    let paces = |rates: &str, more: &[&str]| {
        let set = format!("strategy.rates={rates}");
        let mut sets = vec!["strategy.kind=paced", set.as_str()];
        sets.extend(more);
        e(&sets)
    };
    let unknown = paces("{ nobank = 1 }", &[]);
    assert!(
        unknown.contains("strategy.rates.nobank") && unknown.contains("banks: fast, slow"),
        "{unknown}"
    );
    let zero = paces("{ slow = 0 }", &[]);
    assert!(zero.contains("strategy.rates.slow"), "{zero}");
    let one = paces("{ slow = 1 }", &["strategy.per_bank=false"]);
    assert!(
        one.contains("strategy.rates") && one.contains("per_bank"),
        "{one}"
    );
    let none = paces("{ slow = 1 }", &["strategy.outstanding={ slow = 0 }"]);
    assert!(none.contains("strategy.outstanding.slow"), "{none}");
    let idle = e(&["strategy.rates={ nobank = 1 }"]);
    assert!(
        idle.contains("strategy.rates.nobank"),
        "checked whatever the kind: {idle}"
    );
}

/// With the kind changed by `--set`, `check` does not note a field the file sets for its
/// own kind (a plan's printed command drew uk-mix's `concurrency` under a pace), but does
/// one the `--set`s give.
#[test]
fn a_kind_set_on_the_command_line_is_not_told_the_files_fields() {
    let check = |sets: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"));
        c.args(["check", "uk-mix"]);
        for s in sets {
            c.args(["--set", s]);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stderr).unwrap()
    };
    let said = "strategy.concurrency: only a client with slots";
    assert!(!check(&["strategy.kind=random_offset"]).contains(said));
    let own = check(&["strategy.kind=random_offset", "strategy.concurrency=5"]);
    assert!(own.contains(said), "{own}");
    let spaced = check(&["strategy.kind=random_offset", "strategy.concurrency = 5"]);
    assert!(spaced.contains(said), "{spaced}");
}

/// Random offsets every `period` over `length` at one bank that answers in 1 s, with a
/// per-connection quota of four a rolling day when `quota`.
fn planned(kind: &str, period: &str, jitter: &str, length: &str, quota: bool) -> Scenario {
    let limits = match quota {
        true => "limits = [{ kind = \"quota\", k = 4 }]\n",
        false => "",
    };
    let text = format!(
        "[window]\nlength = \"{length}\"\n[population]\nconnections = 20000\n\
         [strategy]\nkind = \"{kind}\"\nperiod = \"{period}\"\njitter = \"{jitter}\"\n\
         [[banks]]\nname = \"psd2\"\nshare = 1.0\nerror_rate = 0.0\n\
         service_time = {{ dist = \"constant\", value = \"1s\" }}\n{limits}"
    );
    parse(&text, &[])
}

/// Each refresh's submission under `strategy.jitter`, against the same seed without it: late
/// by `[0, jitter)`, its own draw each period (uniform: mean half the jitter), for bulk and
/// random offsets alike.
#[test]
fn jitter_sends_each_planned_refresh_late_by_its_own_draw() {
    for kind in ["random_offset", "bulk"] {
        // Each connection's submissions in time order.
        let sent = |jitter: &str| {
            let sc = planned(kind, "6h", jitter, "2d", false);
            let (_, log) = sim::Simulation::new(&sc, 7).with_attempt_log().run_logged();
            let mut by_conn = std::collections::BTreeMap::<u32, Vec<u64>>::new();
            for a in &log.rows {
                by_conn
                    .entry(a.conn)
                    .or_default()
                    .push(a.submitted.as_micros());
            }
            by_conn
        };
        let (exact, late) = (sent("0s"), sent("10m"));
        let count = |m: &std::collections::BTreeMap<u32, Vec<u64>>| -> usize {
            m.values().map(Vec::len).sum()
        };
        // Every period's refresh, but those a jitter pushed past the window's end: none of
        // bulk's (sent at the period's start), and of random offsets' last period those whose
        // offset is within the lateness of its end, `N · jitter / (2 · period)`, 278 of 20,000
        // (binomial, sd 16.6).
        assert_eq!(count(&exact), 8 * 20_000, "{kind}");
        let lost = (8 * 20_000 - count(&late)) as f64;
        match kind {
            "bulk" => assert_eq!(lost, 0.0),
            _ => assert!((lost - 277.8).abs() < 5.0 * 16.6, "{lost}"),
        }
        // Lateness by tenths of the jitter, and the planned instant's place in the period
        // beside it (drawn from the same stream, a key apart: independent).
        let (mut deciles, mut varied) = ([0.0f64; 10], 0);
        let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0f64, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (c, times) in &late {
            let lateness: Vec<u64> = (times.iter().zip(&exact[c])).map(|(a, t)| a - t).collect();
            assert!(
                lateness.iter().all(|&l| l < 600_000_000),
                "{kind}: {lateness:?}"
            );
            varied += lateness.windows(2).any(|w| w[0] != w[1]) as usize;
            for (&l, &t) in lateness.iter().zip(&exact[c]) {
                deciles[(l / 60_000_000) as usize] += 1.0;
                let (x, y) = (l as f64, (t % 21_600_000_000) as f64);
                (n, sx, sy) = (n + 1.0, sx + x, sy + y);
                (sxx, syy, sxy) = (sxx + x * x, syy + y * y, sxy + x * y);
            }
        }
        // Uniform: a chi-square over the ten tenths below 27.88 (9 degrees, p = 0.001).
        let chi2: f64 = deciles
            .iter()
            .map(|&o| (o - n / 10.0).powi(2) / (n / 10.0))
            .sum();
        assert!(chi2 < 27.88, "{kind}: {chi2} {deciles:?}");
        // Random offsets' lateness uncorrelated with their offsets (|r| within 5 / sqrt(n));
        // bulk's offsets are all nought.
        if kind == "random_offset" {
            let r = (n * sxy - sx * sy) / ((n * sxx - sx * sx) * (n * syy - sy * sy)).sqrt();
            assert!(r.abs() < 5.0 / n.sqrt(), "{r}");
        }
        assert!(varied > 20_000 * 99 / 100, "{kind}: {varied}");
    }
}

/// Four refreshes a rolling day at a quota of four: the fifth is refused exactly when it is
/// less late than the first (by its jitter), an even chance for two independent uniform
/// draws, so half of the fifth period's refreshes draw a 429; none without a jitter, and
/// none where the four periods leave room for it (every 6h10m: 40 minutes; check notes the
/// first and not the others).
#[test]
fn a_jitter_at_a_rolling_quota_refuses_the_refreshes_that_come_round_early() {
    let run = |sc: &Scenario| sim::run(sc, sc.seed).total();
    let sc = planned("random_offset", "6h", "10m", "30h", true);
    let t = run(&sc);
    // The first four periods hold 80,000 submissions, none refused; the fifth the rest.
    let fifth = (t.attempts - 80_000) as f64;
    let share = t.rate_limited as f64 / fifth;
    assert!(fifth > 19_000.0, "{fifth}");
    assert!((share - 0.5).abs() < 5.0 * (0.25 / fifth).sqrt(), "{share}");
    let noted = |sc: &Scenario| sc.period_past_quotas().join("\n");
    assert!(
        noted(&sc).contains("comes round early (sooner than 24 h after the one 4 before it, as a strategy.jitter of 10m allows)"),
        "{}",
        noted(&sc)
    );
    let exact = planned("random_offset", "6h", "0s", "30h", true);
    assert_eq!(run(&exact).rate_limited, 0);
    assert!(noted(&exact).contains("read no 429s at the quota as a best case"));
    let room = planned("random_offset", "370m", "40m", "31h", true);
    assert_eq!(run(&room).rate_limited, 0);
    assert_eq!(noted(&room), "");
}

/// A jitter as long as the period is refused, naming the field; one given to a client with
/// slots is noted as doing nothing there.
#[test]
fn a_jitter_past_the_period_is_refused_and_a_queues_noted() {
    let text = |kind: &str, jitter: &str| {
        format!(
            "[window]\nlength = \"1d\"\n[population]\nconnections = 10\n[strategy]\n\
             kind = \"{kind}\"\nconcurrency = 2\nperiod = \"6h\"\njitter = \"{jitter}\"\n\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        )
    };
    let e = scenario::parse(&text("random_offset", "6h"), "j.toml", "t", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("strategy.jitter") && e.contains("not shorter than the period"),
        "{e}"
    );
    let queued = parse(&text("queued", "5m"), &[]);
    let notes = queued.notes().join("\n");
    assert!(
        notes.contains("strategy.jitter: only bulk and random offsets")
            && notes.contains("does nothing here"),
        "{notes}"
    );
    let offsets = parse(&text("random_offset", "5m"), &[]);
    assert!(!offsets.notes().join("\n").contains("strategy.jitter"));
}

/// Random offsets kept to a band of hours (the CDR's unattended 00:00–06:00) are drawn a
/// jitter short of its end, so that every late refresh still falls within it; a jitter as
/// long as the band is refused.
#[test]
fn a_jitter_keeps_random_offsets_within_their_band() {
    let text = |jitter: &str| {
        format!(
            "[window]\nlength = \"2d\"\n[population]\nconnections = 20000\n[strategy]\n\
             kind = \"random_offset\"\nhours = [\"00:00\", \"06:00\"]\njitter = \"{jitter}\"\n\
             [[banks]]\nname = \"a\"\nshare = 1.0\n\
             service_time = {{ dist = \"constant\", value = \"1s\" }}\n"
        )
    };
    let sc = parse(&text("30m"), &[]);
    let (_, log) = sim::Simulation::new(&sc, 3).with_attempt_log().run_logged();
    let day = 86_400_000_000u64;
    let of_day: Vec<u64> = (log.rows.iter())
        .map(|a| a.submitted.as_micros() % day)
        .collect();
    assert_eq!(of_day.len(), 40_000);
    assert!(
        of_day.iter().all(|&t| t < 6 * 3_600_000_000),
        "a refresh after 06:00"
    );
    // The band's last half hour gets only late ones: offsets drawn within 5h30m, late by up
    // to 30m, reach it with a chance of (30m)² / 2 over 5h30m × 30m, 4.55 % (1,818 of
    // 40,000, sd 42).
    let last = of_day
        .iter()
        .filter(|&&t| t >= 5 * 3_600_000_000 + 1_800_000_000)
        .count();
    assert!((1_600..2_040).contains(&last), "{last}");
    let e = scenario::parse(&text("6h"), "b.toml", "t", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("strategy.jitter") && e.contains("band of strategy.hours"),
        "{e}"
    );
}
