//! A sweep's banks, end to end: a point of one bank beside points of two (the terminal's
//! column and the report's chart say so), and the banks' files refused by `report` where
//! they are not the sweep's beside them.

mod common;
use common::*;

/// `sweep SMALL --set ARGS… --out DIR`, which must succeed: its stdout.
fn sweep(scenario: &str, dir: &str, sets: &[&str]) -> String {
    let mut args = vec!["sweep", scenario, "--replications", "2", "--out", dir];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = sim(&args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

const ONE_BANK: &str =
    r#"[{ name = "solo", share = 1.0, service_time = { dist = "constant", value = "2s" } }]"#;
const TWO_BANKS: &str = r#"[{ name = "x", share = 0.5, service_time = { dist = "constant", value = "2s" }, limits = [{ kind = "concurrency", max_in_flight = 2 }] }, { name = "y", share = 0.5, service_time = { dist = "constant", value = "2s" } }]"#;

#[test]
fn points_of_one_bank_beside_two_are_said_not_drawn() {
    let t = TempDir::new("sweep-banks-mixed");
    let scenario = write_small(t.path());
    let s = scenario.to_str().unwrap();
    let dir = t.join("mixed");
    let banks = format!("banks={ONE_BANK},{TWO_BANKS}");
    let out = sweep(
        s,
        dir.to_str().unwrap(),
        &[&banks, "strategy.concurrency=2,8"],
    );
    // The one-bank points have no bank with the most own 429s; the others name theirs.
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("[{ name")).collect();
    assert_eq!(rows.len(), 4, "{out}");
    assert!(rows[0].ends_with('—') && rows[2].ends_with('—'), "{out}");
    assert!(
        rows[1].contains("  none  "),
        "nothing failed at 2 slots: {out}"
    );
    assert!(
        rows[3].ends_with("none"),
        "every bank covered at 8 slots: {out}"
    );
    assert!(
        rows[3].contains("  x "),
        "the capped bank fails most: {out}"
    );
    let o = sim(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("charts/own_429s_by_bank_vs_strategy-concurrency.png"),
        "{md}"
    );
    assert!(
        md.contains("The sweep's 2 point(s) of a single bank are not drawn"),
        "{md}"
    );
}

#[test]
fn banks_files_of_another_sweep_are_refused() {
    let t = TempDir::new("sweep-banks-foreign");
    let scenario = write_small(t.path());
    let s = scenario.to_str().unwrap();
    let (a, b) = (t.join("a"), t.join("b"));
    sweep(s, a.to_str().unwrap(), &["strategy.concurrency=2,8"]);
    sweep(s, b.to_str().unwrap(), &["banks[0].error_rate=0.01,0.05"]);
    let refused = |dir: &std::path::Path| {
        let o = sim(&["report", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        text(&o.stderr)
    };
    // Another grid's banks beside this sweep.
    let copy = |f: &str| std::fs::copy(b.join(f), a.join(f)).unwrap();
    let own = std::fs::read(a.join("sweep_banks.csv")).unwrap();
    copy("sweep_banks_summary.csv");
    let e = refused(&a);
    assert!(
        e.contains("sweep_banks_summary.csv") && e.contains("not the sweep's"),
        "{e}"
    );
    copy("sweep_banks.csv");
    std::fs::remove_file(a.join("sweep_banks_summary.csv")).unwrap();
    let e = refused(&a);
    assert!(e.contains("sweep_banks.csv: its grid's columns are"), "{e}");
    // A bank's row turned into the run's own.
    let edited = String::from_utf8(own).unwrap().replacen(",a,", ",all,", 1);
    std::fs::write(a.join("sweep_banks.csv"), edited).unwrap();
    let e = refused(&a);
    assert!(
        e.contains("line 2: not a bank's row of a run of the sweep"),
        "{e}"
    );
}

/// A sweep of one bank's pool: its opens finding data a day old move far more than the
/// book's, and the report says so of that bank (a trial's sweep read "coverage 94.52 % at
/// every point" while one bank's opens a day old fell from 23.6 % to 3.4 %, said nowhere).
#[test]
fn the_bank_whose_opens_moved_most_is_named() {
    let t = TempDir::new("sweep-banks-opens");
    let dir = t.join("pool");
    let sets = [
        "population.connections=100000",
        "strategy.kind=per_bank",
        "strategy.concurrency=8",
        "strategy.pools.building-society=1,4",
    ];
    sweep("uk-mix", dir.to_str().unwrap(), &sets);
    let o = sim(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let said = md
        .lines()
        .find(|l| l.contains("the share of app opens finding data a day old went from"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        said.starts_with("- At bank building-society, ") && said.contains("the most of any bank"),
        "{said}"
    );
    // Its figures are the banks' file's, from the first point to the last.
    let rows = std::fs::read_to_string(dir.join("sweep_banks_summary.csv")).unwrap();
    let mut lines = rows.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (bank, share) = (col("bank"), col("stale_24h_at_open_share_mean"));
    let shares: Vec<f64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[bank] == "building-society")
        .map(|f| f[share].parse().unwrap())
        .collect();
    let pct = |x: f64| format!("{:.2} %", 100.0 * x);
    assert!(
        said.contains(&format!(
            "from {} at 1 to {} at 4",
            pct(shares[0]),
            pct(shares[1])
        )),
        "{said} vs {shares:?}"
    );
}

/// A twelve-hourly queue: a queue of 4 refreshes nearly every connection each day (99.83 %)
/// but a third of them are left over each period; the report's sentence, coverage chart and
/// per-bank chart read each period's coverage (the day's read a trial's at 99.91 % where its
/// periods were covered 93.04 %), and the terminal and the report name the bank with the
/// most own 429s, not 5xx errors.
#[test]
fn a_twelve_hour_sweep_reads_each_periods_coverage() {
    let t = TempDir::new("sweep-banks-period");
    let dir = t.join("twelve");
    let sets = [
        "population.connections=20000",
        "strategy.period=12h",
        "strategy.concurrency=4,16",
    ];
    let out = sweep("uk-mix", dir.to_str().unwrap(), &sets);
    assert!(
        out.contains("most own 429s (bank)") && out.contains("least covered bank (per period)"),
        "{out}"
    );
    // The column by its place: at 4 slots no own 429s (the banks' 5xx errors, which the
    // old column counted, are no bank's own 429s), at 16 the capped building society's.
    let cells = |start: &str| -> Vec<String> {
        let line = out.lines().find(|l| l.starts_with(start)).unwrap();
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    let header = cells("strategy.concurrency");
    let own = header
        .iter()
        .position(|h| h == "most own 429s (bank)")
        .unwrap();
    assert_eq!(cells("4 ")[own], "none", "{out}");
    assert!(cells("16 ")[own].starts_with("building-society "), "{out}");
    let o = sim(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for want in [
        "The smallest concurrency whose mean coverage of each period reached 99 % was 16",
        "### Coverage of each period against concurrency",
        "charts/period_coverage_by_bank_vs_strategy-concurrency.png",
        "charts/own_429s_by_bank_vs_strategy-concurrency.png",
        "building-society has the largest share of its attempts refused by own 429s",
    ] {
        assert!(md.contains(want), "{want}: {md}");
    }
    assert!(!md.contains("charts/coverage_by_bank_"), "{md}");
    assert!(!md.contains("charts/failure_rate_by_bank_"), "{md}");
}
