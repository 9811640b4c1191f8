//! `compare --max-failure-rate`, end to end: a strategy whose own 429s pass the bound ranks
//! after those within it, marked, in `paired.md` and in the report; the bound is written in
//! every row of `paired.csv`; a bound that is no share is refused before anything runs.
//! `--max-bank-failure-rate` holds each bank's own 429s to it: a strategy within the bound in
//! all and past it at one bank ranks after those within it at every bank.

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
        md.contains("‡: its own 429s exceed 1.00 % of its attempts"),
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
        report.contains("‡: its own 429s exceed 1.00 % of its attempts"),
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

/// 20,000 connections, 5 % at a small bank admitting a call every 20 s (a burst of 2): four
/// queued slots cover every connection and are refused about a fifth of their attempts at the
/// small bank, about 1.3 % in all; one slot covers about a third and is never refused.
const TWO_BANKS: &str = r#"
name = "two"
seed = 5

[window]
length = "1d"

[population]
connections = 20000

[strategy]
kind = "queued"
concurrency = 4

[[banks]]
name = "big"
share = 0.95
service_time = { dist = "exponential", mean = "5s" }

[[banks]]
name = "small"
share = 0.05
service_time = { dist = "exponential", mean = "5s" }
limits = [{ kind = "token_bucket", rate = 0.05, burst = 2 }]
"#;

#[test]
fn a_bound_at_each_bank_reads_the_worst_bank() {
    let tmp = TempDir::new("compare-bank-bound");
    std::fs::write(tmp.join("two.toml"), TWO_BANKS).unwrap();
    let run = |bound: &str, out: &str| {
        let args = [
            "compare",
            "two.toml",
            "--strategies",
            "one=queued:concurrency=1,four=queued:concurrency=4",
            "--replications",
            "2",
            bound,
            "5%",
            "--out",
            out,
        ];
        let o = sim(tmp.path(), &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let md = std::fs::read_to_string(tmp.join(out).join(MARKDOWN_FILE)).unwrap();
        let first = md
            .lines()
            .find(|l| l.starts_with("| 1 |"))
            .unwrap()
            .to_string();
        (md, first)
    };
    // Within 5 % in all, so first for its coverage.
    let (md, first) = run("--max-failure-rate", "all");
    assert!(first.contains("`four`"), "{md}");
    // Past 5 % at the small bank: after the one slot, marked, and said so.
    let (md, first) = run("--max-bank-failure-rate", "each");
    assert!(first.contains("`one` (baseline)"), "{md}");
    assert!(md.contains("| 2 | `four` ‡ |"), "{md}");
    assert!(
        md.contains(
            "‡: its own 429s at its worst bank (each replication's, averaged) exceed 5.00 % of \
             that bank's attempts (`--max-bank-failure-rate`)"
        ),
        "{md}"
    );
    assert!(
        md.contains("| Own 429s | Own 429s at the worst bank |"),
        "{md}"
    );
    let rows: Vec<PairedRow> = refresh_sim::output::read(&tmp.join("each").join(FILE)).unwrap();
    assert!(rows
        .iter()
        .all(|r| (r.max_failure_rate, r.max_bank_failure_rate) == (None, Some(0.05))));
    // The report ranks as compare did and shows the worst bank's own 429s.
    let out = sim(tmp.path(), &["report", "each"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(tmp.join("each/report.md")).unwrap();
    let first = report.lines().find(|l| l.starts_with("| 1 |")).unwrap();
    assert!(first.contains("`one` (baseline)"), "{report}");
    assert!(
        report.contains("| Own 429s at the worst bank |"),
        "{report}"
    );
    let svg = std::fs::read_to_string(tmp.join("each/charts/paired_differences.svg")).unwrap();
    assert!(
        svg.contains("own 429s at the worst bank"),
        "the chart's legend"
    );
    assert!(svg.contains("four ‡"), "the chart's axis");
    // summary.csv: each bank's row its own 429s, the all row the worst bank's.
    let out = sim(tmp.path(), &["run", "two.toml", "--out", "run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<refresh_sim::output::summary::SummaryRow> =
        refresh_sim::output::read(&tmp.join("run/summary.csv")).unwrap();
    for r in &rows[..2] {
        assert_eq!(
            r.worst_bank_client_failure_rate,
            Some(r.client_failure_rate)
        );
    }
    let (small, all) = (&rows[1], &rows[2]);
    assert!(
        small.client_failure_rate > 0.1 && all.client_failure_rate < 0.05,
        "{rows:?}"
    );
    assert_eq!(
        all.worst_bank_client_failure_rate,
        Some(small.client_failure_rate)
    );
    // Not both bounds.
    let both = [
        "compare",
        "two.toml",
        "--max-failure-rate",
        "1%",
        "--max-bank-failure-rate",
        "2%",
        "--out",
        "both",
    ];
    let out = sim(tmp.path(), &both);
    assert_eq!(out.status.code(), Some(2));
    assert!(!tmp.join("both").exists());
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
