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
    let fit = limits::fit(&calls, &|_| 0.0, 1);
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
    let fit = limits::fit(&calls, &|_| 0.0, 1);
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
    let (bucket, rate) = bucket(&text, &text);
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

/// A CDR data holder (5 calls a second, burst 10, from 06:00; 50 a second at night) whose
/// refreshes make 8 calls each, under a queue that only its day's bucket throttles (a
/// trial's log): with `--calls-per-refresh 8` the bucket and its hours come back exactly,
/// and the fitted scenario fails and covers as the true one did (its warm-up the log's pass
/// and a day, the pass over two days); without it, no bucket of
/// whole refreshes (a burst of one refresh at 1.4 a second claimed every 429) explains
/// them all.
#[test]
fn a_bucket_counting_the_calls_of_a_refresh_is_fitted_in_calls() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.toml");
    std::fs::write(
        &truth,
        "name = \"cdr\"\nseed = 5\n[window]\nlength = \"2d\"\n\
         [population]\nconnections = 150000\n[platform]\npoll_interval = \"10s\"\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 16\n\
         [[banks]]\nname = \"holder\"\nshare = 1.0\npreset = \"cdr-au\"\ncalls_per_refresh = 8\n",
    )
    .unwrap();
    let log = dir.path().join("log.csv");
    let truth_row = run_all_row(
        dir.path(),
        &truth,
        &["--attempt-log", log.to_str().unwrap()],
    );
    assert!(truth_row["failure_rate"] > 0.1, "{truth_row:?}");
    let fitted = dir.path().join("fitted.toml");
    let fit = |extra: &[&str]| {
        let args = [
            &["fit", log.to_str().unwrap(), "--poll-interval", "10s"],
            extra,
        ]
        .concat();
        String::from_utf8(succeed(Command::new(BIN).args(args)).stdout).unwrap()
    };
    // Without the calls, the bucket explains less and says what would help.
    let plain = fit(&[]);
    let line = (plain.lines())
        .find(|l| l.contains("kind = \"token_bucket\""))
        .unwrap_or_else(|| panic!("{plain}"));
    let counts: Vec<f64> = line
        .split("explains ")
        .nth(1)
        .unwrap()
        .split(" 429s")
        .next()
        .unwrap()
        .split(" of the ")
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(counts[0] < 0.98 * counts[1], "{line}");
    assert!(
        line.contains("fit again with --calls-per-refresh"),
        "{line}"
    );
    let out = fit(&[
        "--calls-per-refresh",
        "8",
        "--out",
        fitted.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(text.contains("calls_per_refresh = 8"), "{text}");
    // Its queue came round to every connection in about two days, not one: the warm-up a
    // run needs before every connection has data is that and a day.
    assert!(
        text.contains(
            "warmup = \"3d\"  # the log's client came round to every connection in about 2."
        ),
        "{text}"
    );
    let (bucket, rate) = bucket(&text, &out);
    assert!(
        (rate - 5.0).abs() < 0.05
            && bucket.contains("burst = 10, during = [\"06:00\", \"24:00\"]")
            && bucket.contains("high confidence"),
        "{bucket}"
    );
    // The rate outside the band is what the log could not tell, said as such.
    assert!(
        out.contains("rate limit outside 06:00–24:00: not identifiable"),
        "{out}"
    );
    let fitted_row = run_all_row(dir.path(), &fitted, &["--set", "window.warmup=0s"]);
    for m in ["failure_rate", "coverage"] {
        assert!(
            (fitted_row[m] - truth_row[m]).abs() < 0.01,
            "{m}: {} vs {}",
            fitted_row[m],
            truth_row[m]
        );
    }
}

/// The fitted file `text`'s first token bucket line and its rate (failing with `context`).
fn bucket<'a>(text: &'a str, context: &str) -> (&'a str, f64) {
    let line = (text.lines())
        .find(|l| l.contains("kind = \"token_bucket\""))
        .unwrap_or_else(|| panic!("{context}"));
    let rate = line
        .split("rate = ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    (line, rate.parse().unwrap())
}

/// The same holder with customers in the app (the preset's thresholds count the unattended
/// calls only): a bucket of every call must let the customers' calls through and explains
/// none of the background's 429s, and a trial's log of one was fitted a concurrency cap of
/// 2 that its night contradicted. Fitted on the unattended calls alone, the bucket, its
/// hours and its scope come back, and the fitted scenario fails as the true one did.
#[test]
fn a_bucket_counting_unattended_calls_only_is_fitted_so() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.toml");
    std::fs::write(
        &truth,
        "name = \"cdr\"\nseed = 5\n[window]\nlength = \"2d\"\n\
         [population]\nconnections = 150000\n[platform]\npoll_interval = \"10s\"\n\
         [strategy]\nkind = \"queued\"\nconcurrency = 16\n\
         [on_demand]\nper_connection = 1.0\nactive_share = 0.4\n\
         [[banks]]\nname = \"holder\"\nshare = 1.0\npreset = \"cdr-au\"\ncalls_per_refresh = 8\n",
    )
    .unwrap();
    let log = dir.path().join("log.csv");
    let args = ["--attempt-log", log.to_str().unwrap()];
    let truth_row = run_all_row(dir.path(), &truth, &args);
    assert!(truth_row["failure_rate"] > 0.05, "{truth_row:?}");
    let fitted = dir.path().join("fitted.toml");
    let (log, out) = (log.to_str().unwrap(), fitted.to_str().unwrap());
    let args = [
        "fit",
        log,
        "--poll-interval",
        "10s",
        "--calls-per-refresh",
        "8",
    ];
    let out = succeed(Command::new(BIN).args(args).args(["--out", out])).stdout;
    let out = String::from_utf8(out).unwrap();
    let text = std::fs::read_to_string(&fitted).unwrap();
    let (bucket, rate) = bucket(&text, &out);
    assert!(
        (rate - 5.0).abs() < 0.05
            && bucket.contains(
                "burst = 10, during = [\"06:00\", \"24:00\"], applies_to = \"unattended\""
            )
            && bucket.contains("counting the unattended calls only"),
        "{bucket}"
    );
    assert!(!text.contains("kind = \"concurrency\""), "{text}");
    // The same wall-clock times logged at +10:00 read on the log's own clock: the same
    // bucket and band; read in UTC (--utc), the band runs 20:00–14:00, across midnight.
    let sydney = dir.path().join("sydney.csv");
    let logged = std::fs::read_to_string(log).unwrap().replace('Z', "+10:00");
    std::fs::write(&sydney, logged).unwrap();
    let refit = |utc: &[&str]| {
        let args = ["fit", sydney.to_str().unwrap(), "--poll-interval", "10s"];
        let o = succeed(
            Command::new(BIN)
                .args(args)
                .args(["--calls-per-refresh", "8"])
                .args(utc),
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let local = refit(&[]);
    assert!(
        local.contains("\nclock: the log's own, UTC+10:00"),
        "{local}"
    );
    let policy = bucket.trim_start();
    assert!(
        local.contains(&policy[..policy.find(" }").unwrap()]),
        "{local}"
    );
    let utc = refit(&["--utc"]);
    assert!(
        utc.contains("\nclock: UTC (--utc), not the log's own UTC+10:00"),
        "{utc}"
    );
    assert!(!utc.contains("during = [\"06:00\", \"24:00\"]"), "{utc}");
    let fitted_row = run_all_row(dir.path(), &fitted, &["--set", "window.warmup=0s"]);
    let m = "failure_rate";
    assert!(
        (fitted_row[m] - truth_row[m]).abs() < 0.02,
        "{m}: {} vs {}",
        fitted_row[m],
        truth_row[m]
    );
}
