//! The limits fit on the cases a planner's trial found wrong: a bank whose 429s come from a
//! penalty box (refusing at any load, its Retry-After counting down to its end) was fitted a
//! concurrency cap of 1 that its own admissions rule out, or no limit at all. Each test
//! fails without its part of the fix.

mod common;

use common::{run_all_row, succeed};
use refresh_sim::fit::limits::{self, Call, Policy};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");
const SEC: i64 = 1_000_000;

/// One admission a second, each call lasting 3.2 s (ends exact, as under callbacks), so
/// three calls are certainly in flight at every admission; and ten 429s a second at no
/// particular load. No cap of 3 or less admits those calls: the cap fitted is above, however
/// many 429s a low cap would explain.
#[test]
fn no_cap_at_or_below_the_calls_certainly_in_flight() {
    let mut calls = Vec::new();
    for k in 0..2_000i64 {
        let t = k * SEC;
        calls.push(call(t, Some(t + 3_200_000), None));
        for j in 1..=10 {
            calls.push(call(t + j * 90_000, None, None));
        }
    }
    let fit = limits::fit(&calls, &|_| 0.0);
    for f in &fit.found {
        if let Policy::Concurrency {
            max_in_flight, lo, ..
        } = f.policy
        {
            assert!(max_in_flight >= 4 && lo >= 4, "{:?}", f.policy);
        }
    }
}

/// A box of 120 s reopened, after an idle while, by a burst of four calls (5 s each) whose
/// fifth is refused and closes it again (with a lone call first, some of the times, so that
/// no window fits): the breach fits a cap of 4 exactly as well as a bucket of burst 4, so
/// the fit names both and is not highly confident of either; the box's 429s (one a second,
/// their Retry-After counting down) are the box's.
#[test]
fn a_rival_the_log_cannot_tell_apart_is_named() {
    let mut calls = Vec::new();
    let mut t0 = 0;
    for k in 0..200i64 {
        let idle = (k * 37 % 60) * SEC;
        if idle > 20 * SEC {
            calls.push(call(t0 + idle / 2, Some(t0 + idle / 2 + 5 * SEC), None));
        }
        t0 += idle;
        for j in 0..4 {
            let t = t0 + j * 100_000;
            calls.push(call(t, Some(t + 5 * SEC), None));
        }
        let breach = t0 + 400_000;
        calls.push(call(breach, None, Some(120.0)));
        for s in 1..120 {
            let t = t0 + s * SEC;
            let left = (breach + 120 * SEC - t) as f64 / SEC as f64;
            calls.push(call(t, None, Some(left.ceil())));
        }
        t0 = breach + 120 * SEC;
    }
    let fit = limits::fit(&calls, &|_| 0.0);
    let found: Vec<_> = fit.found.iter().map(|f| (&f.policy, f.explained)).collect();
    assert!(
        matches!(fit.found[0].policy, Policy::PenaltyBox { duration_s: 120 }),
        "{found:?}"
    );
    assert_eq!(fit.found[0].explained, 200 * 119);
    let breach = &fit.found[1];
    let kinds = format!("{:?} {:?}", breach.policy, breach.rivals);
    assert!(
        kinds.contains("Concurrency { max_in_flight: 4")
            && kinds.contains("TokenBucket")
            && breach.confidence != "high",
        "{kinds} {}",
        breach.confidence
    );
}

fn call(t: i64, end: Option<i64>, retry_after: Option<f64>) -> Call {
    Call {
        t,
        end_lo: end.unwrap_or(t),
        end_hi: end.unwrap_or(t),
        admitted: end.is_some(),
        conn: (t / SEC) as u32,
        on_demand: false,
        retry_after,
    }
}

/// The round trip: a bank with a token bucket and a penalty box behind it, under a queued
/// client, logged and fitted. The box's duration is found from its 429s' Retry-After, the
/// bucket from the breaches, and the fitted scenario's client then fails about as often as
/// the true one, over four seeds (a box's closures make one day's failures vary by ten
/// points); a fit without the box had no limit and failed a hundredth as often.
#[test]
fn a_penalty_box_and_the_bucket_behind_it_are_fitted() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.toml");
    std::fs::write(
        &truth,
        "name = \"boxed\"\nseed = 3\n[window]\nlength = \"1d\"\n\
         [population]\nconnections = 15000\n[platform]\npoll_interval = \"10s\"\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 30\n\
         [[banks]]\nname = \"boxbank\"\nshare = 0.5\npreset = \"penalty-box\"\n\
         [[banks]]\nname = \"plain\"\nshare = 0.5\nerror_rate = 0.005\n\
         service_time = { dist = \"lognormal\", median = \"5s\", p95 = \"16s\" }\n",
    )
    .unwrap();
    let log = dir.path().join("log.csv");
    run_all_row(
        dir.path(),
        &truth,
        &["--attempt-log", log.to_str().unwrap()],
    );
    let fitted = dir.path().join("fitted.toml");
    succeed(Command::new(BIN).args([
        "fit",
        log.to_str().unwrap(),
        "--out",
        fitted.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&fitted).unwrap();
    let sc = refresh_sim::scenario::parse(&text, "fitted", "f", &[]).unwrap();
    // The description says what is not fitted, for `plan` to repeat.
    let d = &sc.description;
    assert!(
        d.starts_with(refresh_sim::fit::FITTED_FROM) && d.contains("not fitted"),
        "{d}"
    );
    let limits = format!("{:?}", sc.banks[0].limits);
    assert!(limits.contains("PenaltyBox"), "{limits}");
    assert!(
        text.contains("{ kind = \"penalty_box\", duration = \"120s\" }"),
        "{text}"
    );
    let bucket = text
        .lines()
        .find(|l| l.contains("kind = \"token_bucket\""))
        .unwrap_or_else(|| panic!("{text}"));
    let rate: f64 = bucket
        .split("rate = ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        bucket.contains("burst = 5") && (rate / 2.0 - 1.0).abs() < 0.02,
        "{bucket}"
    );
    let client = [
        "--set",
        "strategy.kind=queued",
        "--set",
        "strategy.concurrency=30",
    ];
    let mean = |sc: &Path| {
        let f = |s: &str| {
            run_all_row(dir.path(), sc, &[&client[..], &["--seed", s]].concat())["failure_rate"]
        };
        ["1", "2", "3", "4"].iter().map(|s| f(s)).sum::<f64>() / 4.0
    };
    let (true_failure, fitted_failure) = (mean(&truth), mean(&fitted));
    assert!(true_failure > 0.5, "{true_failure}");
    assert!(
        (fitted_failure - true_failure).abs() < 0.05,
        "{fitted_failure} vs {true_failure}"
    );
}
