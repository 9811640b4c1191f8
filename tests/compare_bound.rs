//! `compare --max-failure-rate`, end to end: a strategy whose own 429s pass the bound ranks
//! after those within it, marked, in `paired.md` and in the report; the bound is written in
//! every row of `paired.csv`; a bound that is no share is refused before anything runs.

use refresh_sim::output::paired::{PairedRow, FILE, MARKDOWN_FILE};
use std::process::{Command, Output};

mod common;
use common::TempDir;

/// A day of 9,000 connections at a bank admitting a call every 10 s: one queued slot (a
/// refresh every 20 s) is never refused and covers about half; three are refused a third of
/// their attempts and cover nearly all, more than they fail, so coverage's rule ranks them
/// first.
const BOOK: &str = r#"
name = "book"
seed = 5

[window]
length = "1d"

[population]
connections = 9000

[strategy]
kind = "queued"
concurrency = 1

[[banks]]
name = "a"
share = 1.0
service_time = { dist = "exponential", mean = "20s" }
limits = [{ kind = "token_bucket", rate = 0.1, burst = 5 }]
"#;

fn sim(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_strategy_past_the_bound_ranks_after_those_within_it() {
    let tmp = TempDir::new("compare-bound");
    std::fs::write(tmp.join("book.toml"), BOOK).unwrap();
    let args = [
        "compare",
        "book.toml",
        "--strategies",
        "one=queued,three=queued:concurrency=3",
    ];
    let out = sim(
        tmp.path(),
        &[&args[..], &["--replications", "2", "--out", "c"]].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(tmp.join("c").join(MARKDOWN_FILE)).unwrap();
    let first = |md: &str| {
        md.lines()
            .find(|l| l.starts_with("| 1 |"))
            .unwrap()
            .to_string()
    };
    assert!(
        first(&md).contains("`three`"),
        "coverage ranks the three slots first: {md}"
    );

    let bounded = [
        &args[..],
        &[
            "--replications",
            "2",
            "--max-failure-rate",
            "1%",
            "--out",
            "b",
        ],
    ];
    let out = sim(tmp.path(), &bounded.concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(tmp.join("b").join(MARKDOWN_FILE)).unwrap();
    assert!(first(&md).contains("`one` (baseline)"), "{md}");
    assert!(
        md.contains("| 2 | `three` † ‡ |") || md.contains("| 2 | `three` ‡ |"),
        "{md}"
    );
    assert!(
        md.contains("‡: its own 429s exceed the bound of 1.00 %"),
        "{md}"
    );
    let rows: Vec<PairedRow> = refresh_sim::output::read(&tmp.join("b").join(FILE)).unwrap();
    assert!(rows.iter().all(|r| r.max_failure_rate == Some(0.01)));
    // The report ranks as compare did, from the file.
    let out = sim(tmp.path(), &["report", "b"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(tmp.join("b/report.md")).unwrap();
    let first = report.lines().find(|l| l.starts_with("| 1 |")).unwrap();
    assert!(first.contains("`one` (baseline)"), "{report}");
    assert!(
        report.contains("‡: its own 429s exceed the bound of 1.00 %"),
        "{report}"
    );
    assert!(report.contains("| Failure rate | Own 429s |"), "{report}");
    // The chart draws the own 429s the bound reads, and marks the strategy past it.
    let svg = std::fs::read_to_string(tmp.join("b/charts/paired_differences.svg")).unwrap();
    assert!(svg.contains("own 429s difference"), "the chart's legend");
    assert!(
        !svg.contains("failure-rate difference"),
        "drawn in its place"
    );
    assert!(
        !report.contains("No strategy kept"),
        "`one` is within: {report}"
    );
    assert!(svg.contains("three ‡"), "the chart's axis");

    // Every strategy past the bound: the findings say so.
    let all = [
        "--strategies",
        "three=queued:concurrency=3,four=queued:concurrency=4",
    ];
    let bounded = [
        &all[..],
        &[
            "--replications",
            "2",
            "--max-failure-rate",
            "1%",
            "--out",
            "d",
        ],
    ];
    let out = sim(
        tmp.path(),
        &[&["compare", "book.toml"][..], &bounded.concat()].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sim(tmp.path(), &["report", "d"]).status.success());
    let report = std::fs::read_to_string(tmp.join("d/report.md")).unwrap();
    assert!(
        report.contains("No strategy kept its own 429s within the bound of 1.00 %"),
        "{report}"
    );
}

#[test]
fn a_bound_that_is_no_share_is_refused() {
    let tmp = TempDir::new("compare-bound-bad");
    std::fs::write(tmp.join("book.toml"), BOOK).unwrap();
    for bad in ["1.5", "-0.02", "abc"] {
        let out = sim(
            tmp.path(),
            &[
                "compare",
                "book.toml",
                "--max-failure-rate",
                bad,
                "--out",
                "c",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--max-failure-rate"), "{bad}: {err}");
        assert!(!tmp.join("c").exists(), "{bad}");
    }
}
