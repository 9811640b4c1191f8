//! The customers fitted from a refresh log: their requests (a day, by hour), their consents
//! expiring and renewed, and new customers joining, recovered from a run's own attempt log,
//! and a run of the fitted scenario putting the same customers' load on the banks as the
//! truth. A fitted file without them played the client alone (a trial's fitted plan forecast
//! 1.7 % failures where the truth, with its customers, gave 7.8 %).

mod common;

use common::{run_all_row as run, succeed};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// Ten days of 10,000 connections refreshed daily at random offsets; 2 % of consents expire
/// a day, 60 % of those customers renew after 2 days on average, 1 % of the book joins a day,
/// and customers ask for 2,000 refreshes a day, mostly in the evening.
const PROFILE: [f64; 24] = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 1.5, 1.2, 1.2, 1.5, 1.2, 1.0, 1.0, 1.2, 1.5, 2.0,
    2.5, 2.5, 2.0, 1.2, 0.5,
];

fn truth() -> String {
    let profile: Vec<String> = PROFILE.iter().map(|w| w.to_string()).collect();
    format!(
        "name = \"truth\"\nseed = 3\n[window]\nlength = \"10d\"\n\
         [population]\nconnections = 10000\nconsent_expiry_share = 0.02\n\
         reconnect_share = 0.6\nreconnect_mean_days = 2\njoin_share = 0.01\n\
         [on_demand]\nper_day = 2000\nprofile = [{}]\n\
         [strategy]\nkind = \"random_offset\"\n\
         [[banks]]\nname = \"a\"\nshare = 0.6\n\
         service_time = {{ dist = \"lognormal\", median = \"5s\", p95 = \"20s\" }}\n\
         limits = [{{ kind = \"concurrency\", max_in_flight = 10 }}]\n\
         [[banks]]\nname = \"b\"\nshare = 0.4\n\
         service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"10s\" }}\n",
        profile.join(", ")
    )
}

#[test]
fn the_customers_are_fitted_from_the_log_and_put_the_same_load_on_the_banks() {
    let dir = tempfile::tempdir().unwrap();
    let (truth_path, log, seen) = logged_truth(dir.path());
    // The log names who asked for each call: a link per joiner, a fetch per renewal.
    let reasons = reasons(&log);
    assert_eq!(reasons["link"], seen["joined"], "{reasons:?}");
    assert_eq!(reasons["reconnect"], seen["reconnected"], "{reasons:?}");
    assert!(reasons["customer"] > 15_000.0, "{reasons:?}");

    let fitted = fit(dir.path(), &log, "fitted.toml");
    let sc = refresh_sim::scenario::parse(&fitted, "fitted", "f", &[]).unwrap();
    assert_eq!(sc.connections, 10_000, "the joiners told apart");
    let near = |x: f64, want: f64, tol: f64, what: &str| {
        assert!(
            (x / want - 1.0).abs() < tol,
            "{what}: {x} vs {want}\n{fitted}"
        );
    };
    near(sc.join_share, 0.01, 0.05, "join_share");
    near(sc.consent_expiry_share, 0.02, 0.1, "consent_expiry_share");
    let r = sc.reconnect.as_ref().expect("reconnections fitted");
    near(r.share, 0.6, 0.1, "reconnect_share");
    near(r.mean_days, 2.0, 0.2, "reconnect_mean_days");
    let d = sc.on_demand.as_ref().expect("customers' requests fitted");
    near(d.per_day, 2000.0, 0.04, "per_day");
    let correlation = correlation(&d.profile, &PROFILE);
    assert!(correlation > 0.98, "{correlation}: {:?}", d.profile);

    // The fitted scenario, under the truth's client and another seed, puts the customers'
    // calls on the banks as the truth does.
    // (The fitted file's window has a warm-up day before the log's days, which the truth
    // started without: set to the truth's, as a user comparing the two would.)
    let client = ["--set", "strategy.kind=random_offset", "--seed", "9"];
    let window = ["--set", "window.warmup=0s", "--set", "window.length=10d"];
    let again = run(
        dir.path(),
        &dir.path().join("fitted.toml"),
        &[&client[..], &window].concat(),
    );
    let truth_again = run(dir.path(), &truth_path, &client);
    for what in [
        "on_demand_requests",
        "reconnected",
        "joined",
        "reconnect_required",
    ] {
        near(again[what], truth_again[what], 0.12, what);
    }
    near(again["attempts"], truth_again["attempts"], 0.02, "attempts");
}

/// A client's log without a `reason` column: a renewal's fetch is the call after a
/// `reconnect_required` (the client stops refreshing a connection whose consent expired),
/// and joins cannot be told from connections present from the start, which the file says.
#[test]
fn without_a_reason_column_renewals_are_inferred_and_joins_said_to_be_unfitted() {
    let dir = tempfile::tempdir().unwrap();
    let (_, log, seen) = logged_truth(dir.path());
    let text = std::fs::read_to_string(&log).unwrap();
    let stripped: String = text
        .lines()
        .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
        .collect();
    let bare = dir.path().join("bare.csv");
    std::fs::write(&bare, stripped).unwrap();
    let fitted = fit(dir.path(), &bare, "bare.toml");
    let sc = refresh_sim::scenario::parse(&fitted, "fitted", "f", &[]).unwrap();
    assert_eq!(sc.join_share, 0.0);
    assert_eq!(sc.connections as f64, seen["connections"]);
    assert!(
        fitted.contains("customers who join: none ([population] join_share)")
            && fitted.contains("join_share not fitted"),
        "{fitted}"
    );
    // Renewals before the client noticed the expiry are not seen: fewer, never more.
    let r = sc.reconnect.as_ref().expect("renewals inferred");
    assert!(r.share > 0.45 && r.share < 0.7, "{r:?}");
    let inferred = fitted
        .lines()
        .find(|l| l.starts_with("reconnect_share"))
        .unwrap();
    let n: f64 = inferred
        .split("; ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        n <= seen["reconnected"] && n > 0.6 * seen["reconnected"],
        "{inferred}"
    );
}

/// A reason the fit does not know is refused with the file, line, column and the values it
/// takes.
#[test]
fn an_unknown_reason_is_refused_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    std::fs::write(
        &log,
        "connection,bank,submitted_at,learned_at,outcome,reason\n\
         1,a,0,10,success,schedule\n2,a,1,11,success,sometimes\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["fit", log.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("log.csv: line 3, column 6 (`reason`)")
            && err.contains("`sometimes` is not a reason (schedule, customer, reconnect or link)"),
        "{err}"
    );
}

/// The truth's scenario file in `dir`, run with its attempt log: the file, the log and the
/// run's `all` row.
fn logged_truth(dir: &Path) -> (PathBuf, PathBuf, BTreeMap<String, f64>) {
    let truth_path = dir.join("truth.toml");
    std::fs::write(&truth_path, truth()).unwrap();
    let log = dir.join("log.csv");
    let seen = run(dir, &truth_path, &["--attempt-log", log.to_str().unwrap()]);
    (truth_path, log, seen)
}

/// Fits `log` into `dir/name`; the file's text.
fn fit(dir: &Path, log: &Path, name: &str) -> String {
    let out = dir.join(name);
    succeed(Command::new(BIN).arg("fit").arg(log).arg("--out").arg(&out));
    std::fs::read_to_string(out).unwrap()
}

/// The log's rows by `reason`.
fn reasons(log: &Path) -> BTreeMap<String, f64> {
    let mut rd = csv::Reader::from_path(log).unwrap();
    let col = rd
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "reason")
        .unwrap();
    let mut counts = BTreeMap::new();
    for r in rd.records() {
        *counts.entry(r.unwrap()[col].to_string()).or_insert(0.0) += 1.0;
    }
    counts
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |x: &[f64], m: f64| x.iter().map(|v| (v - m).powi(2)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
}

/// A log of half a day is fitted, and said on the terminal and in the file to be too short
/// for the customers and the limits (a trial fitted 3.8 hours cut from a week's log and was
/// told nothing but a cut-off row).
#[test]
fn a_log_of_half_a_day_is_said_to_be_too_short() {
    let dir = tempfile::tempdir().unwrap();
    let truth_path = dir.path().join("truth.toml");
    std::fs::write(&truth_path, truth()).unwrap();
    let log = dir.path().join("log.csv");
    run(
        dir.path(),
        &truth_path,
        &[
            "--set",
            "window.length=12h",
            "--attempt-log",
            log.to_str().unwrap(),
        ],
    );
    let out = dir.path().join("fitted.toml");
    let printed = succeed(
        Command::new(BIN)
            .args(["fit", log.to_str().unwrap(), "--out"])
            .arg(&out),
    );
    let said = common::text(&printed.stdout);
    assert!(
        said.contains("warning: the log spans only 12.0 hours"),
        "{said}"
    );
    let file = std::fs::read_to_string(out).unwrap();
    assert!(
        file.contains("# WARNING: the log spans only 12.0 hours"),
        "{file}"
    );
}
