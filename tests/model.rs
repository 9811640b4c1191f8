//! Library-level tests of the model: conservation, determinism, common random numbers, the
//! strategies' guarantees, the rate-limit policies' guarantees, dedup, consent expiry, the
//! vendor table and queueing-theory sanity checks (Little's law, Erlang B).
//!
//! Every expectation comes from an independent source: an invariant of the model (ARCHITECTURE.md),
//! a closed formula, a hand-derived count, or the vendor's published table. Nothing here is a
//! number copied from a run.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus as TestRng;
use refresh_sim::bank::TokenBucket;
use refresh_sim::experiment::table;
use refresh_sim::metrics::{RunResult, Tally};
use refresh_sim::output::daily::DailyRow;
use refresh_sim::output::staleness::AgeRow;
use refresh_sim::output::summary::SummaryRow;
use refresh_sim::output::timeseries::MinuteRow;
use refresh_sim::output::to_csv;
use refresh_sim::rng::Streams;
use refresh_sim::scenario::{self, Scenario};
use refresh_sim::sim;
use refresh_sim::strategy::{self, Strategy};
use refresh_sim::time::SimTime;
use statrs::distribution::{ContinuousCDF, Uniform};
use std::path::Path;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Parses scenario text with optional `--set` overrides; panics with the error message.
fn parse(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::parse(text, "test.toml", "test", &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn load(rel: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// A mixed scenario where every outcome kind happens: three banks with a concurrency cap, a
/// token bucket, and both; 5xx errors; a daily consent-expiry hazard of 20 % (about 1.8 % of
/// consents lapse within the 2 h window); a 1 h dedup window and a looping queue small enough
/// to make several passes over the population (so refreshes come back within the dedup
/// window). The refresh period is the window, so bulk and random offsets submit every
/// connection once within it.
const MIX: &str = r#"
name = "mix"
seed = 7

[window]
start = "01:00"
length = "2h"

[population]
connections = 6000
consent_expiry_share = 0.2

[platform]
status = "poll"
poll_interval = "5s"
dedup_window = "1h"

[strategy]
kind = "queued"
concurrency = 24
period = "2h"
loop = true

[[banks]]
name = "capped"
share = 0.4
error_rate = 0.05
service_time = { dist = "exponential", mean = "8s" }
limits = [{ kind = "concurrency", max_in_flight = 6 }]

[[banks]]
name = "metered"
share = 0.35
error_rate = 0.03
service_time = { dist = "lognormal", median = "3s", p95 = "9s" }
limits = [{ kind = "token_bucket", rate = 0.5, burst = 5 }]

[[banks]]
name = "both"
share = 0.25
error_rate = 0.02
service_time = { dist = "constant", value = "4s" }
limits = [
  { kind = "concurrency", max_in_flight = 3 },
  { kind = "token_bucket", rate = 0.4, burst = 3 },
]
"#;

const STRATEGIES: [&str; 3] = ["bulk", "queued", "random_offset"];

fn mix(kind: &str) -> Scenario {
    parse(MIX, &[&format!("strategy.kind={kind}")])
}

/// One bank with no limits; `service` is an inline service-time table.
fn unlimited(
    connections: u32,
    window: &str,
    kind: &str,
    service: &str,
    extra_population: &str,
) -> String {
    format!(
        r#"
[window]
start = "00:00"
length = "{window}"

[population]
connections = {connections}
{extra_population}

[platform]
status = "poll"
poll_interval = "10s"
dedup_window = "1h"

[strategy]
kind = "{kind}"
concurrency = 4

[[banks]]
name = "open"
share = 1.0
error_rate = 0.0
service_time = {service}
"#
    )
}

fn outcome_sum(t: &Tally) -> u64 {
    t.successes + t.rate_limited + t.errors + t.reconnect_required + t.deduplicated
}

fn window_secs(r: &RunResult) -> f64 {
    r.window.as_secs_f64()
}

// ---------------------------------------------------------------------------------------
// Conservation
// ---------------------------------------------------------------------------------------

#[test]
fn every_attempt_ends_in_exactly_one_outcome() {
    let mut seen = Tally::default();
    for kind in STRATEGIES {
        let sc = mix(kind);
        let r = sim::run(&sc, 3);
        let total = r.total();
        for (name, t) in r.bank_names.iter().zip(&r.banks) {
            assert_eq!(
                t.attempts,
                outcome_sum(t),
                "{kind}/{name}: attempts != sum of outcomes: {t:?}"
            );
            assert!(
                t.covered <= t.eligible && t.covered <= t.refreshed,
                "{kind}/{name}"
            );
            assert!(
                t.refreshed <= t.successes && t.refreshed <= t.connections,
                "{kind}/{name}"
            );
            assert!(t.eligible <= t.connections, "{kind}/{name}");
            // Every request is an API call, and in poll mode every outcome costs >= 1 poll.
            assert!(t.api_calls >= 2 * t.attempts, "{kind}/{name}: {t:?}");
        }
        assert_eq!(total.attempts, outcome_sum(&total), "{kind}: total");
        assert_eq!(
            total.connections, sc.connections as u64,
            "{kind}: connections lost"
        );
        let sum_attempts: u64 = r.banks.iter().map(|b| b.attempts).sum();
        assert_eq!(total.attempts, sum_attempts, "{kind}");
        if kind != "queued" {
            // bulk and random_offset submit every connection exactly once per period, and
            // the period is the window.
            assert_eq!(total.attempts, sc.connections as u64, "{kind}");
        }
        if kind == "bulk" {
            // Submitted at the window start, before any consent lapses (lapse instants are
            // exponential from the window start: within its first microsecond with
            // probability about 1e-12 per connection).
            assert_eq!(total.reconnect_required, 0, "bulk");
        }

        // Nothing is lost between the counters and the per-minute series.
        let nb = r.series.banks;
        assert_eq!(nb, r.banks.len());
        for (b, t) in r.banks.iter().enumerate() {
            let col = r.series.minutes.iter().skip(b).step_by(nb);
            let (mut sub, mut ok, mut rl, mut err) = (0u64, 0u64, 0u64, 0u64);
            for m in col {
                sub += m.submitted as u64;
                ok += m.successes as u64;
                rl += m.rate_limited as u64;
                err += m.errors as u64;
            }
            assert_eq!(
                (sub, ok, rl, err),
                (t.attempts, t.successes, t.rate_limited, t.errors),
                "{kind}/bank {b}: series totals differ from the counters"
            );
            // The window is whole minutes, so the per-minute in-flight integral over the
            // window's minutes must equal the window's integral exactly.
            let window_minutes = (r.window.as_micros() / 60_000_000) as usize;
            let area: u128 = (0..window_minutes.min(r.series.len_minutes()))
                .map(|m| r.series.minutes[m * nb + b].in_flight_area as u128)
                .sum();
            assert_eq!(
                area, t.in_flight_area,
                "{kind}/bank {b}: in-flight integral"
            );
        }

        seen.successes += total.successes;
        seen.rate_limited += total.rate_limited;
        seen.errors += total.errors;
        seen.reconnect_required += total.reconnect_required;
        seen.deduplicated += total.deduplicated;
    }
    // The default (non-looping) queue on the same scenario: every connection is due once in
    // the period, so it succeeds at most once and needs a reconnect at most once; a failure
    // goes back to the queue; nothing is resubmitted within the dedup window after a success.
    let sc = parse(MIX, &["strategy.loop=false"]);
    let r = sim::run(&sc, 3);
    let t = r.total();
    for b in r.banks.iter().chain([&t]) {
        assert_eq!(b.attempts, outcome_sum(b), "non-looping queue: {b:?}");
    }
    assert!(t.rate_limited > 0 && t.errors > 0, "{t:?}");
    assert!(
        t.successes + t.reconnect_required <= sc.connections as u64,
        "non-looping queue: a connection done twice in one period: {t:?}"
    );
    assert_eq!(t.deduplicated, 0, "non-looping queue: {t:?}");
    assert_eq!(t.peak_outstanding, 24);

    // The test is not vacuous: every outcome kind occurred.
    assert!(seen.successes > 0, "{seen:?}");
    assert!(seen.rate_limited > 0, "{seen:?}");
    assert!(seen.errors > 0, "{seen:?}");
    assert!(seen.reconnect_required > 0, "{seen:?}");
    assert!(seen.deduplicated > 0, "{seen:?}");
}

// ---------------------------------------------------------------------------------------
// Determinism and common random numbers
// ---------------------------------------------------------------------------------------

/// The heaviest lognormal tail validation accepts (sigma 10: some calls last for years of
/// simulated time) must neither stretch the per-minute series past a day after the window
/// nor lose an outcome: the run finishes at once, every attempt still ends in one outcome.
#[test]
fn a_heavy_tailed_service_time_keeps_the_series_bounded() {
    let text = unlimited(
        2_000,
        "24h",
        "random_offset",
        r#"{ dist = "lognormal", median = "5s", sigma = 10 }"#,
        "",
    );
    let r = sim::run(&parse(&text, &[]), 1);
    let t = r.total();
    assert_eq!(t.attempts, outcome_sum(&t));
    assert!(
        t.late_successes > 0,
        "sigma 10 should run some calls past the window"
    );
    assert!(
        r.finished.as_micros() > 400 * 86_400_000_000,
        "some call should end more than 400 days later: {:?}",
        r.finished
    );
    assert!(
        r.series.len_minutes() <= 2 * 24 * 60,
        "series of {} minutes",
        r.series.len_minutes()
    );
}

#[test]
fn same_seed_same_result_and_bytes_other_seed_differs() {
    for kind in STRATEGIES {
        let sc = mix(kind);
        let a = sim::run(&sc, 11);
        let b = sim::run(&sc, 11);
        assert!(a == b, "{kind}: two runs with seed 11 differ");
        let bytes = |r: &RunResult| {
            (
                to_csv(&SummaryRow::of_run(r)).unwrap(),
                to_csv(&MinuteRow::of_run(r)).unwrap(),
                to_csv(&DailyRow::of_run(r)).unwrap(),
                to_csv(&AgeRow::of_run(r)).unwrap(),
            )
        };
        let (sa, ta, da, aa) = bytes(&a);
        let (sb, tb, db, ab) = bytes(&b);
        assert_eq!(sa, sb, "{kind}: summary CSV differs");
        assert_eq!(ta, tb, "{kind}: series CSV differs");
        assert_eq!(da, db, "{kind}: daily CSV differs");
        assert_eq!(aa, ab, "{kind}: staleness CSV differs");
        assert!(!sa.is_empty() && !ta.is_empty() && !da.is_empty() && !aa.is_empty());

        let c = sim::run(&sc, 12);
        assert!(a != c, "{kind}: seeds 11 and 12 give the same result");
        // The outcomes themselves move, not just the seed field.
        assert_ne!(
            a.banks, c.banks,
            "{kind}: seeds 11 and 12 give the same counters"
        );
        assert_ne!(ta, bytes(&c).1, "{kind}: series CSV identical across seeds");
    }
}

#[test]
fn a_connection_has_the_same_bank_and_consent_under_every_strategy() {
    for seed in [1, 2] {
        let runs: Vec<RunResult> = STRATEGIES.iter().map(|k| sim::run(&mix(k), seed)).collect();
        let conns = |r: &RunResult| r.banks.iter().map(|t| t.connections).collect::<Vec<_>>();
        let eligible = |r: &RunResult| r.banks.iter().map(|t| t.eligible).collect::<Vec<_>>();
        for r in &runs[1..] {
            assert_eq!(
                conns(&runs[0]),
                conns(r),
                "seed {seed}: bank assignment differs"
            );
            assert_eq!(
                eligible(&runs[0]),
                eligible(r),
                "seed {seed}: consent draws differ"
            );
        }
        // Shares 0.4 / 0.35 / 0.25 of 6000, within 5 binomial sigmas.
        let n: f64 = 6000.0;
        for (t, share) in runs[0].banks.iter().zip([0.4, 0.35, 0.25]) {
            let sd = (n * share * (1.0 - share)).sqrt();
            assert!(
                (t.connections as f64 - n * share).abs() <= 5.0 * sd,
                "seed {seed}: {} connections for share {share}",
                t.connections
            );
        }
        // And a different seed reassigns them.
        let other = sim::run(&mix("bulk"), seed + 100);
        assert_ne!(
            conns(&runs[0]),
            conns(&other),
            "seed does not affect bank assignment"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

#[test]
fn queued_never_has_more_than_c_outstanding() {
    for c in [1u32, 3, 16] {
        let c_set = format!("strategy.concurrency={c}");
        // With bank limits (429s, errors, dedup, expiry all happen): bounded by c.
        let sc = parse(
            MIX,
            &["strategy.kind=queued", &c_set, "population.connections=500"],
        );
        assert!(sc.connections > c);
        let r = sim::run(&sc, 5);
        let t = r.total();
        assert!(
            t.peak_outstanding <= c as u64,
            "c={c}: outstanding {}",
            t.peak_outstanding
        );
        assert!(
            t.peak_in_flight <= c as u64,
            "c={c}: in flight {}",
            t.peak_in_flight
        );
        // The population exceeds c, so all c slots fill within their workers' overhead of
        // the window start (well under a second), long before the first outcome is learned
        // at the 5 s poll.
        assert_eq!(t.peak_outstanding, c as u64, "c={c}: slots never all busy");
        for b in &r.banks {
            assert!(b.peak_outstanding <= c as u64 && b.peak_in_flight <= c as u64);
        }

        // Against an unlimited bank the first c calls of zero-overhead workers are all
        // admitted at once.
        let text = unlimited(
            1000,
            "1h",
            "queued",
            r#"{ dist = "exponential", mean = "6s" }"#,
            "",
        );
        let sc = parse(
            &text,
            &[
                &c_set,
                r#"strategy.worker_overhead={ dist = "constant", value = "0s" }"#,
            ],
        );
        let t = sim::run(&sc, 5).total();
        assert_eq!(t.peak_outstanding, c as u64, "c={c} unlimited");
        assert_eq!(t.peak_in_flight, c as u64, "c={c} unlimited");
    }
    // A population smaller than c occupies only as many slots as it has connections.
    let text = unlimited(
        10,
        "1h",
        "queued",
        r#"{ dist = "constant", value = "5s" }"#,
        "",
    );
    let t = sim::run(&parse(&text, &["strategy.concurrency=16"]), 1).total();
    assert_eq!(t.peak_outstanding, 10);
    assert_eq!(t.peak_in_flight, 10);
}

#[test]
fn bulk_puts_every_connection_in_flight_against_an_unlimited_bank() {
    let n = 5000;
    let text = unlimited(
        n,
        "1h",
        "bulk",
        r#"{ dist = "constant", value = "5s" }"#,
        "",
    );
    let r = sim::run(&parse(&text, &[]), 1);
    let t = r.total();
    assert_eq!(t.peak_in_flight, n as u64);
    assert_eq!(r.banks[0].peak_in_flight, n as u64);
    assert_eq!(t.peak_outstanding, n as u64);
    assert_eq!(t.successes, n as u64);
    // Every call is in flight for exactly 5 s inside the window: area = n x 5 s.
    assert_eq!(t.in_flight_area, n as u128 * 5_000_000);
}

/// Kolmogorov–Smirnov statistic of sorted `xs` against the uniform distribution on [lo, hi].
fn ks_uniform(xs: &[f64], lo: f64, hi: f64) -> f64 {
    let u = Uniform::new(lo, hi).unwrap();
    let n = xs.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in xs.iter().enumerate() {
        let f = u.cdf(x);
        d = d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n);
    }
    d
}

/// Asymptotic KS critical value: sqrt(-ln(alpha/2) / 2) / sqrt(n) (1.949/sqrt(n) at 0.001).
fn ks_critical(alpha: f64, n: usize) -> f64 {
    (-(alpha / 2.0).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

#[test]
fn random_offsets_are_uniform_over_the_window() {
    let n: u32 = 200_000;
    let start = SimTime(3_600_000_000); // 01:00
    let len_us: u64 = 24 * 3_600_000_000;
    let (lo, hi) = (start.0 as f64, (start.0 + len_us) as f64);
    let crit = ks_critical(0.001, n as usize);
    assert!((crit * (n as f64).sqrt() - 1.949).abs() < 1e-3);

    for seed in [1u64, 2, 3] {
        let clientele = strategy::Clientele {
            connections: n,
            banks: 1,
            bank_of: |_| 0,
        };
        let plan = strategy::plan(
            &Strategy::RandomOffset,
            &strategy::Schedule::daily(),
            clientele,
            start,
            refresh_sim::time::SimDuration(len_us),
            &Streams::new(seed),
        );
        let arrivals = plan.arrivals;
        assert_eq!(arrivals.len(), n as usize);
        assert!(arrivals.windows(2).all(|w| w[0] <= w[1]), "not sorted");
        let mut seen = vec![false; n as usize];
        for &(t, c) in &arrivals {
            assert!(
                t >= start && t.0 < start.0 + len_us,
                "{t:?} outside the window"
            );
            assert!(
                !std::mem::replace(&mut seen[c as usize], true),
                "connection {c} twice"
            );
        }
        let xs: Vec<f64> = arrivals.iter().map(|(t, _)| t.0 as f64).collect();
        let d = ks_uniform(&xs, lo, hi);
        assert!(d < crit, "seed {seed}: KS D = {d} >= critical {crit}");

        // Power: the same test rejects clearly and mildly non-uniform samples built from the
        // same draws (monotone transforms keep them sorted).
        let warp = |f: &dyn Fn(f64) -> f64| -> Vec<f64> {
            xs.iter()
                .map(|&x| lo + f((x - lo) / (hi - lo)) * (hi - lo))
                .collect()
        };
        let squared = warp(&|u| u * u);
        assert!(ks_uniform(&squared, lo, hi) > crit, "u^2 not rejected");
        let tau = std::f64::consts::TAU;
        let wavy = warp(&|u| u + 0.05 * (tau * u).sin() / tau); // max CDF shift ~0.008
        let dw = ks_uniform(&wavy, lo, hi);
        assert!(
            dw > crit,
            "wavy sample not rejected: D = {dw}, critical {crit}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Rate-limit policies
// ---------------------------------------------------------------------------------------

const CAPPED: &str = r#"
[window]
length = "1h"

[population]
connections = 20000

[platform]
poll_interval = "10s"

[strategy]
kind = "bulk"
# One period per window: every connection is submitted within it (overload).
period = "1h"

[[banks]]
name = "ten"
share = 0.6
service_time = { dist = "exponential", mean = "30s" }
limits = [{ kind = "concurrency", max_in_flight = 10 }]

[[banks]]
name = "three"
share = 0.4
error_rate = 0.1
service_time = { dist = "lognormal", median = "20s", sigma = 0.8 }
limits = [{ kind = "concurrency", max_in_flight = 3 }]
"#;

#[test]
fn concurrency_cap_is_never_exceeded_under_overload() {
    for kind in ["bulk", "random_offset"] {
        let sc = parse(CAPPED, &[&format!("strategy.kind={kind}")]);
        let r = sim::run(&sc, 9);
        for (b, (t, cap)) in r.banks.iter().zip([10u64, 3]).enumerate() {
            assert!(
                t.peak_in_flight <= cap,
                "{kind}: peak {} > cap {cap}",
                t.peak_in_flight
            );
            assert_eq!(
                t.peak_in_flight, cap,
                "{kind}: overloaded bank never reached its cap"
            );
            assert!(t.rate_limited > 0, "{kind}: the cap never bit");
            // Mean in flight cannot exceed the cap either.
            assert!(r.summary(Some(b)).mean_in_flight <= cap as f64 + 1e-9);
        }
        assert!(r.total().peak_in_flight <= 13);
    }
}

/// Erlang B blocking probability B(c, a) by the stable recursion.
fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}

#[test]
fn concurrency_cap_rejects_at_the_erlang_b_rate() {
    // 172,800 uniform offsets over 24 h: nearly Poisson at 2/s; exponential service of mean
    // 4 s: offered load a = 8 Erlang on a cap of 10. No retries, no errors.
    let text = r#"
[window]
length = "24h"
[population]
connections = 172800
[strategy]
kind = "random_offset"
[[banks]]
name = "capped"
share = 1.0
service_time = { dist = "exponential", mean = "4s" }
limits = [{ kind = "concurrency", max_in_flight = 10 }]
"#;
    let sc = parse(text, &[]);
    let a = sc.connections as f64 / sc.window.as_secs_f64() * sc.banks[0].service_time.mean_secs();
    assert!((a - 8.0).abs() < 1e-9);
    let expected = erlang_b(10, a);
    assert!((erlang_b(1, 1.0) - 0.5).abs() < 1e-12); // sanity of the recursion
    for seed in [1, 2] {
        let r = sim::run(&sc, seed);
        let t = r.total();
        let p = t.rate_limited as f64 / t.attempts as f64;
        // Standard error by batch means over 24 one-hour batches (hours are nearly
        // independent when calls last seconds); allow 5 standard errors.
        let per_hour: Vec<f64> = (0..24)
            .map(|h| {
                let mins = &r.series.minutes[h * 60..(h + 1) * 60];
                let rl: u64 = mins.iter().map(|m| m.rate_limited as u64).sum();
                let sub: u64 = mins.iter().map(|m| m.submitted as u64).sum();
                rl as f64 / sub as f64
            })
            .collect();
        let mean = per_hour.iter().sum::<f64>() / 24.0;
        let var = per_hour.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 23.0;
        let se = (var / 24.0).sqrt();
        assert!(
            (p - expected).abs() <= 5.0 * se,
            "seed {seed}: 429 share {p:.5}, Erlang B {expected:.5}, batch SE {se:.5}"
        );
        // The batch SE must be small enough for the check to mean something.
        assert!(
            5.0 * se < 0.1 * expected,
            "SE {se} too large to test anything"
        );
    }
}

const METERED: &str = r#"
[window]
length = "2h"

[population]
connections = 100000

[platform]
poll_interval = "10s"

[strategy]
kind = "random_offset"
# One period per window: all 100,000 offsets fall within it.
period = "2h"

[[banks]]
name = "bucket"
share = 1.0
error_rate = 0.1
service_time = { dist = "constant", value = "0s" }
limits = [{ kind = "token_bucket", rate = 2.0, burst = 30 }]
"#;

#[test]
fn token_bucket_never_admits_more_than_burst_plus_rate_times_t_in_a_run() {
    let (rate, burst) = (2.0f64, 30.0f64);
    let sc = parse(METERED, &[]);
    let r = sim::run(&sc, 4);
    let t = r.total();
    assert!(t.rate_limited > 0, "the bucket never bit");
    // With a 0 s service time a call ends in the minute it was admitted, so each minute's
    // successes + errors are exactly its admissions. k consecutive minutes span a half-open
    // interval of 60k seconds, so admissions in them are at most burst + rate * 60k, exactly.
    let admitted: Vec<u64> = r
        .series
        .minutes
        .iter()
        .map(|m| (m.successes + m.errors) as u64)
        .collect();
    assert_eq!(admitted.iter().sum::<u64>(), t.successes + t.errors);
    for k in [1usize, 5, 60, 120] {
        let bound = burst + rate * 60.0 * k as f64;
        let mut tightest = 0;
        for w in admitted.windows(k) {
            let n: u64 = w.iter().sum();
            assert!(n as f64 <= bound, "{n} admitted in {k} minutes > {bound}");
            tightest = tightest.max(n);
        }
        // Overloaded (100,000 calls in 2 h = 13.9/s against 2/s): the bucket runs at its
        // rate, so the bound is nearly reached.
        assert!(
            tightest as f64 >= rate * 60.0 * k as f64 - 1.0,
            "k={k}: {tightest}"
        );
    }
    // Long-run admitted rate equals the nominal rate (within 1 %).
    let secs = window_secs(&r);
    let long_run = (t.successes + t.errors) as f64 / secs;
    assert!(
        (long_run / rate - 1.0).abs() < 0.01,
        "admitted {long_run}/s for rate {rate}/s"
    );
}

/// Largest excess of admitted calls over `burst + rate * (t_j - t_i)` over all pairs of
/// admitted call times (µs, sorted); <= 0 when the guarantee holds.
fn worst_excess(times_us: &[u64], rate: f64, burst: f64) -> f64 {
    let mut worst = f64::NEG_INFINITY;
    for i in 0..times_us.len() {
        for j in i..times_us.len() {
            let count = (j - i + 1) as f64;
            let dt = (times_us[j] - times_us[i]) as f64 / 1e6;
            worst = worst.max(count - (burst + rate * dt));
        }
    }
    worst
}

/// Offers calls at random times (bursts of simultaneous calls and random gaps of mean
/// `mean_gap_us`) to a fresh bucket; returns the admitted times and the span of time over
/// which calls were offered (first to last offer).
fn drive_bucket(
    rate: f64,
    burst: u32,
    mean_gap_us: u64,
    calls: usize,
    seed: u64,
) -> (Vec<u64>, u64) {
    let mut tb = TokenBucket::new(rate, burst);
    let mut rng = TestRng::seed_from_u64(seed);
    let first: u64 = rng.random_range(0..10_000_000);
    let mut t = first;
    let mut admitted = Vec::new();
    for _ in 0..calls {
        if rng.random::<f64>() >= 0.25 {
            t += rng.random_range(0..2 * mean_gap_us);
        }
        let now = SimTime(t);
        if tb.check(now).is_ok() {
            tb.admit(now);
            admitted.push(t);
        }
    }
    (admitted, t - first)
}

#[test]
fn token_bucket_unit_guarantee_over_every_interval() {
    // (rate per second, burst, mean gap between offered calls in µs)
    let configs = [
        (2.0, 5u32, 400_000u64),
        (3.0, 1, 200_000),
        (0.7, 10, 1_000_000),
        (1000.0 / 3.0, 4, 2_000),
        (5.0, 50, 100_000),
    ];
    for (k, &(rate, burst, gap)) in configs.iter().enumerate() {
        let (times, _) = drive_bucket(rate, burst, gap, 12_000, 100 + k as u64);
        assert!(times.len() > 100, "config {k}: too few admitted");
        assert!(
            times.len() < 12_000,
            "config {k}: nothing rejected, test is vacuous"
        );
        let w = worst_excess(&times, rate, burst as f64);
        assert!(
            w <= 1e-9,
            "config {k} (rate {rate}, burst {burst}): excess {w}"
        );
    }
    // Power: the checker flags sequences that break the guarantee.
    assert!(
        worst_excess(&[0; 6], 2.0, 5.0) > 0.0,
        "6 simultaneous calls, burst 5"
    );
    let too_fast: Vec<u64> = (0..2_000).map(|i| i * 490_000).collect(); // 2.04/s vs 2/s
    assert!(
        worst_excess(&too_fast, 2.0, 5.0) > 0.0,
        "2.04 calls/s against 2/s"
    );
}

#[test]
fn token_bucket_long_run_rate_under_overload() {
    // Offered about ten times the rate. With burst >= 2 a saturated GCRA loses no time (a call
    // arriving while tokens are owed only moves `tat` by one interval), so the long-run rate
    // is the nominal one. With burst 1 every wait for the next arrival after a token frees up
    // is lost, so the rate is below nominal (never above).
    for (k, &(rate, burst)) in [
        (2.0, 5u32),
        (3.0, 2),
        (0.5, 20),
        (1000.0 / 3.0, 4),
        (3.0, 1),
    ]
    .iter()
    .enumerate()
    {
        let gap = (1e6 / rate / 10.0) as u64;
        let (times, span_us) = drive_bucket(rate, burst, gap, 400_000, 200 + k as u64);
        let secs = span_us as f64 / 1e6;
        let admitted = times.len() as f64;
        assert!(
            admitted <= burst as f64 + rate * secs,
            "config {k}: {admitted} in {secs}s"
        );
        let ratio = admitted / secs / rate;
        if burst >= 2 {
            assert!(
                (ratio - 1.0).abs() < 0.01,
                "config {k}: long-run {ratio} x rate {rate}"
            );
        } else {
            assert!(
                ratio > 0.8 && ratio <= 1.0,
                "config {k}: long-run {ratio} x rate {rate}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Platform: dedup
// ---------------------------------------------------------------------------------------

/// One bank, constant 2 s service, polled every 10 s, a queue of `c` slots over `n`
/// connections for one hour. The queue loops (each outcome sends the connection to the back,
/// so it comes back within the dedup window) and its workers have no overhead (each submits
/// at the instant it learns the previous outcome): the lattice client the hand model runs.
fn dedup_scenario(n: u32, c: u32, dedup: &str, status: &str, bucket: bool) -> Scenario {
    // Optionally a token bucket whose burst covers exactly one pass and which refills one
    // token per 10,000 s (none within the hour).
    let limits = if bucket {
        format!("limits = [{{ kind = \"token_bucket\", rate = 0.0001, burst = {n} }}]")
    } else {
        String::new()
    };
    let text = format!(
        r#"
[window]
start = "00:00"
length = "1h"
[population]
connections = {n}
[platform]
{status}
dedup_window = "{dedup}"
[strategy]
kind = "queued"
concurrency = {c}
loop = true
worker_overhead = {{ dist = "constant", value = "0s" }}
[[banks]]
name = "b"
share = 1.0
service_time = {{ dist = "constant", value = "2s" }}
{limits}
"#
    );
    parse(&text, &[])
}

/// Reference model of one looping, zero-overhead queue slot (c = 1) cycling through `n`
/// connections in order: a submission at `t` is deduplicated if the connection's last success is less than `dedup`
/// before `t`; otherwise the bank serves it for `service` and it succeeds. `learn(sub, end)`
/// gives when the client learns an outcome. Returns (attempts, successes, deduplicated).
fn reference_queue(
    n: u64,
    window: u64,
    service: u64,
    dedup: u64,
    learn: &dyn Fn(u64, u64) -> u64,
) -> (u64, u64, u64) {
    let mut last: Vec<Option<u64>> = vec![None; n as usize];
    let (mut t, mut i, mut ok, mut dd) = (0u64, 0u64, 0u64, 0u64);
    while t < window {
        let c = (i % n) as usize;
        i += 1;
        if matches!(last[c], Some(s) if t - s < dedup) {
            dd += 1;
            t = learn(t, t);
        } else {
            ok += 1;
            last[c] = Some(t + service);
            t = learn(t, t + service);
        }
    }
    (i, ok, dd)
}

#[test]
fn dedup_counts_match_a_hand_model_and_make_no_bank_call() {
    const S: u64 = 1_000_000;
    // Poll every 10 s: the first poll is one interval after submission, and the client
    // learns at the first poll at or after the end.
    let poll = |sub: u64, end: u64| sub + 10 * S * (end - sub).div_ceil(10 * S).max(1);
    for (dedup, dedup_us) in [("1h", 3600 * S), ("5m", 300 * S), ("0s", 0)] {
        let sc = dedup_scenario(
            10,
            1,
            dedup,
            "status = \"poll\"\npoll_interval = \"10s\"",
            dedup == "1h",
        );
        let r = sim::run(&sc, 1);
        let t = r.total();
        let (attempts, ok, dd) = reference_queue(10, 3600 * S, 2 * S, dedup_us, &poll);
        // 360 ten-second cycles in the hour whatever the outcome.
        assert_eq!(attempts, 360);
        assert_eq!(
            (t.attempts, t.successes, t.deduplicated),
            (attempts, ok, dd),
            "dedup {dedup}"
        );
        // Deduplicated attempts make no bank call: the bank served exactly `successes`
        // calls of 2 s each, and each attempt cost one request and one poll.
        assert_eq!(
            t.in_flight_area,
            t.successes as u128 * 2 * S as u128,
            "dedup {dedup}"
        );
        assert_eq!(t.api_calls, 2 * t.attempts, "dedup {dedup}");
        if dedup == "1h" {
            // Only the first pass reaches the bank; the bucket's burst of 10 covers it, and
            // the 350 duplicates take no token (else they would be rate limited).
            assert_eq!((ok, dd), (10, 350));
            assert_eq!(t.rate_limited, 0);
        }
        if dedup == "0s" {
            assert_eq!(t.deduplicated, 0);
        } else {
            assert!(t.deduplicated > 0);
        }
    }
    // c slots in lockstep: every cycle is 10 s, only the first pass reaches the bank.
    let sc = dedup_scenario(
        10,
        3,
        "1h",
        "status = \"poll\"\npoll_interval = \"10s\"",
        true,
    );
    let t = sim::run(&sc, 1).total();
    assert_eq!(
        (t.attempts, t.successes, t.deduplicated, t.rate_limited),
        (1080, 10, 1070, 0)
    );
}

#[test]
fn dedup_with_callbacks_matches_the_hand_model() {
    const S: u64 = 1_000_000;
    let cb = |_sub: u64, end: u64| end + S; // callback 1 s after the task ends
    for (dedup, dedup_us) in [("1h", 3600 * S), ("5m", 300 * S)] {
        let sc = dedup_scenario(
            10,
            1,
            dedup,
            "status = \"callback\"\ncallback_delay = \"1s\"",
            false,
        );
        let t = sim::run(&sc, 1).total();
        let (attempts, ok, dd) = reference_queue(10, 3600 * S, 2 * S, dedup_us, &cb);
        assert_eq!(
            (t.attempts, t.successes, t.deduplicated),
            (attempts, ok, dd),
            "{dedup}"
        );
        assert_eq!(t.api_calls, t.attempts, "callbacks cost no polls");
        assert_eq!(t.in_flight_area, t.successes as u128 * 2 * S as u128);
    }
}

// ---------------------------------------------------------------------------------------
// Consent expiry and coverage
// ---------------------------------------------------------------------------------------

#[test]
fn expiring_consents_end_reconnect_required_as_often_as_expected() {
    let svc = r#"{ dist = "constant", value = "3s" }"#;
    let n: u32 = 20_000;
    let nf = n as f64;

    // `consent_expiry_share` is a daily hazard p: a consent lapses within d days with
    // probability 1 - (1 - p)^d. At p = 1 every consent has lapsed at the window start, so
    // even bulk, submitting at that instant, meets nothing but reconnect_required.
    let text = unlimited(n, "24h", "bulk", svc, "consent_expiry_share = 1.0");
    let r = sim::run(&parse(&text, &[]), 1);
    let s = r.summary(None);
    assert_eq!(s.tally.reconnect_required, n as u64);
    assert_eq!(s.tally.successes, 0);
    assert_eq!(s.tally.eligible, 0, "every consent lapses in the window");
    assert_eq!(s.tally.covered, 0);

    // Within the day a lapsing consent's instant T is exponential with rate
    // lambda = -ln(1 - p) a day, truncated to the day; a random offset U is uniform on the
    // day. So P(lapsed at submission) = P(T <= U) = integral over u of (1 - e^(-lambda u))
    // = 1 - p / lambda.
    for (p, want) in [(0.3f64, 0.1589), (0.05, 0.0252)] {
        let q = 1.0 - p / -(1.0 - p).ln();
        assert!((q - want).abs() < 1e-4, "p {p}: {q}");
        let sd = (nf * q * (1.0 - q)).sqrt();
        for seed in [1, 2] {
            let extra = format!("consent_expiry_share = {p}");
            let text = unlimited(n, "24h", "random_offset", svc, &extra);
            let t = sim::run(&parse(&text, &[]), seed).total();
            // Binomial, 5 sigma.
            assert!(
                (t.reconnect_required as f64 - nf * q).abs() <= 5.0 * sd,
                "p {p}, seed {seed}: {} reconnect_required, expected about {:.0}",
                t.reconnect_required,
                nf * q
            );
            // Unlimited bank, no errors: every other attempt succeeds.
            assert_eq!(t.successes + t.reconnect_required, n as u64);
            // Connections that end reconnect_required had a lapsing consent: about p of
            // them (binomial, 5 sigma), and `eligible` counts the rest over the one day.
            let lapsing = t.connections - t.eligible;
            assert!(t.reconnect_required <= lapsing);
            let sd_p = (nf * p * (1.0 - p)).sqrt();
            assert!(
                (lapsing as f64 - nf * p).abs() <= 5.0 * sd_p,
                "p {p}, seed {seed}: {lapsing} lapsing"
            );
        }
    }
}

#[test]
fn coverage_counts_only_connections_whose_consent_stays_valid() {
    let svc = r#"{ dist = "constant", value = "3s" }"#;
    let n: u32 = 20_000;
    let nf = n as f64;
    for seed in [1, 2] {
        // No expiry: everyone is eligible.
        let text = unlimited(n, "24h", "bulk", svc, "consent_expiry_share = 0.0");
        let s = sim::run(&parse(&text, &[]), seed).summary(None);
        assert_eq!(s.tally.eligible, n as u64);
        assert_eq!(s.coverage, 1.0);

        // 30 % expire. Bulk refreshes everyone at the start (before any expiry), so the
        // expiring connections are exactly connections - eligible, and coverage must be 1
        // (it would be 0.7 if the denominator were all connections).
        let text = unlimited(n, "24h", "bulk", svc, "consent_expiry_share = 0.3");
        let s = sim::run(&parse(&text, &[]), seed).summary(None);
        let expiring = s.tally.connections - s.tally.eligible;
        let sd = (nf * 0.3 * 0.7).sqrt();
        assert!(
            (expiring as f64 - 0.3 * nf).abs() <= 5.0 * sd,
            "{expiring} expiring"
        );
        assert_eq!(s.tally.refreshed, n as u64);
        assert_eq!(s.tally.covered, s.tally.eligible);
        assert_eq!(s.coverage, 1.0);

        // Random offsets on the same draws: the same connections are eligible (common random
        // numbers); each is submitted once, so an eligible connection is covered unless its
        // call, submitted in the window's last seconds, ends after the window closes (a late
        // success, not a refresh within the window); expiring ones are refreshed only if
        // submitted before they lapse.
        let text = unlimited(n, "24h", "random_offset", svc, "consent_expiry_share = 0.3");
        let r = sim::run(&parse(&text, &[]), seed).summary(None);
        assert_eq!(r.tally.eligible, s.tally.eligible);
        assert!(r.tally.eligible - r.tally.covered <= r.tally.late_successes);
        assert!(
            r.tally.late_successes < 10,
            "only the window's last seconds: {}",
            r.tally.late_successes
        );
        assert_eq!(
            r.tally.refreshed + r.tally.late_successes + r.tally.reconnect_required,
            n as u64
        );
    }
}

// ---------------------------------------------------------------------------------------
// The vendor table
// ---------------------------------------------------------------------------------------

/// The vendor's published table (docs/sources.md, `src/vendor.rs`): concurrency, refreshes per hour, users per day.
const VENDOR: [(u32, f64, f64); 5] = [
    (1, 300.0, 7_000.0),
    (2, 600.0, 15_000.0),
    (4, 1_200.0, 30_000.0),
    (8, 2_500.0, 60_000.0),
    (16, 5_000.0, 120_000.0),
];

#[test]
fn vendor_table_is_reproduced_and_extension_saturates() {
    let calibrated = load("scenarios/vendor-table.toml");
    let limited = load("scenarios/uk-mix.toml");
    // Three seeds in parallel (each table is nine queued runs).
    let tables: Vec<(u64, Vec<table::Row>)> = std::thread::scope(|s| {
        let handles: Vec<_> = [1u64, 2, 3]
            .into_iter()
            .map(|seed| {
                let (c, l) = (&calibrated, &limited);
                s.spawn(move || (seed, table::vendor_table(c, l, seed)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (seed, rows) in &tables {
        let concs: Vec<u32> = rows.iter().map(|r| r.concurrency).collect();
        assert_eq!(concs, [1, 2, 4, 8, 16, 32, 64, 128, 256], "seed {seed}");
        for (row, &(c, rph, upd)) in rows.iter().zip(&VENDOR) {
            assert_eq!(row.concurrency, c);
            let (drph, dupd) = (
                row.refreshes_per_hour() / rph - 1.0,
                row.users_per_day() / upd - 1.0,
            );
            assert!(
                drph.abs() <= 0.05 && dupd.abs() <= 0.05,
                "seed {seed}, c={c}: {:.1}/h ({:+.1} %), {:.0}/day ({:+.1} %)",
                row.refreshes_per_hour(),
                100.0 * drph,
                row.users_per_day(),
                100.0 * dupd
            );
            assert_eq!(
                row.summary.failure_rate, 0.0,
                "seed {seed}, c={c}: the calibrated bank has no limits or errors"
            );
            assert_eq!(
                row.documented,
                Some((rph, upd)),
                "documented figures misquoted"
            );
        }
        let ext = &rows[5..];
        for r in ext {
            assert!(r.documented.is_none());
            assert!(
                r.summary.failure_rate > 0.0,
                "seed {seed}, c={}: no failures",
                r.concurrency
            );
        }
        // More offered load against the same fixed bank limits: more 429s.
        for w in ext.windows(2) {
            assert!(
                w[1].summary.failure_rate > w[0].summary.failure_rate,
                "seed {seed}: failure rate not rising from c={} to c={}",
                w[0].concurrency,
                w[1].concurrency
            );
        }
        // Users per day per unit of concurrency falls from 16 to 256 ...
        let per_slot: Vec<f64> = rows[4..]
            .iter()
            .map(|r| r.users_per_day() / r.concurrency as f64)
            .collect();
        for w in per_slot.windows(2) {
            assert!(
                w[1] < w[0],
                "seed {seed}: users/day per slot not falling: {per_slot:?}"
            );
        }
        // ... and at 256 is well below (under half) the linear extrapolation from 16 (x16).
        let linear = rows[4].users_per_day() * 16.0;
        assert!(
            rows[8].users_per_day() < 0.5 * linear,
            "seed {seed}: {} users/day at 256 vs linear {linear}",
            rows[8].users_per_day()
        );
    }
    // Different seeds give different (not copied) measurements.
    assert_ne!(tables[0].1[0].summary.tally, tables[1].1[0].summary.tally);
}

// ---------------------------------------------------------------------------------------
// Queueing theory: Little's law
// ---------------------------------------------------------------------------------------

#[test]
fn mean_in_flight_obeys_littles_law() {
    let services = [
        (r#"{ dist = "exponential", mean = "30s" }"#, 1.0f64),
        (
            r#"{ dist = "lognormal", median = "20s", p95 = "60s" }"#,
            f64::NAN,
        ),
    ];
    for (svc, cv) in services {
        let text = unlimited(200_000, "24h", "random_offset", svc, "")
            .replace("error_rate = 0.0", "error_rate = 0.02");
        let sc = parse(&text, &[]);
        let st = &sc.banks[0].service_time;
        let mean = st.mean_secs();
        let cv = if cv.is_nan() {
            // Lognormal: CV = sqrt(exp(sigma^2) - 1), sigma = ln(p95/median)/z95.
            let sigma = (60.0f64 / 20.0).ln() / 1.644_853_626_951_472;
            // Cross-check mean_secs against the closed form.
            let m = 20.0 * (sigma * sigma / 2.0).exp();
            assert!(
                (mean / m - 1.0).abs() < 1e-9,
                "lognormal mean {mean} vs {m}"
            );
            ((sigma * sigma).exp() - 1.0).sqrt()
        } else {
            cv
        };
        let r = sim::run(&sc, 8);
        let s = r.summary(None);
        let served = s.tally.successes + s.tally.errors;
        assert_eq!(served, 200_000);
        let predicted = served as f64 / window_secs(&r) * mean;
        // The measured area is the sum of the served calls' service times, so the ratio is the
        // sample mean over the true mean: relative SE = CV/sqrt(n). Allow 5 SE, plus the calls
        // cut by the window's edges (at most about mean/window of the area).
        let tol = 5.0 * cv / (served as f64).sqrt() + mean / window_secs(&r);
        let rel = s.mean_in_flight / predicted - 1.0;
        assert!(
            rel.abs() <= tol,
            "{svc}: mean in flight {} vs Little {predicted} ({:+.3} %, tolerance {:.3} %)",
            s.mean_in_flight,
            100.0 * rel,
            100.0 * tol
        );
    }
}
