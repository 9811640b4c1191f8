//! `refresh-sim compare`, end to end: a strategy compared with itself differs by exactly 0;
//! common random numbers make the paired interval narrower than the unpaired one; the files
//! do not depend on the thread count; bad items and a bad baseline are errors that write
//! nothing.

use refresh_sim::metric::Metric;
use refresh_sim::output::paired::{PairedRow, FILE, MARKDOWN_FILE};
use refresh_sim::output::summary::SummaryRow;
use refresh_sim::rng::replication_seed;
use refresh_sim::stats::{t_975, Estimate};
use refresh_sim::{output, scenario, sim};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

/// One day of 20,000 connections at two limited banks, two queued slots: the client cannot
/// refresh everyone, so coverage and users per day vary from seed to seed. Runs take
/// milliseconds.
const SMALL: &str = r#"
name = "small"
seed = 7

[window]
length = "1d"

[population]
connections = 20000
consent_expiry_share = 0.011

[platform]
poll_interval = "10s"

[strategy]
kind = "queued"
concurrency = 2

[[banks]]
name = "a"
share = 0.6
error_rate = 0.01
service_time = { dist = "lognormal", median = "5s", p95 = "16s" }
limits = [{ kind = "concurrency", max_in_flight = 3 }]

[[banks]]
name = "b"
share = 0.4
error_rate = 0.005
service_time = { dist = "exponential", mean = "4s" }
limits = [{ kind = "token_bucket", rate = 0.05, burst = 5 }]
"#;

fn write_small(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(&path, SMALL).unwrap();
    path
}

fn sim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run refresh-sim")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The row of `variant` and `m`.
fn row<'a>(rows: &'a [PairedRow], variant: &str, m: Metric) -> &'a PairedRow {
    rows.iter()
        .find(|r| r.variant == variant && r.metric == m)
        .unwrap_or_else(|| panic!("no row for {variant} {m}"))
}

/// The same strategy under three labels (one of them the baseline, named by --baseline): every
/// difference is exactly 0 with sd 0, because the pairs are the same runs. With a warm-up and
/// a population the slots can clear, the staleness percentile is finite, so all the background's metrics
/// are checked.
#[test]
fn a_strategy_against_itself_differs_by_exactly_zero() {
    let tmp = TempDir::new("compare-self");
    write_small(tmp.path());
    let out = sim(
        tmp.path(),
        &[
            "compare",
            "small.toml",
            "--strategies",
            "queued,queued:concurrency=2,queued:period=24h,random_offset",
            "--baseline",
            "queued:concurrency=2",
            "--replications",
            "4",
            "--set",
            "window.length=2d",
            "--set",
            "window.warmup=1d",
            "--set",
            "population.connections=4000",
            "--out",
            "self",
        ],
    );
    ok(&out);
    let rows: Vec<PairedRow> = output::read(&tmp.join("self").join(FILE)).unwrap();
    let metrics = refresh_sim::experiment::compare::METRICS;
    assert_eq!(rows.len(), 4 * metrics.len());
    for label in ["queued", "queued:concurrency=2", "queued:period=24h"] {
        // No customers ask in this scenario: their failures and wait are not measured; no
        // item's period is shorter than a day: nor is the coverage of each period.
        let unmeasured = [
            Metric::OnDemandFailureRate,
            Metric::OnDemandP95Seconds,
            Metric::PeriodCoverage,
        ];
        for m in unmeasured {
            let r = row(&rows, label, m);
            assert_eq!((r.variant_mean, r.difference_mean), (None, None), "{m}");
        }
        for m in metrics.into_iter().filter(|m| !unmeasured.contains(m)) {
            let r = row(&rows, label, m);
            assert_eq!(r.baseline, "queued:concurrency=2");
            assert!(r.variant_mean.unwrap().is_finite(), "{label} {m}");
            assert_eq!(r.variant_mean, r.baseline_mean, "{label} {m}");
            assert_eq!(
                (r.difference_mean, r.difference_sd, r.difference_ci95),
                (Some(0.0), Some(0.0), Some(0.0)),
                "{label} {m}"
            );
            assert!(!r.significant());
        }
    }
    // The other strategy does differ.
    assert!(row(&rows, "random_offset", Metric::FailureRate).significant());
    let md = std::fs::read_to_string(tmp.join("self").join(MARKDOWN_FILE)).unwrap();
    assert!(md.contains("`queued:concurrency=2` (baseline)"), "{md}");
    // The items that ran as the baseline are said to have, and only those.
    let same = md
        .lines()
        .find(|l| l.contains("ran exactly as the baseline"));
    assert!(
        same.is_some_and(|l| l.starts_with(
            "`queued`, `queued:period=24h` ran exactly as the \
                                           baseline `queued:concurrency=2` in every replication"
        )),
        "{md}"
    );
    // No customers ask here: the tables leave out the on-demand column rather than fill it
    // with dashes.
    assert!(!md.contains("Customers'"), "{md}");
    assert!(!md.contains("Background coverage"), "{md}");
    assert!(md.contains("Users/day"), "{md}");
    // Every cell shown has a difference: no footnote for the dash.
    assert!(!md.contains("— "), "{md}");
}

/// Pooled two-sample Student-t half-width of the difference of two means, as if the samples
/// were independent: t(0.975, 2n − 2) · s_p · √(2/n).
fn unpaired_half_width(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    let (sa, sb) = (
        Estimate::of(a).unwrap().sd.unwrap(),
        Estimate::of(b).unwrap().sd.unwrap(),
    );
    let pooled = ((sa * sa + sb * sb) / 2.0).sqrt();
    t_975(2 * n - 2) * pooled * (2.0 / n as f64).sqrt()
}

/// Replications `0..replications` of SMALL with `sets`, run here through the library: the
/// `all` rows.
fn runs_of(sets: &[&str], seed: u64, replications: u32) -> Vec<SummaryRow> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = scenario::parse(SMALL, "small.toml", "small", &sets).unwrap();
    (0..replications)
        .map(|r| {
            let result = sim::run(&sc, replication_seed(seed, r));
            SummaryRow::of_run(&result).pop().unwrap()
        })
        .collect()
}

/// Where strategies differ, the paired interval is narrower than the unpaired one computed
/// from the same runs (common random numbers at work), and the paired mean is the mean of
/// the per-replication differences of runs made independently here.
#[test]
fn pairing_narrows_the_interval() {
    let tmp = TempDir::new("compare-crn");
    write_small(tmp.path());
    let reps = 8;
    let out = sim(
        tmp.path(),
        &[
            "compare",
            "small.toml",
            "--strategies",
            "queued,per_bank:concurrency=1,random_offset",
            "--replications",
            &reps.to_string(),
            "--out",
            "crn",
        ],
    );
    ok(&out);
    let rows: Vec<PairedRow> = output::read(&tmp.join("crn").join(FILE)).unwrap();
    let base = runs_of(&["strategy.kind=queued"], 7, reps);
    let variants: [(&str, &[&str]); 2] = [
        (
            "per_bank:concurrency=1",
            &["strategy.kind=per_bank", "strategy.concurrency=1"],
        ),
        ("random_offset", &["strategy.kind=random_offset"]),
    ];
    for (label, sets) in variants {
        let runs = runs_of(sets, 7, reps);
        for m in [Metric::Coverage, Metric::UsersPerDay] {
            let (v, b): (Vec<f64>, Vec<f64>) = runs
                .iter()
                .zip(&base)
                .map(|(v, b)| (v.metric(m).unwrap(), b.metric(m).unwrap()))
                .unzip();
            let d: Vec<f64> = v.iter().zip(&b).map(|(v, b)| v - b).collect();
            let want = Estimate::of(&d).unwrap();
            let r = row(&rows, label, m);
            assert!(
                (r.difference_mean.unwrap() - want.mean).abs() < 1e-6,
                "{label} {m}"
            );
            let paired = r.difference_ci95.unwrap();
            assert!((paired - want.ci95.unwrap()).abs() < 1e-6, "{label} {m}");
            let unpaired = unpaired_half_width(&v, &b);
            assert!(
                paired < unpaired,
                "{label} {m}: paired ±{paired} not narrower than unpaired ±{unpaired}"
            );
            assert!(r.significant(), "{label} {m}: the strategies differ");
        }
    }
    // Staleness p95 is `inf` in a one-day run without warm-up: no difference, by design.
    let p95 = row(&rows, "random_offset", Metric::StalenessP95Hours);
    assert_eq!(p95.baseline_mean, Some(f64::INFINITY));
    assert_eq!((p95.difference_mean, p95.difference_ci95), (None, None));
    let md = std::fs::read_to_string(tmp.join("crn").join(MARKDOWN_FILE)).unwrap();
    assert!(
        md.contains("| — |") && md.contains("— : no difference"),
        "{md}"
    );
}

/// One thread or two, default or explicit output directory: the same bytes.
#[test]
fn files_do_not_depend_on_the_thread_count() {
    let tmp = TempDir::new("compare-threads");
    write_small(tmp.path());
    let args = |threads: &'static str| {
        vec![
            "compare",
            "small.toml",
            "--strategies",
            "queued,per_bank:concurrency=1,random_offset,bulk",
            "--baseline",
            "random_offset",
            "--replications",
            "6",
            "--threads",
            threads,
        ]
    };
    let one = sim(tmp.path(), &args("1"));
    ok(&one);
    let mut two_args = args("2");
    two_args.extend(["--out", "two"]);
    let two = sim(tmp.path(), &two_args);
    ok(&two);
    let default_dir = tmp.join("output/small/compare");
    for f in [FILE, MARKDOWN_FILE] {
        let a = std::fs::read(default_dir.join(f)).unwrap();
        let b = std::fs::read(tmp.join("two").join(f)).unwrap();
        assert!(
            !a.is_empty() && a == b,
            "{f} differs between 1 and 2 threads"
        );
    }
    let md = std::fs::read_to_string(default_dir.join(MARKDOWN_FILE)).unwrap();
    assert!(String::from_utf8_lossy(&one.stdout).contains(&md));
}

/// Bad items, duplicates, a baseline not in the list and too few items or replications: exit
/// 2, the culprit named, nothing written (not even the directory).
#[test]
fn bad_items_and_baselines_write_nothing() {
    let tmp = TempDir::new("compare-bad");
    write_small(tmp.path());
    let cases: [(&[&str], &str); 9] = [
        (&["--strategies", "queued,fifo"], "item `fifo`"),
        (
            &["--strategies", "queued,per_bank:concurrency=0"],
            "item `per_bank:concurrency=0`",
        ),
        (
            &["--strategies", "queued,queued:bogus=1"],
            "item `queued:bogus=1`",
        ),
        (
            &["--strategies", "queued,bulk:concurrency"],
            "item `bulk:concurrency`",
        ),
        (
            &["--strategies", "queued,bulk,queued"],
            "`queued` names two items",
        ),
        (&["--strategies", "queued"], "at least two items"),
        (
            &["--strategies", "queued,bulk", "--baseline", "per_bank"],
            "--baseline per_bank",
        ),
        (&["--replications", "1"], "--replications 1"),
        (&["--set", "strategy.kind=bulk"], "--set strategy.kind=bulk"),
    ];
    for (extra, named) in cases {
        let mut args = vec!["compare", "small.toml", "--out", "bad"];
        args.extend(extra);
        let o = sim(tmp.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(named), "{extra:?}: `{named}` not in: {err}");
        assert!(!tmp.join("bad").exists(), "{extra:?} wrote something");
        assert!(!tmp.join("output").exists(), "{extra:?} wrote something");
    }
}

/// With customers asking, the comparison shows what they meet beside the background's
/// figures: the share of their requests' attempts that failed (where strategies differ, as
/// a client filling a bank's bucket leaves them its 429s), their wait and the age of the data
/// at app opens.
#[test]
fn customers_failures_are_compared_when_customers_ask() {
    let tmp = TempDir::new("compare-customers");
    write_small(tmp.path());
    let out = sim(
        tmp.path(),
        &[
            "compare",
            "small.toml",
            "--strategies",
            "queued,bulk",
            "--replications",
            "3",
            "--set",
            "on_demand.per_connection=0.05",
            "--out",
            "customers",
        ],
    );
    ok(&out);
    let rows: Vec<PairedRow> = output::read(&tmp.join("customers").join(FILE)).unwrap();
    for m in [Metric::OnDemandFailureRate, Metric::AtOpenP95Hours] {
        for label in ["queued", "bulk"] {
            let r = row(&rows, label, m);
            assert!(r.variant_mean.is_some_and(|x| x >= 0.0), "{label} {m}");
        }
    }
    // Bulk sends every refresh at midnight; the customers who come by day find the buckets
    // refilled, where the queue keeps them drained all day.
    let bulk = row(&rows, "bulk", Metric::OnDemandFailureRate);
    assert!(
        bulk.variant_mean.unwrap() < bulk.baseline_mean.unwrap() && bulk.significant(),
        "{bulk:?}"
    );
    let md = std::fs::read_to_string(tmp.join("customers").join(MARKDOWN_FILE)).unwrap();
    assert!(
        md.contains("| Customers' failures (429, 5xx, 503) |")
            && md.contains("| Age at app open p50 (h) |")
            && md.contains("| Age at app open p95 (h) |")
            && md.contains("| Time ≥ 24 h old |"),
        "{md}"
    );
    // What each item ran, in words.
    assert!(
        md.contains("As run: `queued`: queued, concurrency 2; `bulk`: bulk."),
        "{md}"
    );
}

/// An item's band of hours is said with what it ran (its label may say only its kind), "all
/// day" beside a banded one, and its order where it takes the stalest first.
#[test]
fn what_each_item_ran_names_its_band() {
    let tmp = TempDir::new("compare-band");
    write_small(tmp.path());
    let out = sim(
        tmp.path(),
        &[
            "compare",
            "small.toml",
            "--strategies",
            r#"queued,queued:hours=["00:00","06:00"],queued:order=stalest"#,
            "--replications",
            "2",
            "--out",
            "band",
        ],
    );
    ok(&out);
    let md = std::fs::read_to_string(tmp.join("band").join(MARKDOWN_FILE)).unwrap();
    assert!(
        md.contains(
            r#"`queued:hours=["00:00","06:00"]`: queued, concurrency 2, within 00:00–06:00"#
        ),
        "{md}"
    );
    assert!(
        md.contains("As run: `queued`: queued, concurrency 2, all day;"),
        "{md}"
    );
    assert!(
        md.contains("`queued:order=stalest`: queued, concurrency 2, all day, stalest first."),
        "{md}"
    );
}

/// A named item is labelled by its name in the files and tables, and "As run" gives the item
/// and, for a pace, its paces in words; `--baseline` takes the name.
#[test]
fn a_named_item_is_labelled_by_its_name() {
    let tmp = TempDir::new("compare-named");
    write_small(tmp.path());
    let out = sim(
        tmp.path(),
        &[
            "compare",
            "small.toml",
            "--strategies",
            "today=queued,slow=paced:rate=0.5,pools=per_bank:concurrency=3",
            "--baseline",
            "today",
            "--replications",
            "2",
            "--out",
            "named",
        ],
    );
    ok(&out);
    let rows: Vec<PairedRow> = output::read(&tmp.join("named").join(FILE)).unwrap();
    assert!(rows.iter().all(|r| r.baseline == "today"), "{rows:?}");
    assert!(rows.iter().any(|r| r.variant == "slow"), "{rows:?}");
    let md = std::fs::read_to_string(tmp.join("named").join(MARKDOWN_FILE)).unwrap();
    assert!(
        md.contains(
            "As run: `today` (`queued`): queued, concurrency 2; `slow` (`paced:rate=0.5`): paced"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "`pools` (`per_bank:concurrency=3`): per_bank, pools a 3, b 3 (6 slots in all)"
        ),
        "{md}"
    );
}

/// A strategy whose failures rise by more than a point and more than its coverage ranks
/// after the baseline and is marked: uk-mix's per-bank pools of 64 slots a bank gain 3.6
/// points of coverage for 50.8 points of failures. The baseline is held to the same rule:
/// it fails 14.5 points more than the random offset for 0.7 points less coverage.
#[test]
fn a_strategy_failing_far_more_is_ranked_after_and_marked() {
    let tmp = TempDir::new("compare-set-back");
    let out = sim(
        tmp.path(),
        &[
            "compare",
            "uk-mix",
            "--strategies",
            "queued,per_bank,random_offset",
            "--replications",
            "2",
            "--out",
            "set-back",
        ],
    );
    ok(&out);
    let md = std::fs::read_to_string(tmp.join("set-back").join(MARKDOWN_FILE)).unwrap();
    let ranks: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 1 |") || l.starts_with("| 2 |") || l.starts_with("| 3 |"))
        .take(3)
        .collect();
    assert!(ranks[0].starts_with("| 1 | `random_offset` |"), "{md}");
    // The baseline fails more than the random offset for less coverage: it is marked too.
    assert!(
        ranks[1].starts_with("| 2 | `queued` (baseline) † |"),
        "{md}"
    );
    assert!(ranks[2].starts_with("| 3 | `per_bank` † |"), "{md}");
    assert!(
        md.contains("†: a strategy ranked above it fails more than a point less"),
        "{md}"
    );
}

/// An item may set a path of the scenario beside its kind: a platform that calls back frees
/// a queue's slot when the bank answers, not at the next poll, so the same two workers
/// refresh more connections, with no polls (a trial at an aggregator could only sweep it).
/// The banks' limits lifted: against them the freed slots only meet more 429s.
#[test]
fn an_item_may_set_the_platform() {
    let tmp = TempDir::new("compare-platform");
    let scenario = write_small(tmp.path());
    let out = sim(
        tmp.path(),
        &[
            "compare",
            scenario.to_str().unwrap(),
            "--strategies",
            "poll=queued,callback=queued:platform.status=callback",
            "--set",
            "banks.a.limits=[]",
            "--set",
            "banks.b.limits=[]",
            "--replications",
            "3",
            "--out",
            "platform",
        ],
    );
    ok(&out);
    let rows: Vec<PairedRow> = output::read(&tmp.join("platform").join(FILE)).unwrap();
    let diff = |m: Metric| {
        let r = (rows
            .iter()
            .find(|r| r.variant == "callback" && r.metric == m))
        .unwrap();
        (r.difference_mean.unwrap(), r.difference_ci95.unwrap())
    };
    let (users, h) = diff(Metric::UsersPerDay);
    assert!(users > h && users > 2000.0, "{users} ± {h}");
    let (calls, h) = diff(Metric::ApiCallsPerSuccess);
    assert!(calls < -h && calls < -0.5, "{calls} ± {h}");
    let md = std::fs::read_to_string(tmp.join("platform").join(MARKDOWN_FILE)).unwrap();
    assert!(
        md.contains("`callback` (`queued:platform.status=callback`)"),
        "{md}"
    );
}

/// Each bank's coverage difference, paired as the book's (a fix for one bank reads small
/// over the book: a trial's pools read +0.84 points where its building society went from
/// 92.4 % to 99.2 %): the banks' differences, weighed by their connection-days due (the
/// same in a pair, sharing its consents), add up to the book's; an item spelling the
/// baseline differs by 0 at every bank; paired.md gives the table.
#[test]
fn each_banks_coverage_difference_adds_up_to_the_books() {
    use refresh_sim::experiment::compare::{Comparison, Request};
    let tmp = TempDir::new("compare-banks");
    let path = write_small(tmp.path());
    let source = scenario::Source::read(&path).unwrap();
    let req = Request {
        strategies: Some("queued,queued:concurrency=2,queued:concurrency=8".into()),
        replications: 3,
        ..Request::default()
    };
    let c = Comparison::prepare(&source, &req).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let runs = c.run(&pool);
    let banks = c.by_bank(&runs, Metric::Coverage);
    assert_eq!(
        banks.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let book = c.paired(&runs);
    let cov = |v: &str| {
        let r = book
            .iter()
            .find(|r| r.variant == v && r.metric == Metric::Coverage);
        r.unwrap().difference_mean.unwrap()
    };
    // Replication by replication, the banks' differences weighed by their connection-days
    // due (a pair's own) add up to the book's; their means are the table's.
    let row = |v: usize, r: usize, b: &str| runs[v][r].iter().find(|s| s.bank == b).unwrap();
    for (v, label) in [(1, "queued:concurrency=2"), (2, "queued:concurrency=8")] {
        let mut weighed = 0.0;
        for r in 0..3 {
            let all = row(0, r, "all").eligible as f64;
            for (b, _) in &banks {
                assert_eq!(
                    row(v, r, b).eligible,
                    row(0, r, b).eligible,
                    "a pair's days due"
                );
                let d = row(v, r, b).coverage - row(0, r, b).coverage;
                weighed += row(0, r, b).eligible as f64 / all * d / 3.0;
            }
        }
        assert!(
            (weighed - cov(label)).abs() < 1e-9,
            "{label}: {weighed} vs {}",
            cov(label)
        );
        for (b, rows) in &banks {
            let diff = |r: usize| row(v, r, b).coverage - row(0, r, b).coverage;
            let mean = (0..3).map(diff).sum::<f64>() / 3.0;
            assert!(
                (rows[v].difference_mean.unwrap() - mean).abs() < 1e-12,
                "{b}"
            );
        }
    }
    assert!(banks
        .iter()
        .all(|(_, rows)| rows[1].difference_mean == Some(0.0)));
    assert!(banks
        .iter()
        .any(|(_, rows)| rows[2].difference_mean.unwrap() > 0.01));
    // Each bank's own 429s, paired the same way: the client's 429s there over its attempts.
    let own = c.by_bank(&runs, Metric::ClientFailureRate);
    let rate = |v: usize, r: usize, b: &str| {
        let s = row(v, r, b);
        (s.rate_limited - s.outage_rejected) as f64 / s.attempts as f64
    };
    for (b, rows) in &own {
        for (v, paired) in rows.iter().enumerate() {
            let mean = (0..3).map(|r| rate(v, r, b) - rate(0, r, b)).sum::<f64>() / 3.0;
            assert!((paired.difference_mean.unwrap() - mean).abs() < 1e-4, "{b}");
        }
    }
    let tables = [(Metric::Coverage, banks), (Metric::ClientFailureRate, own)];
    let md = refresh_sim::experiment::compare::markdown(&c, &book, &tables);
    let means = "each strategy's mean, and in brackets its difference from the baseline (paired as above):\n\n| Rank | Strategy | a | b |";
    assert!(
        md.contains(&format!(
            "Coverage by bank (each bank's connections): {means}"
        )),
        "{md}"
    );
    assert!(md.contains(&format!("Own 429s by bank (each bank's attempts: the 429s the client's traffic caused there): {means}")), "{md}");
    // Each bank's cell gives the strategy's own figure there, then its difference: a
    // difference alone does not say whether a bank is near a bound.
    let cell = |v: usize, b: &str| {
        let rows = &tables[1].1.iter().find(|(name, _)| name == b).unwrap().1;
        let mean = (0..3).map(|r| rate(v, r, b)).sum::<f64>() / 3.0;
        assert!((rows[v].variant_mean.unwrap() - mean).abs() < 1e-4, "{b}");
        let m = refresh_sim::output::paired::mean(
            Metric::ClientFailureRate,
            rows[v].variant_mean,
            false,
        );
        let d = refresh_sim::output::paired::difference(&rows[v]);
        format!("{m} ({d})")
    };
    assert!(
        md.contains(&format!(
            "| `{}` | {} | {} |",
            c.variants[2].label,
            cell(2, "a"),
            cell(2, "b")
        )),
        "{md}"
    );
    // A strategy's cell reads `1.32 % (+1.20 pp ± 0.10)`; the baseline's has its mean alone.
    let own_table = md.split("Own 429s by bank").nth(1).unwrap();
    let line = |label: &str| {
        (own_table.lines())
            .find(|l| l.contains(&format!("| `{label}`")))
            .unwrap()
            .to_string()
    };
    let base = line(&c.variants[0].label);
    assert!(
        base.contains("(baseline)") && base.matches('(').count() == 1,
        "{base}"
    );
    let other = line(&c.variants[2].label);
    assert!(
        other.contains(" % (+") || other.contains(" % (-") || other.contains(" % (0.00 pp"),
        "{other}"
    );
}
