//! The columns `compare` and a sweep show where their runs differ in what coverage counts.
//! Runs of different periods: `compare` pairs the coverage of each period (a daily item's is
//! its coverage), ranks by it on `--rank-by period_coverage` and shows each bank's difference
//! in it; a sweep over the period has one column for every point (a trial's 8-hour client
//! read −1.46 points of coverage beside a daily one, where it missed 28 % of its periods).
//! With customers: the background's own coverage beside the coverage their fetches add to.

use refresh_sim::experiment::compare::{markdown, Comparison, Request};
use refresh_sim::metric::Metric;
use refresh_sim::output::summary::SummaryRow;
use refresh_sim::rng::replication_seed;
use refresh_sim::{scenario, sim};
use std::path::Path;

mod common;
use common::TempDir;

/// Two days (the first a warm-up) of 6,000 connections at a bank admitting two at a time:
/// two queued slots can refresh each connection about once a day, not twice.
const BOOK: &str = r#"
name = "book"
seed = 3

[window]
length = "2d"
warmup = "1d"

[population]
connections = 6000

[platform]
poll_interval = "10s"

[strategy]
kind = "queued"
concurrency = 2

[[banks]]
name = "a"
share = 0.5
service_time = { dist = "lognormal", median = "20s", p95 = "40s" }
limits = [{ kind = "concurrency", max_in_flight = 2 }]

[[banks]]
name = "b"
share = 0.5
service_time = { dist = "exponential", mean = "20s" }
"#;

fn comparison(dir: &Path, strategies: &str, rank_by: Option<&str>) -> Comparison {
    with_sets(dir, strategies, rank_by, &[])
}

fn with_sets(dir: &Path, strategies: &str, rank_by: Option<&str>, sets: &[&str]) -> Comparison {
    let path = dir.join("book.toml");
    std::fs::write(&path, BOOK).unwrap();
    let source = scenario::Source::read(&path).unwrap();
    let req = Request {
        strategies: Some(strategies.into()),
        replications: 2,
        rank_by: rank_by.map(String::from),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..Request::default()
    };
    Comparison::prepare(&source, &req).unwrap()
}

fn pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
}

/// A daily item's coverage of each period is its coverage, bank by bank; a 12-hour item's is
/// what `run` measures of it, far below its day's coverage; an item of two days has none.
#[test]
fn compare_pairs_each_items_own_periods() {
    let tmp = TempDir::new("periods-compare");
    let items = "daily=queued,twice=queued:period=12h,every2d=random_offset:period=48h";
    let c = comparison(tmp.path(), items, None);
    assert!(c.periods_differ());
    let runs = c.run(&pool());
    for (rows, v) in runs[0].iter().flatten().zip(0..) {
        assert_eq!(rows.period_coverage, Some(rows.coverage), "daily row {v}");
    }
    // The 12-hour item's rows are run's own, replication by replication.
    for r in 0..2 {
        let own = sim::run(&c.variants[1].scenario, replication_seed(c.seed, r));
        let want = SummaryRow::of_run(&own);
        assert_eq!(runs[1][r as usize], want);
        let all = want.last().unwrap();
        let p = all.period_coverage.unwrap();
        assert!(p < all.coverage - 0.3, "{p} vs {}", all.coverage);
    }
    assert!(runs[2]
        .iter()
        .flatten()
        .all(|s| s.period_coverage.is_none()));
    let book = c.paired(&runs);
    let row = |v: &str| {
        (book.iter())
            .find(|r| r.variant == v && r.metric == Metric::PeriodCoverage)
            .unwrap()
    };
    let diff = row("twice").difference_mean.unwrap();
    let mean = |v: usize| {
        (runs[v].iter())
            .map(|reps| reps.last().unwrap().period_coverage.unwrap())
            .sum::<f64>()
            / 2.0
    };
    assert!((diff - (mean(1) - mean(0))).abs() < 1e-12, "{diff}");
    assert!(diff < -0.3, "{diff}");
    assert_eq!(row("every2d").difference_mean, None);
    // Each bank's table is in periods; the column and its legend are shown.
    let banks =
        [Metric::PeriodCoverage, Metric::ClientFailureRate].map(|m| (m, c.by_bank(&runs, m)));
    let md = markdown(&c, &book, &banks);
    assert!(
        md.contains("| Coverage | Coverage of each period |"),
        "{md}"
    );
    assert!(md.contains("(`twice` every 12h)"), "{md}");
    assert!(
        md.contains(
            "Coverage of each period by bank (each bank's connections): each strategy's mean"
        ),
        "{md}"
    );
}

/// Ranked by the coverage of each period, the daily item comes first, though listed second.
/// Where every item is daily, the column is neither measured nor shown.
#[test]
fn compare_ranks_by_periods_and_hides_them_for_daily_items() {
    let tmp = TempDir::new("periods-rank");
    let c = comparison(
        tmp.path(),
        "twice=queued:period=12h,daily=queued",
        Some("period_coverage"),
    );
    let runs = c.run(&pool());
    let book = c.paired(&runs);
    let md = markdown(&c, &book, &[]);
    let first = md.lines().find(|l| l.starts_with("| 1 |")).unwrap();
    assert!(first.contains("`daily`"), "{md}");
    assert!(
        md.contains("Ranked by coverage of each period alone"),
        "{md}"
    );
    // By default, coverage's rule reads the coverage of each period where an item's period
    // is shorter than a day (a trial's ranked first a client covering 73 % of its periods,
    // for its days' 97 %): both cover every day, the daily item leads, and the rule says so.
    let c = comparison(tmp.path(), "twice=queued:period=12h,daily=queued", None);
    let md = markdown(&c, &c.paired(&c.run(&pool())), &[]);
    let first = md.lines().find(|l| l.starts_with("| 1 |")).unwrap();
    assert!(first.contains("`daily`"), "{md}");
    assert!(
        md.contains(
            "Ranked by the difference in the coverage of each period (a daily strategy's is its \
             coverage) (highest first), except"
        ),
        "{md}"
    );
    // The report's findings and chart read it too.
    let out = tmp.join("cmp");
    c.execute(&out, &pool()).unwrap();
    refresh_sim::report::write_report_titled(&out, None).unwrap();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("`daily` gained the most coverage of each period"),
        "{report}"
    );
    let svg = std::fs::read_to_string(out.join("charts/paired_differences.svg")).unwrap();
    assert!(svg.contains("coverage-of-each-period difference"), "{svg}");
    // Where no item's period is shorter than a day, ranking by it is refused.
    let source = scenario::Source::read(&tmp.join("book.toml")).unwrap();
    let req = Request {
        strategies: Some("queued,queued:concurrency=3".into()),
        replications: 2,
        rank_by: Some("period_coverage".into()),
        ..Request::default()
    };
    let e = Comparison::prepare(&source, &req).unwrap_err();
    assert!(
        e.message
            .starts_with("--rank-by period_coverage: no item's"),
        "{}",
        e.message
    );

    let c = comparison(tmp.path(), "queued,queued:concurrency=3", None);
    assert!(!c.periods_differ());
    let runs = c.run(&pool());
    assert!(runs
        .iter()
        .flatten()
        .flatten()
        .all(|s| s.period_coverage.is_none()));
    let md = markdown(&c, &c.paired(&runs), &[]);
    assert!(!md.contains("each period"), "{md}");
    assert!(!md.contains("Background coverage"), "{md}");
}

/// With customers, the background's own coverage is paired beside the coverage their
/// fetches add to (a slot too few to refresh everyone daily leaves them room to), with its
/// legend; an item without customers covers as much in both.
#[test]
fn compare_shows_the_backgrounds_own_coverage_where_customers_fetch() {
    let tmp = TempDir::new("background-compare");
    let sets = ["strategy.concurrency=1", "on_demand.per_connection=1"];
    let items = "queued,quiet=queued:on_demand.per_connection=0";
    let c = with_sets(tmp.path(), items, None, &sets);
    let runs = c.run(&pool());
    let book = c.paired(&runs);
    let mean = |v: &str, m: Metric| {
        (book.iter().find(|r| r.variant == v && r.metric == m))
            .and_then(|r| r.variant_mean)
            .unwrap()
    };
    let all = |v: usize, r: usize| runs[v][r].last().unwrap().clone();
    let by_hand =
        (all(0, 0).background_coverage.unwrap() + all(0, 1).background_coverage.unwrap()) / 2.0;
    assert!((mean("queued", Metric::BackgroundCoverage) - by_hand).abs() < 1e-12);
    assert!(
        mean("queued", Metric::Coverage) > mean("queued", Metric::BackgroundCoverage) + 0.05,
        "customers' fetches add to the coverage"
    );
    assert_eq!(
        mean("quiet", Metric::Coverage),
        mean("quiet", Metric::BackgroundCoverage)
    );
    // The report, from the files, shows its difference and legend.
    let out = tmp.join("cmp");
    c.execute(&out, &pool()).unwrap();
    refresh_sim::report::write_report_titled(&out, None).unwrap();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("| Coverage difference | Background coverage difference |"),
        "{report}"
    );
    assert!(
        report.contains("Background coverage: the coverage"),
        "{report}"
    );
    let md = markdown(&c, &book, &[]);
    assert!(
        md.contains("| Coverage | Background coverage | Failure rate |"),
        "{md}"
    );
    assert!(
        md.contains("Background coverage: the coverage the client's own refreshes give"),
        "{md}"
    );
}

/// A sweep over the period: each point's coverage of each period, a daily point's its
/// coverage, and the terminal's table says it.
#[test]
fn a_sweep_over_the_period_has_one_column_for_every_point() {
    let tmp = TempDir::new("periods-sweep");
    std::fs::write(tmp.join("book.toml"), BOOK).unwrap();
    let sweep = |sets: &[&str], out: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
            .args(["sweep", "book.toml", "--replications", "2", "--out", out])
            .args(sets.iter().flat_map(|s| ["--set", s]))
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let stdout = sweep(&["strategy.period=12h,24h"], "sw");
    assert!(stdout.contains("per period"), "{stdout}");
    assert!(!stdout.contains("background"), "{stdout}");
    // With customers, the background's own coverage beside the coverage.
    let with = sweep(
        &["strategy.concurrency=1,2", "on_demand.per_connection=1"],
        "sw2",
    );
    let header = with.lines().find(|l| l.contains("own 429s")).unwrap();
    let at = |h: &str| header.find(h).unwrap();
    assert!(at("coverage") < at("background"), "{with}");
    assert!(!with.contains("per period"), "{with}");
    assert!(
        stdout.contains("least covered bank (per period)"),
        "{stdout}"
    );
    let mut rd = csv::Reader::from_path(tmp.join("sw/sweep_summary.csv")).unwrap();
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let value = |r: &csv::StringRecord, c: &str| r[col(c)].parse::<f64>().unwrap();
    let (twice, daily) = (&rows[0], &rows[1]);
    assert_eq!(&daily[col("strategy.period")], "24h");
    assert_eq!(
        value(daily, "period_coverage_mean"),
        value(daily, "coverage_mean")
    );
    assert!(value(twice, "period_coverage_mean") < value(twice, "coverage_mean") - 0.3);
}
