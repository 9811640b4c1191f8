//! `run --attempt-log` and `fit`: the log accounts for every attempt; banks of known
//! parameters are simulated, their logs written and fitted, and the parameters recovered
//! under callbacks and 5 s and 10 s polling (issue 13's round trip); the fitted banks,
//! simulated again under the same client, give the same coverage and failure rate; messy
//! logs give warnings with counts or errors naming file, line and column.

use refresh_sim::fit::latency::Family;
use refresh_sim::fit::limits::Policy;
use refresh_sim::fit::{self, BankFit, Fit, Hint};
use refresh_sim::output::attempt_log;
use refresh_sim::scenario;
use refresh_sim::sim::{self, Simulation};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// Six banks of known parameters under one client: random offsets every 6 h (four
/// refreshes per connection a day) plus customers' on-demand requests. The last bank's
/// limits are far above what the client sends: never reached.
const ROUND_TRIP: &str = r#"
name = "fit-roundtrip"
seed = 7
[window]
start = "00:00"
length = "2d"
[population]
connections = 40000
[platform]
status = "poll"
poll_interval = "10s"
[on_demand]
per_day = 4000
[strategy]
kind = "random_offset"
period = "6h"
[[banks]]
name = "capped"
share = 0.16
error_rate = 0.01
service_time = { dist = "lognormal", median = "10s", p95 = "30s" }
limits = [{ kind = "concurrency", max_in_flight = 4 }]
retry_after = "none"
[[banks]]
name = "bucket"
share = 0.135
error_rate = 0.005
service_time = { dist = "lognormal", median = "5s", p95 = "15s" }
limits = [{ kind = "token_bucket", rate = 0.2, burst = 10 }]
[[banks]]
name = "window"
share = 0.11
error_rate = 0.005
service_time = { dist = "lognormal", median = "5s", p95 = "15s" }
limits = [{ kind = "fixed_window", limit = 10, window = "1m" }]
[[banks]]
name = "quota"
share = 0.1
error_rate = 0.02
service_time = { dist = "exponential", mean = "6s" }
limits = [{ kind = "quota", k = 3, period = "calendar_day" }]
[[banks]]
name = "stacked"
share = 0.08
error_rate = 0.005
service_time = { dist = "lognormal", median = "15s", p95 = "40s" }
limits = [{ kind = "concurrency", max_in_flight = 3 }, { kind = "token_bucket", rate = 0.1, burst = 3 }]
[[banks]]
name = "never"
share = 0.415
error_rate = 0.003
service_time = { dist = "lognormal", median = "1s", p95 = "2.5s" }
limits = [{ kind = "concurrency", max_in_flight = 50 }, { kind = "token_bucket", rate = 20.0, burst = 40 }]
"#;

/// The banks' true error rates, in file order.
const ERROR_RATES: [(&str, f64); 6] = [
    ("capped", 0.01),
    ("bucket", 0.005),
    ("window", 0.005),
    ("quota", 0.02),
    ("stacked", 0.005),
    ("never", 0.003),
];

fn platform_sets(timing: &str) -> Vec<String> {
    match timing {
        "callback" => vec!["platform.status=callback".into()],
        p => vec![format!("platform.poll_interval={p}")],
    }
}

/// Runs the round-trip scenario under `timing`, writes its attempt log into `dir`, fits it.
fn simulate_and_fit(
    dir: &Path,
    timing: &str,
) -> (sim::AttemptLog, refresh_sim::metrics::RunResult, Fit) {
    let sc = scenario::parse(ROUND_TRIP, "round-trip", "rt", &platform_sets(timing)).unwrap();
    let (result, log) = Simulation::new(&sc, sc.seed)
        .with_attempt_log()
        .run_logged();
    let path = dir.join(format!("{timing}.csv"));
    attempt_log::write(&path, &log, &result.bank_names).unwrap();
    let hint = match timing {
        "callback" => Hint::Callback,
        p => Hint::Poll {
            interval_us: refresh_sim::time::parse_duration(p).unwrap().as_micros() as i64,
        },
    };
    let fitted = fit::fit(
        fit::log::read(&path).unwrap(),
        hint,
        &fit::CallsPerRefresh::all(1),
    )
    .unwrap();
    (log, result, fitted)
}

fn bank<'a>(f: &'a Fit, name: &str) -> &'a BankFit {
    f.banks.iter().find(|b| b.name == name).unwrap()
}

fn within(x: f64, truth: f64, tol: f64) -> bool {
    (x / truth - 1.0).abs() <= tol
}

fn policies(b: &BankFit) -> Vec<&Policy> {
    b.limits.found.iter().map(|f| &f.policy).collect()
}

fn cap_of(b: &BankFit) -> Option<u32> {
    policies(b).into_iter().find_map(|p| match p {
        Policy::Concurrency { max_in_flight, .. } => Some(*max_in_flight),
        _ => None,
    })
}

fn bucket_of(b: &BankFit) -> Option<(f64, u32)> {
    policies(b).into_iter().find_map(|p| match p {
        Policy::TokenBucket { rate, burst, .. } => Some((*rate, *burst)),
        _ => None,
    })
}

/// Runs the scenario `text` on its seed, writes its attempt log and fits it.
fn log_and_fit(text: &str, hint: Hint) -> (refresh_sim::metrics::RunResult, Fit) {
    let sc = scenario::parse(text, "log", "log", &[]).unwrap();
    let (result, log) = Simulation::new(&sc, sc.seed)
        .with_attempt_log()
        .run_logged();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    attempt_log::write(&path, &log, &result.bank_names).unwrap();
    (
        result,
        fit::fit(
            fit::log::read(&path).unwrap(),
            hint,
            &fit::CallsPerRefresh::all(1),
        )
        .unwrap(),
    )
}

/// Median and p95 of a lognormal bank within 10 %, and identified.
fn assert_latency(b: &BankFit, median: f64, p95: f64, timing: &str) {
    let l = &b.latency;
    assert!(l.identified, "{timing} {}: {l:?}", b.name);
    assert!(
        matches!(l.family, Family::LogNormal { .. }),
        "{timing} {}: {l:?}",
        b.name
    );
    assert!(
        within(l.median.value, median, 0.10),
        "{timing} {}: median {:?}",
        b.name,
        l.median
    );
    assert!(
        within(l.p95.value, p95, 0.10),
        "{timing} {}: p95 {:?}",
        b.name,
        l.p95
    );
}

fn assert_limits(f: &Fit, timing: &str) {
    assert_eq!(
        cap_of(bank(f, "capped")),
        Some(4),
        "{timing}: {:?}",
        bank(f, "capped").limits
    );
    let (rate, burst) = bucket_of(bank(f, "bucket")).expect("bucket found");
    assert!(
        within(rate, 0.2, 0.10) && within(burst as f64, 10.0, 0.25),
        "{timing}: {rate} {burst}"
    );
    assert_eq!(
        policies(bank(f, "window")),
        vec![&Policy::FixedWindow {
            limit: 10,
            window_s: 60
        }],
        "{timing}"
    );
    assert_eq!(
        policies(bank(f, "quota")),
        vec![&Policy::Quota {
            k: 3,
            rolling: false
        }],
        "{timing}"
    );
    // Their 429s' Retry-After points to the next window boundary and the next midnight.
    for name in ["window", "quota"] {
        let b = bank(f, name);
        let said = b.policy_retry_after[0].as_deref().unwrap_or("");
        let all = format!("{} pointing to", b.limits.found[0].calls.len());
        assert!(said.contains(&all), "{timing} {name}: {said}");
    }
    let stacked = bank(f, "stacked");
    assert_eq!(cap_of(stacked), Some(3), "{timing}: {:?}", stacked.limits);
    let (rate, burst) = bucket_of(stacked).expect("stacked bucket found");
    assert!(
        within(rate, 0.1, 0.10) && within(burst as f64, 3.0, 0.25),
        "{timing}: {rate} {burst}"
    );
    let never = bank(f, "never");
    assert!(
        never.limits.found.is_empty() && never.rate_limited == 0,
        "{timing}: {:?}",
        never.limits
    );
    assert!(
        never
            .limits
            .not_identified
            .iter()
            .any(|n| n.contains("not identifiable")),
        "{timing}: {:?}",
        never.limits.not_identified
    );
    // The lower bound it states for a cap is one the true cap (50) satisfies.
    let cap_line = &never.limits.not_identified[0];
    let bound: u32 = cap_line
        .split("is at least ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{timing}: no bound in {cap_line}"));
    assert!((1..=50).contains(&bound), "{timing}: {cap_line}");
}

/// Of six 95 % intervals, at most one may miss its true rate (two or more: 3 % by chance).
fn assert_error_rates(f: &Fit, timing: &str) {
    let misses: Vec<_> = ERROR_RATES
        .iter()
        .filter(|(name, p)| {
            let e = bank(f, name).errors;
            !(e.lo <= *p && *p <= e.hi)
        })
        .collect();
    assert!(
        misses.len() <= 1,
        "{timing}: 5xx rates outside their intervals: {misses:?}"
    );
}

#[test]
fn attempt_log_accounts_for_every_attempt_and_is_deterministic() {
    let sc = scenario::parse(ROUND_TRIP, "round-trip", "rt", &[]).unwrap();
    let (result, log) = Simulation::new(&sc, 3).with_attempt_log().run_logged();
    let plain = sim::run(&sc, 3);
    assert_eq!(plain.banks, result.banks, "keeping the log changes nothing");
    let t = result.total();
    assert_eq!(log.rows.len() as u64, t.attempts);
    let count = |o: sim::Outcome| log.rows.iter().filter(|r| r.outcome == o).count() as u64;
    assert_eq!(count(sim::Outcome::Success), t.successes);
    assert_eq!(count(sim::Outcome::RateLimited), t.rate_limited);
    assert_eq!(count(sim::Outcome::Error), t.errors);
    assert!(log
        .rows
        .iter()
        .all(|r| r.learned >= r.submitted && r.learned.as_micros() < u64::MAX));
    assert!(log.rows.iter().any(|r| r.reason == sim::Reason::Customer));
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    attempt_log::write(&a, &log, &result.bank_names).unwrap();
    let (r2, log2) = Simulation::new(&sc, 3).with_attempt_log().run_logged();
    attempt_log::write(&b, &log2, &r2.bank_names).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn round_trip_recovers_the_banks_under_callbacks_and_polling() {
    let dir = tempfile::tempdir().unwrap();
    for timing in ["callback", "5s", "10s"] {
        let (_, _, f) = simulate_and_fit(dir.path(), timing);
        for name in ["capped", "bucket", "window", "stacked"] {
            let (median, p95) = match name {
                "capped" => (10.0, 30.0),
                "stacked" => (15.0, 40.0),
                _ => (5.0, 15.0),
            };
            assert_latency(bank(&f, name), median, p95, timing);
        }
        let quota = &bank(&f, "quota").latency;
        assert!(
            matches!(quota.family, Family::Exponential { mean } if within(mean, 6.0, 0.10)),
            "{timing}: {quota:?}"
        );
        assert_limits(&f, timing);
        assert_error_rates(&f, timing);
    }
}

/// The bank that answers in about a second: exact with callbacks, but a 10 s poll sees
/// every call end before it, so the fit must say "not identified" with a wide interval.
#[test]
fn coarse_polling_leaves_a_fast_bank_unidentified() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, f) = simulate_and_fit(dir.path(), "10s");
    let l = &bank(&f, "never").latency;
    assert!(!l.identified, "{l:?}");
    assert!(l.median.lo <= 1.0 && 1.0 <= l.median.hi && l.median.hi / l.median.lo.max(1e-9) > 5.0);
    assert!(l.p95.lo <= 2.5 && 2.5 <= l.p95.hi, "{l:?}");
    let (_, _, f) = simulate_and_fit(dir.path(), "callback");
    assert_latency(bank(&f, "never"), 1.0, 2.5, "callback");
}

/// The fitted banks, put back under the original client, give the same coverage and
/// failure rate within 2 points; and the written scenario passes `check`.
#[test]
fn fitted_banks_simulated_again_match_the_original() {
    let dir = tempfile::tempdir().unwrap();
    for timing in ["callback", "5s", "10s"] {
        let (_, original, f) = simulate_and_fit(dir.path(), timing);
        let text = fit::bank_file::scenario_toml(&f, "round-trip log");
        let path = dir.path().join(format!("fitted-{timing}.toml"));
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(BIN).arg("check").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The same client: the original scenario with the fitted banks.
        let head = &ROUND_TRIP[..ROUND_TRIP.find("[[banks]]").unwrap()];
        let banks = &text[text.find("[[banks]]").unwrap()..];
        let again = scenario::parse(
            &format!("{head}{banks}"),
            "fitted",
            "f",
            &platform_sets(timing),
        )
        .unwrap();
        let refit = sim::run(&again, 11);
        let (a, b) = (original.summary(None), refit.summary(None));
        assert!(
            (a.coverage - b.coverage).abs() <= 0.02,
            "{timing}: coverage {} vs {}",
            a.coverage,
            b.coverage
        );
        assert!(
            (a.failure_rate - b.failure_rate).abs() <= 0.02,
            "{timing}: failure rate {} vs {}",
            a.failure_rate,
            b.failure_rate
        );
    }
}

const MESSY: &str = "\
bank,connection,submitted_at,learned_at,outcome,http_status
a,1,20.0,30.0,success,200
a,2,10.0,20.0,success,200
a,2,10.0,20.0,success,200
a,3,40.0,35.0,success,200
a,4,50.0,60.0,teapot,418
a,5,55.0,60.0,weird,429
tiny,9,1.0,11.0,success,200
tiny,9,100.0,110.0,success,200
tiny,9,200.0,210.0,error,500
";

#[test]
fn messy_logs_get_warnings_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.csv");
    let mut text = MESSY.to_string();
    for i in 0..40 {
        text.push_str(&format!(
            "a,{},{}.0,{}.0,success,200\n",
            10 + i,
            100 + 20 * i,
            110 + 20 * i
        ));
    }
    std::fs::write(&path, &text).unwrap();
    let log = fit::log::read(&path).unwrap();
    let warned = |what: &str| {
        log.warnings
            .iter()
            .find(|w| w.what.contains(what))
            .map(|w| w.count)
    };
    assert_eq!(warned("sorted"), Some(3), "{:?}", log.warnings);
    assert_eq!(warned("duplicate"), Some(1));
    assert_eq!(warned("clock skew"), Some(1));
    assert_eq!(warned("unknown outcome"), Some(1));
    // A missing column is said of the file as a whole, not counted (it read "1 no `on_demand`
    // column" before).
    assert_eq!(warned("no `on_demand` column"), Some(0));
    // The 429 status classifies the unknown outcome `weird`.
    assert_eq!(
        log.rows
            .iter()
            .filter(|r| r.seen == fit::log::Seen::RateLimited)
            .count(),
        1
    );
    let f = fit::fit(
        log,
        Hint::Poll {
            interval_us: 10_000_000,
        },
        &fit::CallsPerRefresh::all(1),
    )
    .unwrap();
    assert_eq!(f.left_out, vec![("tiny".to_string(), 3)]);
    let out = Command::new(BIN).arg("fit").arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("tiny: 3 rows, too few to fit"),
        "{stdout}"
    );
}

#[test]
fn bad_logs_are_refused_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bank,submitted_at,learned_at,outcome\na,1,2,success\n",
            "no `connection` column",
        ),
        (
            "connection,bank,submitted_at,learned_at,outcome\n1,a,yesterday,2,success\n",
            "line 2, column 3 (`submitted_at`)",
        ),
        (
            "connection,bank,submitted_at,learned_at,outcome\n1,a,2026-01-01T00:00:00Z,5,success\n",
            "line 2, column 4 (`learned_at`): a time in seconds in a log whose first time was an \
             ISO 8601 date-time: one log uses one format",
        ),
        (
            "connection;bank;submitted_at;learned_at;outcome\n1;a;1;2;success\n",
            "the header has semicolons and no commas; the log must be comma-separated",
        ),
        (
            "connection,bank,submitted_at,learned_at,outcome\n",
            "no usable rows",
        ),
        (
            "connection,bank,submitted_at,learned_at,outcome\n1,a,1,2,success\n",
            "no bank has the 30 admitted calls",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let out_toml = dir.path().join(format!("bad{i}.toml"));
        let out = Command::new(BIN)
            .arg("fit")
            .arg(&path)
            .arg("--out")
            .arg(&out_toml)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(want) && err.contains(&format!("bad{i}.csv")),
            "{i}: {err}"
        );
        assert!(!out_toml.exists(), "bad input writes nothing");
    }
}

#[test]
fn run_writes_the_attempt_log_it_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("attempts.csv");
    let out = Command::new(BIN)
        .args([
            "run",
            "example",
            "--set",
            "population.connections=2000",
            "--set",
            "window.length=2d",
        ])
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--attempt-log")
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "connection,bank,submitted_at,learned_at,outcome,http_status,retry_after,attempt,on_demand,reason"
    );
    assert!(
        lines.next().unwrap().contains(",2026-01-01T02:00:"),
        "{text:.300}"
    );
    let fitted = dir.path().join("fitted.toml");
    let out = Command::new(BIN)
        .arg("fit")
        .arg(&log)
        .arg("--out")
        .arg(&fitted)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = Command::new(BIN)
        .arg("check")
        .arg(&fitted)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// A sliding window and a rolling-24 h quota are told from their fixed kin (a fixed window,
/// a calendar-day quota): customers' requests and random offsets every 8 h break the ties.
#[test]
fn sliding_windows_and_rolling_quotas_are_recognised() {
    let text = r#"
seed = 9
[window]
length = "3d"
[population]
connections = 12000
[platform]
status = "callback"
[on_demand]
per_day = 2000
[strategy]
kind = "random_offset"
period = "8h"
[[banks]]
name = "sliding"
share = 0.5
error_rate = 0.005
service_time = { dist = "lognormal", median = "3s", p95 = "9s" }
limits = [{ kind = "sliding_window", limit = 8, window = "1m" }]
[[banks]]
name = "rolling"
share = 0.5
error_rate = 0.005
service_time = { dist = "lognormal", median = "3s", p95 = "9s" }
limits = [{ kind = "quota", k = 2, period = "rolling_24h" }]
"#;
    let (_, f) = log_and_fit(text, Hint::Infer);
    assert!(
        matches!(f.timing, fit::Timing::Callback { .. }),
        "{:?}",
        f.timing
    );
    assert_eq!(
        policies(bank(&f, "sliding")),
        vec![&Policy::SlidingWindow {
            limit: 8,
            window_s: 60
        }]
    );
    assert_eq!(
        policies(bank(&f, "rolling")),
        vec![&Policy::Quota {
            k: 2,
            rolling: true
        }]
    );
    assert_latency(bank(&f, "sliding"), 3.0, 9.0, "callback");
}

/// A bank that throttles by day (0.3/s in 06:00–22:00) beside a bucket of every hour (2/s),
/// under a looping queue that presses it all day: the fit finds both buckets, the day's with
/// its band (a bucket's Retry-After, counting down to its next token, once fitted a penalty
/// box that never closed again), and the fitted bank, run again, fails as often.
#[test]
fn a_bucket_for_a_band_of_hours_is_recognised() {
    let text = r#"
seed = 5
[window]
length = "2d"
[population]
connections = 20000
[platform]
status = "callback"
[strategy]
kind = "queued"
concurrency = 12
loop = true
[[banks]]
name = "dayshift"
share = 0.5
error_rate = 0.005
service_time = { dist = "lognormal", median = "1.5s", p95 = "4s" }
retry_after = "policy"
limits = [
  { kind = "token_bucket", rate = 2.0, burst = 10 },
  { kind = "token_bucket", rate = 0.3, burst = 5, during = ["06:00", "22:00"] },
]
[[banks]]
name = "plain"
share = 0.5
error_rate = 0.005
service_time = { dist = "lognormal", median = "1.5s", p95 = "4s" }
limits = [{ kind = "concurrency", max_in_flight = 4 }]
"#;
    let (result, f) = log_and_fit(text, Hint::Callback);
    let found = policies(bank(&f, "dayshift"));
    let banded = found.iter().find_map(|p| match p {
        Policy::TokenBucket {
            rate,
            burst,
            during: Some(d),
            ..
        } => Some((*rate, *burst, *d)),
        _ => None,
    });
    let (rate, burst, during) = banded.unwrap_or_else(|| panic!("{found:?}"));
    assert!(
        within(rate, 0.3, 0.05) && burst == 5 && during == (6, 22),
        "{found:?}"
    );
    let all_day = found.iter().find_map(|p| match p {
        Policy::TokenBucket {
            rate, during: None, ..
        } => Some(*rate),
        _ => None,
    });
    assert!(all_day.is_some_and(|r| within(r, 2.0, 0.05)), "{found:?}");
    assert!(
        !found.iter().any(|p| matches!(p, Policy::PenaltyBox { .. })),
        "{found:?}"
    );
    // The fitted banks under the same client fail as the true ones did.
    let fitted = fit::bank_file::scenario_toml(&f, "band log");
    let head = &text[..text.find("[[banks]]").unwrap()];
    let banks = &fitted[fitted.find("[[banks]]").unwrap()..];
    let again = scenario::parse(&format!("{head}{banks}"), "fitted", "f", &[]).unwrap();
    let (a, b) = (
        result.summary(Some(0)),
        sim::run(&again, 11).summary(Some(0)),
    );
    assert!(
        (a.failure_rate - b.failure_rate).abs() <= 0.02,
        "failure rate {} vs {}",
        a.failure_rate,
        b.failure_rate
    );
}

/// One field of a messy log: a plausible value or garbage.
fn messy_field() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        (0u32..50).prop_map(|n| n.to_string()),
        (0.0f64..1e6).prop_map(|x| format!("{x:.3}")),
        (0u32..3).prop_map(|d| format!("2026-01-0{}T0{}:00:00Z", d + 1, d)),
        prop::sample::select(vec![
            "success",
            "rate_limited",
            "error",
            "deduplicated",
            "429",
            "500",
            "",
            "-1",
            "NaN",
            "inf",
            "1e308",
            "true",
            "\"a,b\"",
            "2026-13-40T99:99:99Z",
            "ünï",
            "b",
        ])
        .prop_map(str::to_string),
    ]
}

/// Reads and fits the log `text` at `path` every way; true when a fit came out.
fn read_and_fit(path: &Path, text: &str) -> bool {
    std::fs::write(path, text).unwrap();
    let Ok(log) = fit::log::read(path) else {
        return false;
    };
    let mut fitted = false;
    for hint in [
        Hint::Infer,
        Hint::Callback,
        Hint::Poll {
            interval_us: 10_000_000,
        },
    ] {
        if let Ok(f) = fit::fit(log.clone(), hint, &fit::CallsPerRefresh::all(1)) {
            let _ = fit::bank_file::summary(&f);
            let text = fit::bank_file::scenario_toml(&f, "messy");
            scenario::parse(&text, "fitted", "f", &[]).unwrap();
            fitted = true;
        }
    }
    fitted
}

fn rows_text(rows: &[Vec<String>]) -> String {
    let mut text = String::from("connection,bank,submitted_at,learned_at,outcome\n");
    for r in rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    text
}

/// Whatever the rows hold (garbage, missing or extra fields, or well-formed rows of odd
/// timings: zero durations, all alike, clock skew), reading and fitting a log returns a fit
/// or an error, never panics, and a fit's scenario always parses.
#[test]
fn no_log_makes_the_fit_panic() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
    let config = || Config {
        cases: 200,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fit.txt",
        ))),
        ..Config::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.csv");
    let garbage = proptest::collection::vec(proptest::collection::vec(messy_field(), 3..11), 0..40);
    TestRunner::new(config())
        .run(&garbage, |rows| {
            read_and_fit(&path, &rows_text(&rows));
            Ok(())
        })
        .unwrap();
    let plausible =
        (0u32..40, 0u8..2, 0u64..200_000, 0u64..4, 0u8..6).prop_map(|(c, b, s, d, o)| {
            let outcome = [
                "success",
                "success",
                "error",
                "rate_limited",
                "deduplicated",
                "429",
            ];
            let learned = s + [0, 10_000, 20_000, s % 777][d as usize];
            vec![
                c.to_string(),
                format!("b{b}"),
                format!("{}.{:03}", s / 1000, s % 1000),
                format!("{}.{:03}", learned / 1000, learned % 1000),
                outcome[o as usize].to_string(),
            ]
        });
    let fits = std::cell::Cell::new(0u32);
    TestRunner::new(config())
        .run(&proptest::collection::vec(plausible, 0..300), |rows| {
            fits.set(fits.get() + read_and_fit(&path, &rows_text(&rows)) as u32);
            Ok(())
        })
        .unwrap();
    let fits = fits.get();
    assert!(
        fits > 50,
        "the generator must reach the fits: {fits} of 200"
    );
}
