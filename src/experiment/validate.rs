//! Validation against queueing theory and the policies' guarantees (`refresh-sim validate`).
//!
//! Each check runs the full simulator (or, for policy guarantees, the policy alone) on a
//! scenario where theory gives an exact answer, and compares. Statistical checks run `R`
//! replications with seeds derived from one base seed and accept when the theoretical value
//! lies within the replications' 99.9 % Student-t confidence interval (plus, where stated, an
//! exact bound on the finite-window effect): tolerances come from the sample, not from a
//! fudge factor. Deterministic checks (bounds a policy guarantees) have zero tolerance.
//!
//! - Erlang B: random offsets over a day are Poisson arrivals (uniform order statistics given
//!   the count); against a bank with only a concurrency cap `c` and exponential service, the
//!   429 share is `B(c, A)`, `A = λ·E[S]`.
//! - Erlang C: a bank with `k` servers that queues instead of rejecting is M/M/k: the share
//!   of calls that wait is `C(k, A)` and the mean wait is `C·E[S] / (k − A)`.
//! - Little's law: time-average calls in flight = admission rate × mean service time.
//! - Token bucket: admitted ≤ `burst + rate·T` in every interval, long-run rate = `rate`.
//! - Fixed vs sliding window: the fixed window admits up to `2N` in an interval of one window
//!   length straddling a boundary; the sliding window never more than `N`.

use crate::bank::{
    Bank, ConcurrencyCap, FixedWindow, Limit, RetryAfter, ServiceTime, SlidingWindow, TokenBucket,
};
use crate::platform::{Platform, StatusMode};
use crate::retry::{Jitter, RetryPolicy};
use crate::scenario::Scenario;
use crate::sim;
use crate::stats::{erlang_b, erlang_c, t_quantile, Estimate};
use crate::strategy::{Schedule, Strategy};
use crate::time::{SimDuration, SimTime};

/// One comparison of the model with theory.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: String,
    pub model: f64,
    pub theory: f64,
    /// Largest accepted |model − theory|.
    pub tolerance: f64,
    pub pass: bool,
    /// How the tolerance was derived.
    pub basis: String,
}

impl Check {
    fn new(name: String, model: f64, theory: f64, tolerance: f64, basis: String) -> Self {
        let pass = (model - theory).abs() <= tolerance;
        Check {
            name,
            model,
            theory,
            tolerance,
            pass,
            basis,
        }
    }
    /// A one-sided bound: pass when `model ≤ theory`.
    fn at_most(name: String, model: f64, bound: f64, basis: &str) -> Self {
        Check {
            name,
            model,
            theory: bound,
            tolerance: 0.0,
            pass: model <= bound,
            basis: basis.into(),
        }
    }
}

/// Mean and 99.9 % two-sided Student-t half-width of a sample.
pub fn mean_ci999(xs: &[f64]) -> (f64, f64) {
    match crate::stats::Estimate::of(xs) {
        Some(Estimate {
            mean,
            sd: Some(sd),
            n,
            ..
        }) => (mean, t_quantile(0.9995, n - 1) * sd / (n as f64).sqrt()),
        Some(e) => (e.mean, f64::INFINITY),
        None => (f64::NAN, f64::INFINITY),
    }
}

const DAY: SimDuration = SimDuration::from_hours(24);

fn bank(name: &str, service: ServiceTime, limits: Vec<Limit>, servers: Option<u32>) -> Bank {
    Bank {
        name: name.into(),
        description: String::new(),
        share: 1.0,
        service_time: service,
        error_rate: 0.0,
        limits,
        servers,
        retry_after: RetryAfter::Policy,
        calls_per_refresh: 1,
        tested: Default::default(),
    }
}

/// A one-bank scenario with random offsets over a day: `lambda` arrivals per second.
fn poisson_scenario(name: &str, lambda: f64, window: SimDuration, b: Bank) -> Scenario {
    Scenario {
        name: name.into(),
        description: String::new(),
        seed: 1,
        window_start: SimTime::ZERO,
        window,
        warmup: SimDuration::ZERO,
        given_age_horizon: None,
        fresh_within: SimDuration::from_hours(24),
        connections: (lambda * window.as_secs_f64()).round() as u32,
        consent_expiry_share: 0.0,
        reconnect: None,
        join_share: 0.0,
        growth_per_week: 0.0,
        connections_per_customer: 1,
        platform: Platform {
            status: StatusMode::Callback {
                delay: SimDuration::from_millis(1),
            },
            dedup: crate::platform::Dedup::LastFetch,
            dedup_window: SimDuration::ZERO,
        },
        strategy: Strategy::RandomOffset,
        // One period spanning the window: each connection once, at a uniform instant.
        schedule: Schedule {
            period: window,
            looping: false,
            hours: None,
            overhead: ServiceTime::constant(SimDuration::ZERO),
            jitter: SimDuration::ZERO,
            pause_on_retry_after: false,
            order: crate::strategy::Order::Fifo,
            on_failure: crate::strategy::OnFailure::Requeue,
        },
        retry: RetryPolicy::default(),
        banks: vec![b],
        on_demand: None,
        unread_fields: Vec::new(),
        pools_unnamed: None,
        dropped_preset_limits: Vec::new(),
    }
}

/// Runs `sc` for `reps` replications of `base_seed` (in parallel, results in replication
/// order) and maps each result to a number.
fn replicate(
    sc: &Scenario,
    reps: u32,
    base_seed: u64,
    f: impl Fn(&crate::metrics::RunResult) -> f64 + Sync,
) -> Vec<f64> {
    crate::experiment::sweep::replicate(sc, base_seed, reps, f)
}

/// Every replication's full result, in replication order.
fn runs(sc: &Scenario, reps: u32, base_seed: u64) -> Vec<crate::metrics::RunResult> {
    crate::experiment::sweep::replicate(sc, base_seed, reps, |r| r.clone())
}

fn ci_basis(reps: u32) -> String {
    format!("99.9 % t-interval over {reps} replications")
}

/// All checks, with `reps` replications for the statistical ones.
pub fn run_all(reps: u32, seed: u64) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(erlang_b_checks(reps, seed));
    checks.extend(erlang_c_checks(reps, seed));
    checks.extend(little_checks(reps, seed));
    checks.extend(token_bucket_checks(reps, seed));
    checks.extend(window_checks());
    checks
}

/// Erlang B at four (c, A) points, one with A > c.
pub fn erlang_b_checks(reps: u32, seed: u64) -> Vec<Check> {
    let mean_s = 10.0;
    [(1u32, 0.5f64), (5, 3.0), (10, 8.0), (4, 6.0)]
        .iter()
        .map(|&(c, a)| {
            let b = bank(
                "cap",
                ServiceTime::exponential(SimDuration::from_secs(mean_s as u64)),
                vec![Limit::Concurrency(ConcurrencyCap::new(c))],
                None,
            );
            let sc = poisson_scenario("erlang-b", a / mean_s, DAY, b);
            let xs = replicate(&sc, reps, seed, |r| {
                let t = r.total();
                t.rate_limited as f64 / t.attempts as f64
            });
            let (m, h) = mean_ci999(&xs);
            Check::new(
                format!("Erlang B: 429 share, c = {c}, A = {a}"),
                m,
                erlang_b(c, a),
                h,
                ci_basis(reps),
            )
        })
        .collect()
}

/// Erlang C at ρ = 0.5, 0.7, 0.9 with k = 8 servers: P(wait) and mean wait.
pub fn erlang_c_checks(reps: u32, seed: u64) -> Vec<Check> {
    let k = 8u32;
    let mean_s = 4.0;
    let mut out = Vec::new();
    for rho in [0.5, 0.7, 0.9] {
        let a = rho * k as f64;
        let b = bank(
            "servers",
            ServiceTime::exponential(SimDuration::from_secs(4)),
            vec![],
            Some(k),
        );
        let sc = poisson_scenario("erlang-c", a / mean_s, DAY, b);
        let runs = runs(&sc, reps, seed);
        let pw: Vec<f64> = runs
            .iter()
            .map(|r| r.total().waited as f64 / r.total().admitted as f64)
            .collect();
        let wq: Vec<f64> = runs
            .iter()
            .map(|r| r.total().wait_total as f64 / 1e6 / r.total().admitted as f64)
            .collect();
        let c = erlang_c(k, a);
        let (m, h) = mean_ci999(&pw);
        out.push(Check::new(
            format!("Erlang C: P(wait), k = {k}, ρ = {rho}"),
            m,
            c,
            h,
            ci_basis(reps),
        ));
        let (m, h) = mean_ci999(&wq);
        out.push(Check::new(
            format!("Erlang C: mean wait (s), k = {k}, ρ = {rho}"),
            m,
            c * mean_s / (k as f64 - a),
            h,
            ci_basis(reps),
        ));
    }
    out
}

/// Little's law per bank of a four-bank mix under random offsets.
pub fn little_checks(reps: u32, seed: u64) -> Vec<Check> {
    let logn = |med: u64, p95: u64| {
        ServiceTime::lognormal_p95(SimDuration::from_secs(med), SimDuration::from_secs(p95))
    };
    let specs: Vec<(&str, f64, ServiceTime, Vec<Limit>)> = vec![
        (
            "unlimited-exp",
            0.3,
            ServiceTime::exponential(SimDuration::from_secs(6)),
            vec![],
        ),
        (
            "capped",
            0.3,
            logn(5, 16),
            vec![Limit::Concurrency(ConcurrencyCap::new(6))],
        ),
        (
            "metered",
            0.2,
            logn(4, 12),
            vec![Limit::TokenBucket(TokenBucket::new(0.5, 5))],
        ),
        (
            "constant",
            0.2,
            ServiceTime::constant(SimDuration::from_secs(3)),
            vec![],
        ),
    ];
    let banks: Vec<Bank> = specs
        .iter()
        .map(|(n, share, st, lim)| Bank {
            share: *share,
            ..bank(n, st.clone(), lim.clone(), None)
        })
        .collect();
    let mut sc = poisson_scenario("little", 2.0, DAY, banks[0].clone());
    sc.banks = banks.clone();
    let runs = runs(&sc, reps, seed);
    banks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            // Ratio L / (λ·E[S]) per replication; theory 1.
            let ratios: Vec<f64> = runs
                .iter()
                .map(|r| {
                    let s = r.summary(Some(i));
                    let lambda = s.tally.admitted as f64 / r.window.as_secs_f64();
                    s.mean_in_flight / (lambda * b.service_time.mean_secs())
                })
                .collect();
            let (m, h) = mean_ci999(&ratios);
            // Calls still in progress when the window closes lose their remaining time from
            // L: on average their mean residual service E[S²]/(2·E[S]) out of the window.
            let st = &b.service_time;
            let edge = st.second_moment_secs2() / (2.0 * st.mean_secs() * DAY.as_secs_f64());
            Check::new(
                format!("Little's law: L / (λ·E[S]), bank {}", b.name),
                m,
                1.0,
                h + edge,
                format!(
                    "{} plus the window-end residual E[S²]/(2·E[S]·T)",
                    ci_basis(reps)
                ),
            )
        })
        .collect()
}

/// Token bucket under 3× overload: exact interval bounds and the long-run rate.
pub fn token_bucket_checks(reps: u32, seed: u64) -> Vec<Check> {
    let (rate, burst) = (2.0, 20u32);
    let b = bank(
        "bucket",
        ServiceTime::constant(SimDuration::from_millis(1)),
        vec![Limit::TokenBucket(TokenBucket::new(rate, burst))],
        None,
    );
    let sc = poisson_scenario("token-bucket", 3.0 * rate, DAY, b);
    let runs = runs(&sc, reps, seed);
    let mut out = Vec::new();
    // Admissions per minute, worst over every run of k consecutive minutes.
    for k in [1usize, 10, 60] {
        let worst = runs
            .iter()
            .map(|r| {
                let per_min: Vec<u64> =
                    r.series.minutes.iter().map(|m| m.admitted as u64).collect();
                per_min
                    .windows(k)
                    .map(|w| w.iter().sum::<u64>())
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        out.push(Check::at_most(
            format!("token bucket: most admitted in {k} min (rate {rate}/s, burst {burst})"),
            worst as f64,
            burst as f64 + rate * 60.0 * k as f64,
            "exact bound burst + rate·T",
        ));
    }
    // Exact check on call times: the policy alone under Poisson overload.
    let worst_excess = policy_worst_excess(rate, burst, seed);
    out.push(Check::at_most(
        "token bucket: max over all intervals of admitted − (burst + rate·T)".into(),
        worst_excess,
        0.0,
        "exact, every pair of admission times",
    ));
    let rates: Vec<f64> = runs
        .iter()
        .map(|r| r.total().admitted as f64 / r.window.as_secs_f64())
        .collect();
    let (m, h) = mean_ci999(&rates);
    // The bucket starts full, so the window may hold up to `burst` calls beyond rate·T.
    let edge = burst as f64 / DAY.as_secs_f64();
    out.push(Check::new(
        format!("token bucket: long-run admitted rate under 3× overload (per s), burst {burst}"),
        m,
        rate,
        h + edge,
        format!("{} plus burst/T", ci_basis(reps)),
    ));
    out
}

/// Drives a token bucket with Poisson arrivals at 3× its rate for an hour and returns the
/// largest `admitted(interval) − (burst + rate·length)` over all intervals between
/// admissions (must be ≤ 0).
fn policy_worst_excess(rate: f64, burst: u32, seed: u64) -> f64 {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let gap = Exp::new(3.0 * rate).expect("rate > 0");
    let mut tb = TokenBucket::new(rate, burst);
    let mut t = 0.0;
    let mut admitted = Vec::new();
    while t < 3_600.0 {
        t += gap.sample(&mut rng);
        let now = SimTime((t * 1e6) as u64);
        if tb.check(now).is_ok() {
            tb.admit(now);
            admitted.push(now.as_secs_f64());
        }
    }
    let mut worst = f64::NEG_INFINITY;
    for i in 0..admitted.len() {
        for j in i..admitted.len() {
            let count = (j - i + 1) as f64;
            let bound = burst as f64 + rate * (admitted[j] - admitted[i]);
            worst = worst.max(count - bound);
        }
    }
    worst
}

/// Fixed vs sliding window against calls bunched at window edges.
pub fn window_checks() -> Vec<Check> {
    let n = 50u32;
    let w = SimDuration::from_secs(10);
    // Ten windows; in each, 2n calls in the last 100 ms and 2n in the first 100 ms after.
    let mut times = Vec::new();
    for k in 1..=10u64 {
        let edge = k * w.as_micros();
        for i in 0..2 * n as u64 {
            times.push(SimTime(edge - 100_000 + i * 1_000));
            times.push(SimTime(edge + i * 1_000));
        }
    }
    times.sort_unstable();
    let worst = |mut admit: Box<dyn FnMut(SimTime) -> bool>| -> u32 {
        let admitted: Vec<SimTime> = times.iter().copied().filter(|&t| admit(t)).collect();
        // Most admissions in any half-open interval [t, t + w).
        let (mut best, mut lo) = (0, 0);
        for hi in 0..admitted.len() {
            while admitted[hi].0 - admitted[lo].0 >= w.as_micros() {
                lo += 1;
            }
            best = best.max(hi - lo + 1);
        }
        best as u32
    };
    let mut fixed = FixedWindow::new(n, w);
    let fixed_worst = worst(Box::new(move |t| {
        let ok = fixed.check(t).is_ok();
        if ok {
            fixed.admit(t)
        }
        ok
    }));
    let mut sliding = SlidingWindow::new(n, w);
    let sliding_worst = worst(Box::new(move |t| {
        let ok = sliding.check(t).is_ok();
        if ok {
            sliding.admit(t)
        }
        ok
    }));
    vec![
        Check::new(
            format!("fixed window: most admitted in any {w} (N = {n})"),
            fixed_worst as f64,
            2.0 * n as f64,
            0.0,
            "exact: N before and N after a boundary".into(),
        ),
        Check::at_most(
            format!("sliding window: most admitted in any {w} (N = {n})"),
            sliding_worst as f64,
            n as f64,
            "exact bound N",
        ),
    ]
}

/// One row of the contention experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentionRow {
    pub mode: String,
    pub calls: u64,
    pub completion_secs: f64,
    pub succeeded: u64,
    pub clients: u32,
}

/// AWS-style contention (see docs/sources.md): `clients` refreshes all start at once against a
/// bank that serves 2 at a time (1 s each) and rejects the rest; every client retries until
/// it succeeds. Compares no backoff (a fixed 50 ms), exponential backoff without jitter, and
/// full, equal and decorrelated jitter: total calls, and the time until the last success.
pub fn contention(clients: u32, seed: u64) -> Vec<ContentionRow> {
    let b = bank(
        "contended",
        ServiceTime::constant(SimDuration::from_secs(1)),
        vec![Limit::Concurrency(ConcurrencyCap::new(2))],
        None,
    );
    let mut sc = poisson_scenario("contention", 1.0, DAY, b);
    sc.connections = clients;
    sc.strategy = Strategy::Bulk;
    sc.banks[0].retry_after = RetryAfter::None;
    let policy = |jitter: Jitter, base: SimDuration, cap: SimDuration| RetryPolicy {
        max_attempts: u32::MAX,
        base,
        cap,
        jitter,
        honour_retry_after: false,
        retry_after_jitter: SimDuration::ZERO,
        hold_slot: true,
        on_rate_limited: true,
        on_error: true,
    };
    let (base, cap) = (SimDuration::from_millis(100), SimDuration::from_secs(60));
    let modes = [
        (
            "no backoff (fixed 50 ms)",
            policy(
                Jitter::None,
                SimDuration::from_millis(50),
                SimDuration::from_millis(50),
            ),
        ),
        ("exponential, no jitter", policy(Jitter::None, base, cap)),
        ("full jitter", policy(Jitter::Full, base, cap)),
        ("equal jitter", policy(Jitter::Equal, base, cap)),
        (
            "decorrelated jitter",
            policy(Jitter::Decorrelated, base, cap),
        ),
    ];
    modes
        .iter()
        .map(|(name, p)| {
            let mut s = sc.clone();
            s.retry = *p;
            let r = sim::run(&s, seed);
            let t = r.total();
            ContentionRow {
                mode: name.to_string(),
                calls: t.attempts,
                completion_secs: r.last_success.map(|x| x.as_secs_f64()).unwrap_or(f64::NAN),
                succeeded: t.refreshed,
                clients,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_formulas_match_known_values() {
        // Tabulated values: B(1, 1) = 0.5; B(5, 3) ≈ 0.1101; C(2, 1) = 1/3.
        assert!((erlang_b(1, 1.0) - 0.5).abs() < 1e-12);
        assert!((erlang_b(5, 3.0) - 0.110_054).abs() < 1e-5);
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/M/1: P(wait) = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn window_checks_pass_exactly() {
        for c in window_checks() {
            assert!(c.pass, "{c:?}");
        }
    }
}
