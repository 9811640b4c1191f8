//! Property tests of the rate-limit policies' guarantees (src/bank/*.rs): random parameters,
//! random call times, and the invariant each policy's module doc promises, checked on every
//! admitted call.
//!
//! The unit tests pin a few hand-picked sequences; these search for the sequence that breaks
//! a guarantee: bursts of calls at one instant, calls microseconds apart that land exactly on
//! a window's or bucket's boundary, and idle gaps long enough to refill or reset a policy.
//! Every call goes through `check` and, if admitted, `admit`, as `Bank::try_admit` drives them.
//!
//! Regressions: a failing case's seed is saved to `proptest-regressions/properties.txt` (at
//! the crate root, set by `config` below rather than proptest's default, which for a file
//! outside `src/` would put it beside this one), and re-run first on every later run. That
//! file is committed, so a failure found once, anywhere, is tried by everyone and by CI.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, TestRunner};
use refresh_sim::bank::{
    Bank, ConcurrencyCap, FixedWindow, Limit, Quota, QuotaPeriod, RetryAfter, ServiceTime,
    SlidingWindow, TokenBucket,
};
use refresh_sim::time::{SimDuration, SimTime};
use std::collections::HashMap;

/// A day in microseconds: the quota's period.
const DAY: u64 = 86_400_000_000;
/// An hour in microseconds.
const HOUR: u64 = 3_600_000_000;

/// Cases per property, and where failures are kept. Each case is a few hundred calls on one
/// policy (microseconds in release), so thousands of cases cost little and find the rare
/// exact-boundary sequences that a hundred would miss.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 4096,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// The gap before a call, around a policy's own time scale `s` (µs): zero (a burst at one
/// instant), a few microseconds (to land exactly on a boundary one call just missed), `s`
/// give or take three microseconds (one period after the previous call, just on either side
/// of its boundary), whole quarters of `s` (to land on `k·s` exactly), anywhere up to `2s`,
/// or an idle spell.
fn gap(s: u64) -> impl Strategy<Value = u64> {
    let s = s.max(1);
    prop_oneof![
        3 => Just(0u64),
        2 => 1u64..=3,
        2 => s.saturating_sub(3)..=s + 3,
        2 => (1u64..=8).prop_map(move |k| k * s / 4),
        4 => 0..=2 * s,
        1 => 10 * s..=1000 * s,
    ]
}

/// Sorted call times (µs) for a policy of time scale `s`: a start that is sometimes aligned
/// to a quarter of `s` (windows are aligned to time 0), then `calls` gaps.
fn call_times(s: u64, calls: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u64>> {
    let s = s.max(1);
    let start = prop_oneof![0..=4 * s, (0u64..=16).prop_map(move |k| k * s / 4)];
    (start, vec(gap(s), calls)).prop_map(|(start, gaps)| {
        gaps.into_iter()
            .scan(start, |t, g| {
                *t += g;
                Some(*t)
            })
            .collect()
    })
}

/// A window length (µs): often a handful of microseconds, so that random gaps hit its exact
/// boundaries, otherwise up to ten seconds.
fn window() -> impl Strategy<Value = u64> {
    prop_oneof![1u64..=20, 20u64..=10_000_000]
}

/// A token bucket's rate (calls per second): log-uniform over seven decades, or a whole
/// number of calls per second (an emission interval of whole microseconds, whose boundaries
/// the microsecond call times can hit exactly).
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-2.0f64..5.0).prop_map(|e| 10f64.powf(e)),
        (1u32..=1000).prop_map(f64::from),
    ]
}

/// Offers each call in turn and returns the times of those admitted.
fn admitted(times: &[u64], mut offer: impl FnMut(SimTime) -> bool) -> Vec<u64> {
    times
        .iter()
        .copied()
        .filter(|&t| offer(SimTime(t)))
        .collect()
}

/// No `n + 1` of the sorted `admitted` times fall in one half-open trailing window
/// `(t − w, t]`: any `n + 1` consecutive admissions span at least `w`.
fn at_most_n_in_any_trailing_window(admitted: &[u64], n: u32, w: u64) -> Result<(), String> {
    let n = n as usize;
    for j in n..admitted.len() {
        let span = admitted[j] - admitted[j - n];
        if span < w {
            return Err(format!(
                "{} admissions within {span} µs < window {w} µs, ending at {}: {:?}",
                n + 1,
                admitted[j],
                &admitted[j - n..=j]
            ));
        }
    }
    Ok(())
}

/// No aligned window `[k·w, (k+1)·w)` holds more than `n` of the `admitted` times.
fn at_most_n_per_aligned_window(admitted: &[u64], n: u32, w: u64) -> Result<(), String> {
    let mut per_window: HashMap<u64, u32> = HashMap::new();
    for &t in admitted {
        let count = per_window.entry(t / w).or_default();
        *count += 1;
        if *count > n {
            return Err(format!(
                "{count} admissions in window {} (of {w} µs)",
                t / w
            ));
        }
    }
    Ok(())
}

/// The emission interval (ns) the bucket realises, recovered exactly from its rate: `1e9 / I`
/// round-trips to the integer `I` for any `I` far below 2⁵⁰ ns.
fn emission_ns(tb: &TokenBucket) -> u64 {
    (1e9 / tb.rate()).round() as u64
}

/// Every pair of admissions `i < j` obeys `j − i + 1 ≤ burst + rate·(t_j − t_i)`, in exact
/// integers: `(count − burst)·I ≤ (t_j − t_i)·1000` with `I` the emission interval in ns.
fn within_burst_plus_rate(admitted: &[u64], burst: u64, emission: u64) -> Result<(), String> {
    for j in 0..admitted.len() {
        for i in 0..=j {
            let count = (j - i + 1) as u64;
            let span_ns = (admitted[j] - admitted[i]) * 1_000;
            if count > burst && (count - burst) * emission > span_ns {
                return Err(format!(
                    "{count} admissions in {span_ns} ns from {} µs; burst {burst}, \
                     interval {emission} ns",
                    admitted[i]
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Token bucket: at most `burst + rate·T` calls in any interval of length `T`, with the
    /// rate the bucket realises (its interval rounded up to a whole nanosecond, never faster
    /// than nominal, which the test also checks, so the nominal bound holds a fortiori).
    #[test]
    fn token_bucket_admits_at_most_burst_plus_rate_times_t(
        (rate, burst, times) in (rate(), 1u32..=20).prop_flat_map(|(rate, burst)| {
            let scale = (1e6 / rate).ceil() as u64;
            (Just(rate), Just(burst), call_times(scale, 1..200))
        })
    ) {
        let mut tb = TokenBucket::new(rate, burst);
        let (emission, realised_burst) = (emission_ns(&tb), tb.burst());
        prop_assert_eq!(realised_burst, u64::from(burst));
        prop_assert!(emission as f64 * rate >= 1e9 * (1.0 - 1e-12), "faster than nominal");
        let got = admitted(&times, |t| {
            let ok = tb.check(t).is_ok();
            if ok {
                tb.admit(t);
            }
            ok
        });
        prop_assert_eq!(got.first(), times.first(), "a fresh bucket admits its first call");
        within_burst_plus_rate(&got, realised_burst, emission).map_err(TestCaseError::fail)?;
    }

    /// Fixed window: at most `limit` calls in each window `[k·W, (k+1)·W)` aligned to time 0.
    #[test]
    fn fixed_window_admits_at_most_limit_per_aligned_window(
        (limit, w, times) in (1u32..=10, window()).prop_flat_map(|(limit, w)| {
            (Just(limit), Just(w), call_times(w, 1..200))
        })
    ) {
        let mut fw = FixedWindow::new(limit, SimDuration(w));
        let got = admitted(&times, |t| {
            let ok = fw.check(t).is_ok();
            if ok {
                fw.admit(t);
            }
            ok
        });
        prop_assert_eq!(got.first(), times.first(), "a fresh window admits its first call");
        at_most_n_per_aligned_window(&got, limit, w).map_err(TestCaseError::fail)?;
    }

    /// Sliding window: at most `limit` calls in any trailing window `(t − W, t]`, half-open as
    /// sliding_window.rs defines it (a call exactly `W` after the oldest counted one passes).
    #[test]
    fn sliding_window_admits_at_most_limit_in_any_trailing_window(
        (limit, w, times) in (1u32..=10, window()).prop_flat_map(|(limit, w)| {
            (Just(limit), Just(w), call_times(w, 1..200))
        })
    ) {
        let mut sw = SlidingWindow::new(limit, SimDuration(w));
        let got = admitted(&times, |t| {
            let ok = sw.check(t).is_ok();
            if ok {
                sw.admit(t);
            }
            ok
        });
        prop_assert_eq!(got.first(), times.first(), "a fresh window admits its first call");
        at_most_n_in_any_trailing_window(&got, limit, w).map_err(TestCaseError::fail)?;
    }

    /// Concurrency cap: never more than `c` calls in flight, whatever the interleaving of new
    /// calls (`true`) and ends of admitted ones (`false`); and a call finds room whenever
    /// fewer than `c` are in flight, so the cap is not met by refusing everything.
    #[test]
    fn concurrency_cap_never_exceeds_its_cap(
        c in 1u32..=8,
        steps in vec(prop::bool::weighted(0.6), 1..300),
    ) {
        let mut cap = ConcurrencyCap::new(c);
        let mut in_flight = 0u32;
        for offer in steps {
            if offer {
                let ok = cap.check().is_ok();
                prop_assert_eq!(ok, in_flight < c, "{} in flight of {}", in_flight, c);
                if ok {
                    cap.admit();
                    in_flight += 1;
                }
            } else if in_flight > 0 {
                cap.release();
                in_flight -= 1;
            }
            prop_assert!(in_flight <= c);
        }
    }

    /// Quota: at most `k` calls per connection in any rolling 24 h `(t − 24 h, t]` (Rolling)
    /// or per calendar day (CalendarDay), each connection counted apart.
    #[test]
    fn quota_admits_at_most_k_per_connection_per_period(
        k in 1u32..=6,
        rolling in any::<bool>(),
        (connections, calls) in (1u32..=4).prop_flat_map(|n| {
            (Just(n), call_times(DAY, 1..200).prop_flat_map(move |times| {
                let len = times.len();
                (Just(times), vec(0..n, len))
            }))
        }),
    ) {
        let period = if rolling { QuotaPeriod::Rolling } else { QuotaPeriod::CalendarDay };
        let mut quota = Quota::new(k, period);
        quota.prepare(connections);
        let (times, conns) = calls;
        let mut per_conn: Vec<Vec<u64>> = vec![Vec::new(); connections as usize];
        for (&t, &conn) in times.iter().zip(&conns) {
            if quota.check(SimTime(t), conn).is_ok() {
                quota.admit(SimTime(t), conn);
                per_conn[conn as usize].push(t);
            }
        }
        for (conn, got) in per_conn.iter().enumerate() {
            let verdict = if rolling {
                at_most_n_in_any_trailing_window(got, k, DAY)
            } else {
                at_most_n_per_aligned_window(got, k, DAY)
            };
            verdict.map_err(|e| TestCaseError::fail(format!("connection {conn}: {e}")))?;
        }
    }
}

/// One step of a bank's traffic: a call after `gap` µs from connection `conn` (customer
/// present or not), or the end of the oldest call still in flight.
#[derive(Clone, Debug)]
enum Step {
    Call { gap: u64, conn: u32, present: bool },
    Release,
}

/// A tight policy (limits of 1 to 3, so that rejections are frequent) of any kind but the
/// penalty box, which by design changes on a rejection.
fn tight_limit() -> impl Strategy<Value = Limit> {
    let ms = |lo: u64, hi: u64| (lo * 1_000..=hi * 1_000).prop_map(SimDuration);
    prop_oneof![
        (1u32..=3).prop_map(|c| Limit::Concurrency(ConcurrencyCap::new(c))),
        (rate(), 1u32..=3).prop_map(|(r, b)| Limit::TokenBucket(TokenBucket::new(r, b))),
        // A bucket for one kind of call (customer-present or unattended) only.
        (rate(), 1u32..=3, any::<bool>()).prop_map(|(r, b, present)| {
            Limit::only(present, Limit::TokenBucket(TokenBucket::new(r, b)))
        }),
        (1u32..=3, ms(1, 10_000)).prop_map(|(n, w)| Limit::FixedWindow(FixedWindow::new(n, w))),
        (1u32..=3, ms(1, 10_000)).prop_map(|(n, w)| Limit::SlidingWindow(SlidingWindow::new(n, w))),
        (1u32..=3, any::<bool>()).prop_map(|(k, rolling)| {
            let period = if rolling {
                QuotaPeriod::Rolling
            } else {
                QuotaPeriod::CalendarDay
            };
            Limit::Quota(Quota::new(k, period))
        }),
    ]
}

/// A bank's traffic over `connections` connections: mostly calls, gaps from a burst at one
/// instant to hours (so windows reset, buckets refill and quotas roll over mid-run).
fn steps(connections: u32) -> impl Strategy<Value = Vec<Step>> {
    let gap = prop_oneof![
        3 => Just(0u64),
        3 => 0u64..=2_000_000,
        1 => 0u64..=6 * HOUR,
    ];
    let call = (gap, 0..connections, prop::bool::weighted(0.2))
        .prop_map(|(gap, conn, present)| Step::Call { gap, conn, present });
    vec(prop_oneof![3 => call, 1 => Just(Step::Release)], 1..200)
}

/// A bank with `limits` and nothing else that could refuse a call.
fn bank(limits: Vec<Limit>, connections: u32) -> Bank {
    let mut bank = Bank {
        name: "b".into(),
        description: String::new(),
        share: 1.0,
        service_time: ServiceTime::constant(SimDuration::from_secs(1)),
        error_rate: 0.0,
        limits,
        servers: None,
        retry_after: RetryAfter::Policy,
        calls_per_refresh: 1,
        tested: Default::default(),
    };
    bank.prepare(connections);
    bank
}

/// A bank of 2 or 3 tight limits over 1 to 3 connections, and its traffic.
fn bank_case() -> impl Strategy<Value = (Vec<Limit>, u32, Vec<Step>)> {
    (vec(tight_limit(), 2..=3), 1u32..=3)
        .prop_flat_map(|(limits, n)| (Just(limits), Just(n), steps(n)))
}

/// Runs `steps` through a bank of `limits`, failing if a refused call changed any limit's
/// state or was told to wait longer than `Bank::longest_retry_after` (the planner's test of
/// whether pausing can matter; for the policies generated here: caps, buckets, windows and
/// quotas); returns how many calls were refused.
fn refusals_change_nothing(
    limits: Vec<Limit>,
    connections: u32,
    steps: Vec<Step>,
) -> Result<u32, TestCaseError> {
    let mut bank = bank(limits, connections);
    let (mut now, mut in_flight, mut refused) = (0u64, 0u32, 0u32);
    for step in steps {
        match step {
            Step::Call { gap, conn, present } => {
                now += gap;
                let before = bank.limits.clone();
                match bank.try_admit(SimTime(now), conn, present) {
                    Ok(()) => in_flight += 1,
                    Err(r) => {
                        refused += 1;
                        prop_assert_eq!(&bank.limits, &before, "refusal {} at {} µs", refused, now);
                        let wait = r.retry_at.map_or(0, |at| at.as_micros() - now);
                        prop_assert!(
                            wait <= bank.longest_retry_after().as_micros(),
                            "told to wait {} µs at {} µs, longer than the bank's longest",
                            wait,
                            now
                        );
                    }
                }
            }
            Step::Release if in_flight > 0 => {
                bank.release();
                in_flight -= 1;
            }
            Step::Release => {}
        }
    }
    Ok(refused)
}

proptest! {
    #![proptest_config(config())]

    /// A policy admits the calls it does not count and keeps no trace of them (a quota a
    /// customer-present call; a bucket for one kind of call the other): `Limit::counts` and
    /// each policy's own dispatch agree. The other calls run as usual in between.
    #[test]
    fn a_policy_ignores_the_calls_it_does_not_count(
        (limit, connections, steps) in (tight_limit(), 1u32..=3)
            .prop_flat_map(|(l, n)| (Just(l), Just(n), steps(n)))
    ) {
        let mut bank = bank(vec![limit.clone()], connections);
        let (mut now, mut in_flight) = (0u64, 0u32);
        for step in steps {
            match step {
                Step::Call { gap, conn, present } => {
                    now += gap;
                    let before = bank.limits.clone();
                    let admitted = bank.try_admit(SimTime(now), conn, present).is_ok();
                    if !limit.counts(present) {
                        prop_assert!(admitted, "refused a call it does not count at {} µs", now);
                        prop_assert_eq!(&bank.limits, &before);
                    }
                    in_flight += admitted as u32;
                }
                Step::Release if in_flight > 0 => {
                    bank.release();
                    in_flight -= 1;
                }
                Step::Release => {}
            }
        }
    }

    /// A rejection consumes nothing: when one of a bank's stacked limits refuses a call, every
    /// limit's state (tokens, window counts, quota slots, calls in flight) is as it was, so
    /// a refused call never lowers what the next one can get. And its Retry-After is within
    /// the bank's longest.
    #[test]
    fn a_rejected_call_leaves_every_limit_unchanged(
        (limits, connections, steps) in bank_case()
    ) {
        refusals_change_nothing(limits, connections, steps)?;
    }
}

/// The property above says something only about refused calls, so the generated banks must
/// refuse often: nine cases in ten (from a fixed seed; 98% when written) hold a refusal.
#[test]
fn most_generated_banks_refuse_some_call() {
    let mut runner = TestRunner::deterministic();
    let strategy = bank_case();
    let cases = 512;
    let with_refusal = (0..cases)
        .filter(|_| {
            let (limits, connections, steps) = strategy.new_tree(&mut runner).unwrap().current();
            refusals_change_nothing(limits, connections, steps).unwrap() > 0
        })
        .count();
    assert!(with_refusal * 10 >= cases * 9, "{with_refusal} of {cases}");
}
