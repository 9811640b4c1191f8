//! What the files and the report call a run, on the cases a planner's trial found wrong: AIMD
//! read "has no concurrency limit" beside rows its `strategy.concurrency` (the slots each
//! bank starts at) had changed, and a sweep over a bank's cap was told its concurrency charts
//! needed "several strategies" when it had two.

mod common;

use common::succeed;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_refresh-sim");

const SCENARIO: &str = "name = \"small\"\nseed = 5\n[window]\nlength = \"1d\"\n\
    [population]\nconnections = 3000\n[strategy]\nkind = \"queued\"\nconcurrency = 4\n\
    [[banks]]\nname = \"capped\"\nshare = 0.5\n\
    service_time = { dist = \"lognormal\", median = \"5s\", p95 = \"16s\" }\n\
    limits = [{ kind = \"concurrency\", max_in_flight = 3 }]\n\
    [[banks]]\nname = \"open\"\nshare = 0.5\n\
    service_time = { dist = \"lognormal\", median = \"3s\", p95 = \"10s\" }\n";

/// Writes the small scenario into `dir`; its path.
fn small(dir: &Path) -> PathBuf {
    let sc = dir.join("small.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    sc
}

/// Sweeps the small scenario over `kinds` and `others` (each a `--set`) in `dir`, reports on
/// it, and returns the scenario's path, the sweep's directory and its report.md.
fn swept(dir: &Path, kinds: &str, others: &[&str]) -> (PathBuf, PathBuf, String) {
    let sc = small(dir);
    let out = dir.join("sweep");
    let kinds = format!("strategy.kind={kinds}");
    let mut args = vec!["--set", &kinds, "--replications", "1", "--threads", "2"];
    for other in others {
        args.extend(["--set", other]);
    }
    succeed(
        Command::new(BIN)
            .arg("sweep")
            .arg(&sc)
            .args(args)
            .arg("--out")
            .arg(&out),
    );
    succeed(Command::new(BIN).arg("report").arg(&out));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    (sc, out, report)
}

#[test]
fn aimd_is_labelled_by_the_slots_it_starts_at() {
    let dir = tempfile::tempdir().unwrap();
    let (sc, out, report) = swept(
        dir.path(),
        "aimd,random_offset",
        &["strategy.concurrency=1,8"],
    );
    let summary = std::fs::read_to_string(out.join("sweep_summary.csv")).unwrap();
    for (row, concurrency) in [("aimd,1,", "1"), ("aimd,8,", "8")] {
        let line = summary.lines().find(|l| l.starts_with(row)).unwrap();
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[4], concurrency, "{line}");
    }
    assert!(
        !report.contains("Aimd has no concurrency limit"),
        "{report}"
    );
    assert!(
        report.contains("Random offset has no concurrency limit"),
        "{report}"
    );

    let run = dir.path().join("run");
    let header = run_header(&sc, &run, &["--set", "strategy.kind=aimd"]);
    assert!(header.contains("aimd (from 4 slots a bank)"), "{header}");
    let summary = std::fs::read_to_string(run.join("summary.csv")).unwrap();
    assert!(
        summary.lines().nth(1).unwrap().starts_with("small,aimd,4,"),
        "{summary}"
    );
    // Its report is written (a trial's panicked: the curves' reference lines, AIMD's among
    // them, outnumbered their looks).
    succeed(Command::new(BIN).arg("report").arg(&run));
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(report.contains("aimd (from 4 slots a bank)"), "{report}");
}

#[test]
fn a_sweep_over_a_banks_cap_is_told_it_does_not_vary_the_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let cap = "banks.capped.limits[0].max_in_flight=2,6";
    let (_, _, report) = swept(dir.path(), "paced,random_offset", &[cap]);
    for chart in [
        "Failure rate against concurrency",
        "Coverage against concurrency",
    ] {
        assert!(
            report.contains(&format!(
                "- {chart}: the sweep does not vary the concurrency."
            )),
            "{chart}: {report}"
        );
    }
}

/// A sweep over a bank's cap and the poll interval (a duration) draws the failure rate,
/// the coverage and the time with day-old data against each, and its findings are read
/// against the cap: a trial's sweep over a cap had a table and no chart, and a user base
/// swept at one size was read as the findings' axis ("the largest user base … was 3,000").
#[test]
fn a_sweep_over_any_numeric_field_draws_its_curves() {
    let dir = tempfile::tempdir().unwrap();
    let sets = [
        "banks.capped.limits[0].max_in_flight=1,2,8",
        "platform.poll_interval=5s,1m",
        "population.connections=3000",
        "banks.open.limits=[],[{kind = \"concurrency\", max_in_flight = 50}]",
    ];
    let (_, out, report) = swept(dir.path(), "queued", &sets);
    for field in [
        "banks-capped-limits-0-max_in_flight",
        "platform-poll_interval",
    ] {
        for base in ["failure_rate", "coverage", "stale_24h"] {
            for ext in ["png", "svg"] {
                let file = out.join(format!("charts/{base}_vs_{field}.{ext}"));
                assert!(file.is_file(), "{}: {report}", file.display());
            }
        }
    }
    for title in [
        "### Failure rate against capped max in flight, by poll interval and open limits",
        "### Coverage against poll interval, by capped max in flight and open limits",
    ] {
        assert!(report.contains(title), "{title}: {report}");
    }
    // Durations are read in seconds and said as written.
    assert!(report.contains("at poll interval 5s to "), "{report}");
    assert!(!report.contains("largest user base"), "{report}");
    assert!(
        report.contains("the mean failure rate went from ")
            && report.contains(" at capped max in flight 1 to "),
        "{report}"
    );
    assert!(
        report.contains(
            "`banks.open.limits` takes a value that is neither a number nor a duration (`[]`)"
        ),
        "{report}"
    );
    let svg = std::fs::read_to_string(
        out.join("charts/coverage_vs_banks-capped-limits-0-max_in_flight.svg"),
    )
    .unwrap();
    assert!(svg.contains("(log scale)"), "powers of two on a log axis");
    // Durations spanning a factor of 8 or more too (a trial's dedup windows of 5 min to 25 h
    // bunched at the left of a linear axis).
    let svg =
        std::fs::read_to_string(out.join("charts/coverage_vs_platform-poll_interval.svg")).unwrap();
    assert!(
        svg.contains("platform.poll_interval (seconds, log scale)"),
        "{svg}"
    );
    assert!(refresh_sim::report::is_chart_file(
        "stale_24h_vs_platform-poll_interval.png"
    ));
    assert!(!refresh_sim::report::is_chart_file("stale_24h_vs_.png"));
}

/// Runs `scenario` into `out`; what it printed.
fn run_header(scenario: &Path, out: &Path, args: &[&str]) -> String {
    let mut run = Command::new(BIN);
    run.arg("run")
        .arg(scenario)
        .args(args)
        .arg("--out")
        .arg(out);
    common::text(&succeed(&mut run).stdout)
}

/// A closed maintenance window's 503s are counted apart in every file (`outage_rejected`,
/// the same total in summary.csv, daily.csv and timeseries.csv), and the report shows 429s
/// without them: a trial's busiest "429" minute was a planned outage at 01:52.
#[test]
fn a_maintenance_windows_503s_are_not_shown_as_429s() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("small.toml");
    let closed = SCENARIO.replace(
        "limits = [{ kind = \"concurrency\", max_in_flight = 3 }]",
        "limits = [{ kind = \"concurrency\", max_in_flight = 3 }, \
         { kind = \"maintenance\", start = \"01:00\", end = \"03:00\" }]",
    );
    std::fs::write(&sc, closed).unwrap();
    let run = dir.path().join("run");
    run_header(&sc, &run, &[]);
    let total = |file: &str, bank_col: &str| -> (f64, f64) {
        let mut rd = csv::Reader::from_path(run.join(file)).unwrap();
        let h = rd.headers().unwrap().clone();
        let at = |n: &str| h.iter().position(|x| x == n).unwrap();
        let (b, r, o) = (at(bank_col), at("rate_limited"), at("outage_rejected"));
        rd.records()
            .map(|x| x.unwrap())
            .filter(|x| &x[b] == "capped")
            .fold((0.0, 0.0), |(r0, o0), x| {
                (
                    r0 + x[r].parse::<f64>().unwrap(),
                    o0 + x[o].parse::<f64>().unwrap(),
                )
            })
    };
    let (rate_limited, outage) = total("summary.csv", "bank");
    assert!(
        outage > 100.0 && rate_limited > outage,
        "{rate_limited} {outage}"
    );
    assert_eq!(total("daily.csv", "bank"), (rate_limited, outage));
    assert_eq!(total("timeseries.csv", "bank"), (rate_limited, outage));

    succeed(Command::new(BIN).arg("report").arg(&run));
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    let n429 = rate_limited - outage;
    let thousands = refresh_sim::output::text::thousands;
    assert!(
        report.contains(&format!(
            "| {} (+{} 503s) |",
            thousands(n429),
            thousands(outage)
        )),
        "{report}"
    );
    assert!(
        report.contains("Calls refused by a closed maintenance window (503s, not rate limits"),
        "{report}"
    );
}

/// A single run at six banks: its day in the life shows the total and five banks, says so,
/// and draws each bank's own chart (a trial's sixth bank was left out without a word).
#[test]
fn a_run_at_more_banks_than_the_day_chart_has_rows_draws_each_bank() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("six.toml");
    let mut text = String::from(
        "name = \"six\"\nseed = 2\n[window]\nlength = \"2h\"\n[population]\n\
         connections = 1200\n[strategy]\nkind = \"queued\"\nconcurrency = 4\nperiod = \"2h\"\n",
    );
    for (i, share) in [0.2, 0.2, 0.2, 0.2, 0.1, 0.1].iter().enumerate() {
        text.push_str(&format!(
            "[[banks]]\nname = \"bank{i}\"\nshare = {share}\n\
             service_time = {{ dist = \"exponential\", mean = \"2s\" }}\n"
        ));
    }
    std::fs::write(&sc, text).unwrap();
    let run = dir.path().join("run");
    run_header(&sc, &run, &[]);
    succeed(Command::new(BIN).arg("report").arg(&run));
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(
        report.contains(
            "- A day in the life: shows the total and the 5 of 6 banks with the most 429s"
        ) && report.contains(
            "A day in the life: queued (concurrency 4) on six, the 5 of its 6 banks with the most 429s"
        ),
        "{report}"
    );
    for i in 0..6 {
        let chart = run.join(format!("charts/day_in_the_life_bank{i}.png"));
        assert!(chart.is_file(), "{}", chart.display());
    }
    // The data age by hour of day is drawn from data_age_by_hour.csv, with its sentence.
    assert!(run.join("charts/data_age_by_hour.png").is_file());
    assert!(
        report.contains("### Data age by hour of day: queued (concurrency 4) on six")
            && report.contains(
                "Of the hours the window measured, customers open the app most from 00:00 to 01:00"
            ),
        "{report}"
    );
    assert!(refresh_sim::report::is_chart_file("data_age_by_hour.svg"));
    // With its line at a day old (a trial's board asked how far the data stood from it).
    let svg = std::fs::read_to_string(run.join("charts/data_age_by_hour.svg")).unwrap();
    assert!(svg.contains("24 h: a day old"), "no 24 h line");
}

/// Edited or cut files are refused, naming the file, the line and the column, not drawn: a
/// trial's coverage edited to 1.5 was reported as 150 %, and a sweep_summary.csv cut to 2
/// of its 4 points, beside the whole sweep.csv, as a 2-point sweep.
#[test]
fn an_edited_share_or_a_cut_sweep_summary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (sc, sweep, _) = swept(
        dir.path(),
        "queued,random_offset",
        &["strategy.concurrency=2,8"],
    );
    let summary = sweep.join("sweep_summary.csv");
    let whole = std::fs::read_to_string(&summary).unwrap();
    edit_cell(&summary, 3, "coverage_mean", "0.123456");
    let err = refused(&sweep);
    assert!(
        err.contains(
            "sweep_summary.csv: line 3: `coverage_mean` is not the mean of sweep.csv's runs"
        ),
        "{err}"
    );
    let cut: Vec<&str> = whole.lines().take(3).collect();
    std::fs::write(&summary, cut.join("\n") + "\n").unwrap();
    let err = refused(&sweep);
    assert!(
        err.contains(
            "sweep_summary.csv: 2 point(s) where sweep.csv has 4: a cut-off or edited file"
        ),
        "{err}"
    );
    // Alone, a summary's share out of range is refused too.
    std::fs::write(&summary, &whole).unwrap();
    edit_cell(&summary, 3, "coverage_mean", "1.7");
    std::fs::remove_file(sweep.join("sweep.csv")).unwrap();
    let err = refused(&sweep);
    assert!(
        err.contains("sweep_summary.csv: line 3: `coverage_mean` is 1.7, not a share"),
        "{err}"
    );

    let run = dir.path().join("run");
    run_header(&sc, &run, &[]);
    edit_cell(&run.join("summary.csv"), 3, "coverage", "1.5");
    let err = refused(&run);
    assert!(
        err.contains("summary.csv: line 3: `coverage` is 1.5, not a share between 0 and 1"),
        "{err}"
    );
}

/// A timeseries.csv copied short (or with a minute's counts edited) no longer sums to the
/// run's summary: refused, not drawn as a day that went quiet.
#[test]
fn a_cut_or_edited_timeseries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path());
    let run = dir.path().join("run");
    run_header(&sc, &run, &[]);
    let series = run.join("timeseries.csv");
    let whole = std::fs::read_to_string(&series).unwrap();
    let rows = whole.lines().count();
    let cut: Vec<&str> = whole.lines().take(rows / 2).collect();
    std::fs::write(&series, cut.join("\n") + "\n").unwrap();
    let err = refused(&run);
    assert!(
        err.contains("timeseries.csv: bank `capped`: its `submitted` column sums to")
            && err.contains("a cut-off or edited file"),
        "{err}"
    );
    // Whole again, it is drawn; one minute's successes raised by one is refused.
    std::fs::write(&series, &whole).unwrap();
    succeed(Command::new(BIN).arg("report").arg(&run));
    let line = whole
        .lines()
        .position(|l| l.contains(",open,") && !l.ends_with(",0,0,0,0,0,0"))
        .unwrap()
        + 1;
    let header: Vec<&str> = whole.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "successes").unwrap();
    let was: u64 = whole
        .lines()
        .nth(line - 1)
        .unwrap()
        .split(',')
        .nth(col)
        .unwrap()
        .parse()
        .unwrap();
    edit_cell(&series, line, "successes", &(was + 1).to_string());
    let err = refused(&run);
    assert!(err.contains("bank `open`: its `successes` column"), "{err}");
}

/// Sets `column` of line `line` (1-based, the header is line 1) of the CSV at `path`.
fn edit_cell(path: &Path, line: usize, column: &str, value: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let col = lines[0].split(',').position(|h| h == column).unwrap();
    let mut cells: Vec<&str> = lines[line - 1].split(',').collect();
    cells[col] = value;
    lines[line - 1] = cells.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// `report DIR`, which must refuse with exit status 2; what it said.
fn refused(dir: &Path) -> String {
    let o = Command::new(BIN).arg("report").arg(dir).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", common::text(&o.stderr));
    common::text(&o.stderr)
}

/// Coverage that falls along the swept field is met up to a value: "the largest poll
/// interval …", not "the smallest" (which read as if 10 s were a minimum); with the own
/// 429s at that point, as sweep_summary.csv has them (a lender's trial read "was 64
/// (100.00 %)" where 64 slots drew 28 %).
#[test]
fn coverage_falling_along_a_field_is_read_from_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out, report) = swept(dir.path(), "queued", &["platform.poll_interval=10s,1m,5m"]);
    let mut rd = csv::Reader::from_path(out.join("sweep_summary.csv")).unwrap();
    let heads = rd.headers().unwrap().clone();
    let col = |name: &str| heads.iter().position(|h| h == name).unwrap();
    let at_1m = (rd.records().map(|r| r.unwrap()))
        .find(|r| &r[col("platform.poll_interval")] == "1m")
        .unwrap();
    let own: f64 = at_1m[col("client_failure_rate_mean")].parse().unwrap();
    let said = format!(
        "The largest poll interval whose mean coverage reached 99 % was 1m (100.00 %, own 429s \
         {})",
        refresh_sim::output::text::pct(own)
    );
    assert!(report.contains(&said), "{said} not in {report}");
}

/// Along the user base the most users a day is at the most users, trivially: the finding is
/// where users per day stop growing (a queue of four workers levels off), or that they
/// still grow at the largest base (bulk, which sends everyone at once).
#[test]
fn users_per_day_along_the_user_base_say_where_they_level_off() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, report) = swept(
        dir.path(),
        "queued,bulk",
        &["population.connections=3000,100000,200000"],
    );
    assert!(
        report.contains("For queued, users per day levelled off from 100,000 connections up, at ")
            && report.contains("For bulk, users per day grew with the user base, to ")
            && report.contains(" at 200,000 connections, the largest in the sweep")
            && !report.contains("The highest mean users per day"),
        "{report}"
    );
}

/// A field set to one value (`--set strategy.concurrency=16`) is not an axis: no chart is
/// drawn against it with one point a series. A chart with more series than it shows says so
/// in its caption (it was drawn), not among the charts not drawn.
#[test]
fn a_single_valued_field_is_not_an_axis_and_a_cut_legend_is_captioned() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, report) = swept(
        dir.path(),
        "queued,aimd",
        &[
            "strategy.concurrency=16",
            "population.connections=3000,6000",
        ],
    );
    assert!(
        !report.contains("against concurrency, by")
            && report.contains(
                "- Coverage against concurrency: the sweep does not vary the concurrency."
            )
            && report.contains("![Coverage against user base"),
        "{report}"
    );
    let dir = tempfile::tempdir().unwrap();
    let caps = "banks.capped.limits.0.max_in_flight=1,2,3,4,5,6,7,8";
    let (_, _, report) = swept(dir.path(), "queued", &["strategy.concurrency=2,4", caps]);
    let (drawn, not_drawn) = report
        .split_once("## Charts not drawn")
        .unwrap_or((&report, ""));
    assert!(
        drawn.contains("The chart shows the first 7 of the sweep's 8 series, to stay readable")
            && !not_drawn.contains("of the sweep's 8 series"),
        "{report}"
    );
}

/// The sweep's best point is not named a winner over points its 95 % interval holds: a worker
/// overhead of 0.30 s or 0.31 s refreshes as many users a day within the noise of three
/// replications, 3 s clearly fewer (a trial's report named a winner 8 users a day ahead).
#[test]
fn the_best_point_is_told_from_those_its_interval_holds() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path());
    let out = dir.path().join("near");
    let overheads = ["0.3s", "0.31s", "3s"]
        .map(|v| format!("{{ dist = \"constant\", value = \"{v}\" }}"))
        .join(",");
    succeed(
        Command::new(BIN)
            .arg("sweep")
            .arg(&sc)
            .args(["--set", "population.connections=80000"])
            .args(["--set", "banks.capped.limits=[]"])
            .args(["--set", &format!("strategy.worker_overhead={overheads}")])
            .args(["--replications", "3", "--threads", "2", "--out"])
            .arg(&out),
    );
    succeed(Command::new(BIN).arg("report").arg(&out));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let best = report
        .split(". ")
        .find(|s| s.contains("The highest mean users per day"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        best.contains(
            "value = \"0.31s\" } lies within its 95 % interval: these replications do \
             not tell them apart"
        ) && !best.contains("\"3s\""),
        "{best}"
    );
}

/// A client that cannot refresh everyone in a day leaves connections with no data since the
/// window opened. `run` and the report say so, and whose it is: with most connections
/// reached each day (four slots for 40,000: 74 %), mostly the start's artefact, which a
/// longer warm-up removes; with few (200,000: 15 %, a pass of 7 days), much of it the
/// client's own in a two-day window, and the start's in a ten-day one. A client
/// that keeps up is not told. A client that keeps up with one bank and not the other (one
/// slot for the capped bank's 20,000 connections, about a third of them a day) is told it
/// is its own, at that bank, though it reaches most connections in all.
#[test]
fn never_refreshed_time_is_told_as_the_starts_or_the_clients() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path());
    let run = |out: &str, connections: &str, more: &[&str]| {
        // A two-day window with a day's warm-up, unless `more` says otherwise.
        let window = ["window.length=2d", "window.warmup=1d"];
        let defaults = window.iter().filter(|w| {
            let field = w.split('=').next().unwrap();
            !more.iter().any(|m| m.starts_with(field))
        });
        let sets = defaults.chain(more).flat_map(|m| ["--set", m]);
        let o = succeed(
            Command::new(BIN)
                .arg("run")
                .arg(&sc)
                .args(["--set", &format!("population.connections={connections}")])
                .args(sets)
                .arg("--out")
                .arg(dir.path().join(out)),
        );
        common::text(&o.stderr)
    };
    let said = "of the connection-time measured had no data (never refreshed since the window";
    let start = "so this is mostly the start's artefact, not a fact about refreshes";
    let own = "much of it is the client's own (a connection waits about 7 days for its turn)";
    let behind = run("behind", "40000", &[]);
    assert!(behind.contains(said) && behind.contains(start), "{behind}");
    let far = run("far-behind", "200000", &[]);
    assert!(far.contains(said) && far.contains(own), "{far}");
    // The same client over a window longer than its pass: the start's, and a warm-up as
    // long as the pass leaves none (a trial's note blamed the client, where a warm-up of six
    // days took its 6 % without data to 0.07 %).
    let long = run("far-long", "200000", &["window.length=10d"]);
    let pass = "the client's pass comes round to every connection in about 7 days, so this is \
                mostly the start's artefact";
    assert!(long.contains(said) && long.contains(pass), "{long}");
    assert!(
        long.contains("a window.warmup of 8 days or more leaves none"),
        "{long}"
    );
    let warmed = run(
        "far-warmed",
        "200000",
        &["window.length=10d", "window.warmup=8d"],
    );
    assert!(!warmed.contains(said), "{warmed}");
    let kept_up = run("kept-up", "3000", &[]);
    assert!(!kept_up.contains(said), "{kept_up}");
    let pools = [
        "strategy.kind=per_bank",
        "strategy.pools={ capped = 1, open = 8 }",
    ];
    let one_bank = run("one-bank", "40000", &pools);
    let capped = "all of it at capped (";
    assert!(
        one_bank.contains(said)
            && one_bank.contains(capped)
            && one_bank.contains("the client's own, not the start's")
            && !one_bank.contains(start),
        "{one_bank}"
    );
    for (out, told) in [
        ("behind", Some(start)),
        ("far-behind", Some(own)),
        ("kept-up", None),
        ("one-bank", Some(capped)),
    ] {
        succeed(Command::new(BIN).arg("report").arg(dir.path().join(out)));
        let md = std::fs::read_to_string(dir.path().join(out).join("report.md")).unwrap();
        assert_eq!(md.contains(said), told.is_some(), "{md}");
        assert!(told.is_none_or(|t| md.contains(t)), "{md}");
    }
}

/// Customers' in-app requests are told on the terminal and in the report (how many, the
/// share of their attempts that failed and where most did, their wait), with the warning
/// that their refreshes count with the background's; without customers, nothing is said.
#[test]
fn customers_requests_are_told_beside_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path());
    let with = dir.path().join("with");
    let header = run_header(&sc, &with, &["--set", "on_demand.per_connection=0.5"]);
    let line = header
        .lines()
        .find(|l| l.starts_with("customers: "))
        .unwrap_or_else(|| panic!("{header}"));
    assert!(
        line.contains(" in-app requests (")
            && line.contains("% of the attempts failed")
            && line.contains("(their calls' 429s alone, link and reconnect fetches among them")
            && line.contains("; the background's own refreshes covered "),
        "{line}"
    );
    let without = dir.path().join("without");
    let header = run_header(&sc, &without, &[]);
    assert!(!header.contains("customers: "), "{header}");
    for (out, told) in [(&with, true), (&without, false)] {
        succeed(Command::new(BIN).arg("report").arg(out));
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert_eq!(
            md.contains("customers made ")
                && md.contains("coverage, the background's own refreshes gave ")
                && md.contains("Their refreshes count in coverage, users per day and staleness"),
            told,
            "{md}"
        );
    }
    // The hour-of-day chart reads the clock, and the files it was drawn from are named.
    let svg = std::fs::read_to_string(with.join("charts/data_age_by_hour.svg")).unwrap();
    assert!(
        svg.contains("06:00") && svg.contains("time of day"),
        "{svg}"
    );
    let md = std::fs::read_to_string(with.join("report.md")).unwrap();
    assert!(md.contains("`data_age_by_hour.csv`."), "{md}");
}

/// A directory whose subdirectories mix kinds of results (a run, a sweep) is refused naming
/// what its report would leave out, not reported on the runs alone; one holding only a
/// sweep below it points there.
#[test]
fn a_directory_mixing_kinds_of_results_names_what_it_would_leave_out() {
    let dir = tempfile::tempdir().unwrap();
    let (sc, _, _) = swept(dir.path(), "queued", &["strategy.concurrency=2,4"]);
    let err = refused(dir.path());
    assert!(
        err.contains("holds no results of its own, but its subdirectories hold sweep (a sweep): report on it"),
        "{err}"
    );
    run_header(&sc, &dir.path().join("run"), &[]);
    let err = refused(dir.path());
    assert!(
        err.contains("its subdirectories hold sweep (a sweep) beside 1 run(s): a report reads one kind of results"),
        "{err}"
    );
    // A name with a parenthesis is pointed at whole.
    let copy = dir.path().join("sweep (copy)");
    std::fs::rename(dir.path().join("sweep"), &copy).unwrap();
    let err = refused(dir.path());
    assert!(
        err.contains(&format!("`refresh-sim report {}`", copy.display())),
        "{err}"
    );
    // The default experiment's layout: runs, and their comparison in `paired/` beside them.
    std::fs::remove_dir_all(&copy).unwrap();
    let compare = [
        "compare",
        sc.to_str().unwrap(),
        "--strategies",
        "queued,bulk",
    ];
    let paired = dir.path().join("paired");
    succeed(
        Command::new(BIN)
            .args(compare)
            .args(["--replications", "2", "--out"])
            .arg(&paired),
    );
    succeed(Command::new(BIN).arg("report").arg(dir.path()));
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("`paired/paired.csv`"), "{md}");
}

/// Two runs of one strategy with other settings (a poll interval) are told apart in the
/// report by their directories; runs of different strategies keep their plain labels.
#[test]
fn runs_of_one_strategy_are_told_apart_by_their_directories() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path());
    let runs = dir.path().join("runs");
    run_header(&sc, &runs.join("fast-poll"), &[]);
    let slow = ["--set", "platform.poll_interval=1m"];
    run_header(&sc, &runs.join("slow-poll"), &slow);
    succeed(Command::new(BIN).arg("report").arg(&runs));
    let md = std::fs::read_to_string(runs.join("report.md")).unwrap();
    assert!(
        md.contains("queued (concurrency 4) in fast-poll/")
            && md.contains("queued (concurrency 4) in slow-poll/"),
        "{md}"
    );
    // The charts draw them as two lines, not one line of two values (not against
    // concurrency, where both stand at 4: nothing to draw there).
    let svg = std::fs::read_to_string(runs.join("charts/staleness.svg")).unwrap();
    assert!(
        svg.contains("in fast-poll/") && svg.contains("in slow-poll/"),
        "{svg}"
    );
    run_header(
        &sc,
        &runs.join("slow-poll"),
        &["--set", "strategy.kind=bulk"],
    );
    succeed(Command::new(BIN).arg("report").arg(&runs));
    let md = std::fs::read_to_string(runs.join("report.md")).unwrap();
    assert!(!md.contains(" in fast-poll/"), "{md}");
}

/// Runs labelled apart at one concurrency of one kind (a trial's five queues of 64, each with
/// other platform settings) are not drawn against concurrency: five dots stacked on one line
/// read as a curve. The report says why, and points to compare.
#[test]
fn labelled_runs_at_one_concurrency_are_not_drawn_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path());
    let runs = dir.path().join("runs");
    run_header(&sc, &runs.join("a"), &["--label", "fast poll"]);
    let slow = ["--label", "slow poll", "--set", "platform.poll_interval=1m"];
    run_header(&sc, &runs.join("b"), &slow);
    succeed(Command::new(BIN).arg("report").arg(&runs));
    let md = std::fs::read_to_string(runs.join("report.md")).unwrap();
    let why = "several runs are queued at a concurrency of 4: they differ in what the axis \
               does not show";
    assert!(
        md.contains(&format!("- Failure rate against concurrency: {why}")),
        "{md}"
    );
    assert!(
        md.contains(&format!("- Coverage against concurrency: {why}")),
        "{md}"
    );
    assert!(!runs.join("charts/failure_rate.svg").exists());
    // Runs of one kind at one concurrency in two scenarios are two lines of one point each:
    // nothing to draw against concurrency either (a trial's runs with and without a
    // maintenance morning).
    let other = dir.path().join("other.toml");
    let text = std::fs::read_to_string(&sc).unwrap();
    std::fs::write(
        &other,
        text.replacen("name = ", "name = \"other\"\n# was: ", 1),
    )
    .unwrap();
    run_header(&other, &runs.join("b"), &["--label", "other"]);
    succeed(Command::new(BIN).arg("report").arg(&runs));
    let md = std::fs::read_to_string(runs.join("report.md")).unwrap();
    assert!(
        md.contains(
            "- Failure rate against concurrency: every run is at a concurrency of 4: \
                     nothing to draw against it"
        ),
        "{md}"
    );
    assert!(!runs.join("charts/failure_rate.svg").exists());
    // At two concurrencies the two runs are a curve, and drawn.
    let more = ["--label", "more", "--set", "strategy.concurrency=8"];
    run_header(&sc, &runs.join("b"), &more);
    succeed(Command::new(BIN).arg("report").arg(&runs));
    assert!(runs.join("charts/failure_rate.svg").is_file());
}

/// On the concurrency axis (calls in parallel) per-bank pools stand at their slots in all:
/// `strategy.concurrency = 2` is two slots at each of the two banks, four in all, as
/// sweep_summary.csv's `concurrency` column says.
#[test]
fn per_bank_pools_stand_at_their_slots_in_all() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out, report) = swept(dir.path(), "queued,per_bank", &["strategy.concurrency=2,4"]);
    let summary = std::fs::read_to_string(out.join("sweep_summary.csv")).unwrap();
    assert!(
        summary.contains("\nper_bank,2,small,per_bank,4,"),
        "{summary}"
    );
    assert!(
        report.contains("For per bank (slots in all), the mean failure rate went from ")
            && report.contains("% at concurrency 4 to ")
            && report.contains("% at 8."),
        "{report}"
    );
}

/// The per-minute series stops a day after the window; a bank that drains its queue longer
/// than that (20,000 calls of 10 s through one server: 55 h) has successes in the totals
/// only. The report reads such a run rather than call its own file cut.
#[test]
fn a_series_stopped_a_day_after_the_window_is_not_called_cut() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("slow.toml");
    std::fs::write(
        &sc,
        "name = \"slow\"\n[window]\nlength = \"1d\"\n[population]\nconnections = 20000\n\
         [strategy]\nkind = \"bulk\"\n[[banks]]\nname = \"one-server\"\nshare = 1.0\n\
         servers = 1\nerror_rate = 0.0\nservice_time = { dist = \"constant\", value = \"10s\" }\n",
    )
    .unwrap();
    let run = dir.path().join("run");
    run_header(&sc, &run, &[]);
    let summary = std::fs::read_to_string(run.join("summary.csv")).unwrap();
    let series = std::fs::read_to_string(run.join("timeseries.csv")).unwrap();
    let col = |text: &str, name: &str| {
        let head: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let k = head.iter().position(|h| *h == name).unwrap();
        text.lines()
            .skip(1)
            .filter(|l| l.contains("one-server"))
            .map(|l| l.split(',').nth(k).unwrap().parse::<u64>().unwrap())
            .collect::<Vec<_>>()
    };
    let in_series: u64 = col(&series, "successes").iter().sum();
    assert!(in_series < col(&summary, "successes")[0], "{in_series}");
    succeed(Command::new(BIN).arg("report").arg(&run));
}
