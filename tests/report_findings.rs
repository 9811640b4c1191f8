//! The report's findings over several runs say what a planner would otherwise misread: the
//! client that failed least beside the one that covered most, and the busiest minute of
//! the measured days rather than of the warm-up.

mod common;

use common::{succeed, TempDir};
use refresh_sim::output::text::pct;
use std::path::Path;
use std::process::Command;

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
}

/// Runs `scenario` (with `sets`) into `out`.
fn run(scenario: &Path, out: &Path, sets: &[&str]) {
    let mut c = sim();
    c.arg("run").arg(scenario);
    for s in sets {
        c.args(["--set", s]);
    }
    succeed(c.arg("--out").arg(out));
}

/// `report DIR`, and its report.md.
fn report(dir: &Path) -> String {
    succeed(sim().arg("report").arg(dir));
    std::fs::read_to_string(dir.join("report.md")).unwrap()
}

/// One bank of 20,000 connections, ten seconds a call, a bucket of 0.15 a second: a queue
/// of one slot (0.1 a second) never meets it and covers 41 %; random offsets (0.23 a
/// second) cover 65 % with a third of their attempts refused; bulk at midnight almost none.
const BUCKET: &str = "name = \"bucket\"\n[window]\nlength = \"1d\"\n[population]\n\
    connections = 20000\n[platform]\nstatus = \"callback\"\n[strategy]\nkind = \"queued\"\n\
    concurrency = 1\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
    service_time = { dist = \"constant\", value = \"10s\" }\n\
    limits = [{ kind = \"token_bucket\", rate = 0.15, burst = 20 }]\n";

/// The queue fails least and covers least but for bulk: the report says so, and names the
/// client that covered most, which is not the one that failed most.
#[test]
fn failing_least_is_told_apart_from_covering_most() {
    let t = TempDir::new("report-least");
    let file = t.join("bucket.toml");
    std::fs::write(&file, BUCKET).unwrap();
    let runs = t.join("runs");
    run(&file, &runs.join("A_queue"), &[]);
    run(
        &file,
        &runs.join("B_offset"),
        &["strategy.kind=random_offset"],
    );
    run(&file, &runs.join("C_bulk"), &["strategy.kind=bulk"]);
    let md = report(&runs);
    assert!(
        md.contains("Queued (concurrency 1) failed least, 0.00 % of attempts (covering 40."),
        "{md}"
    );
    assert!(md.contains("and bulk most, "), "{md}");
    assert!(
        md.contains("Failing least is not covering most: random offset covered 64."),
        "{md}"
    );
}

/// A bulk client meets the same burst of 429s at every period start: the busiest minute is
/// told on the first measured day, not the warm-up's (a trial's peaks were warm-up days').
#[test]
fn the_busiest_minute_is_a_measured_days() {
    let t = TempDir::new("report-busiest");
    let file = t.join("bucket.toml");
    let text = BUCKET
        .replace("length = \"1d\"", "length = \"3d\"\nwarmup = \"1d\"")
        .replace("connections = 20000", "connections = 3000");
    std::fs::write(&file, text).unwrap();
    let out = t.join("bulk");
    run(&file, &out, &["strategy.kind=bulk"]);
    let md = report(&out);
    assert!(
        md.contains(
            "Most 429 responses in one minute of the measured days: 2,980 under bulk (on day 1 at \
             00:00)."
        ),
        "{md}"
    );
    assert!(!md.contains("a warm-up day"), "{md}");
    // With several banks, the one that had them (the day chart may draw five banks only).
    let mix = t.join("mix");
    let uk = common::root().join("scenarios/uk-mix.toml");
    run(
        &uk,
        &mix,
        &[
            "population.connections=100000",
            "strategy.kind=random_offset",
        ],
    );
    let md = report(&mix);
    let busiest = md
        .lines()
        .find(|l| l.contains("Most 429 responses in one minute"))
        .unwrap();
    assert!(busiest.contains(", all at building-society)"), "{busiest}");
    // Hours alike are said together, and an age that does not move is not "from … to" it;
    // random offsets' minutes of spread are no pattern.
    let by_hour = md
        .lines()
        .find(|l| l.contains("the median barely moves with the hour"))
        .unwrap();
    assert!(
        by_hour.contains("in 2 hours alike (7.48 % of opens each, 19:00–21:00), when the median data age is 12.1 h;"),
        "{by_hour}"
    );
    assert!(
        by_hour.contains("barely moves with the hour (12.1 h to 12.3 h)."),
        "{by_hour}"
    );
    // A night band's data is young after the night and old before it: said by the hour.
    let night = t.join("night");
    run(
        &uk,
        &night,
        &[
            "population.connections=20000",
            "strategy.kind=queued",
            "strategy.hours=[\"00:00\",\"06:00\"]",
        ],
    );
    let md = report(&night);
    assert!(
        md.contains("the median is youngest from 01:00 (1.0 h) and oldest from 00:00 (23.1 h)."),
        "{md}"
    );
}

/// A sweep's table shows the fields that vary as columns and says the fixed ones once; its
/// best point says what its own 429s refuse (as `plan` bounds them: not the 5xx floor), and
/// the best of those whose own 429s refuse at most 1 %.
#[test]
fn a_sweep_table_says_its_fixed_fields_once() {
    let t = TempDir::new("report-sweep-fixed");
    let out = t.join("sweep");
    let uk = common::root().join("scenarios/uk-mix.toml");
    succeed(sim().arg("sweep").arg(&uk).args([
        "--set",
        "strategy.kind=paced",
        "--set",
        "population.connections=40000",
        "--set",
        "strategy.rate=0.2,0.8,3",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]));
    let md = report(&out);
    assert!(
        md.contains("Every point: `strategy.kind` paced, `population.connections` 40,000."),
        "{md}"
    );
    assert!(md.contains("| strategy.rate | users per day"), "{md}");
    assert!(!md.contains("| strategy.kind |"), "{md}");
    // Three a second over-paces high-street-b's bucket for a few more users a day.
    assert!(
        md.contains(
            "was at rate 3. Its own 429s refuse 5.33 % of its attempts, 27.19 % at its worst \
             bank (5.86 % fail in all); of the points whose own 429s refuse at most 1 %, rate \
             0.8 had the best, 39,012."
        ),
        "{md}"
    );
}

/// A queue of 12 slots at 200,000 connections keeps its own 429s under 1 % in all and passes
/// it at the building society: the best point's finding says so, for a rule at any bank.
#[test]
fn a_best_point_within_one_percent_but_past_it_at_a_bank_is_told() {
    let t = TempDir::new("report-sweep-worst-bank");
    let out = t.join("sweep");
    let uk = common::root().join("scenarios/uk-mix.toml");
    succeed(sim().arg("sweep").arg(&uk).args([
        "--set",
        "population.connections=200000",
        "--set",
        "strategy.concurrency=8,12",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]));
    let md = report(&out);
    assert!(
        md.contains(
            "was at concurrency 12. Its own 429s refuse 0.65 % of its attempts in all but 4.24 % \
             at its worst bank (each replication's worst, averaged): past 1 % at a bank; of the \
             points within 1 % at every bank, concurrency 8 had the best, 53,933 (0.58 % at its \
             worst bank)."
        ),
        "{md}"
    );
}

/// A run is named by its `--label` in report.md, its client said where it says more than
/// its kind and slots (and then every run's); two runs of one label on two scenarios are
/// told apart by directory.
#[test]
fn a_run_is_named_by_its_label_and_its_client_said() {
    let t = TempDir::new("report-label");
    let file = t.join("bucket.toml");
    std::fs::write(&file, BUCKET).unwrap();
    let runs = t.join("runs");
    let nightly = runs.join("nightly");
    let mut c = sim();
    c.arg("run")
        .arg(&file)
        .args(["--label", "nightly, one slot"]);
    c.args(["--set", r#"strategy.hours=["01:00","07:00"]"#]);
    c.args(["--set", "retry.max_attempts=3"]);
    succeed(c.arg("--out").arg(&nightly));
    run(&file, &runs.join("plain"), &[]);
    run(&file, &runs.join("other"), &["name=\"other\""]);
    let summary = std::fs::read_to_string(nightly.join("summary.csv")).unwrap();
    assert!(summary.contains(",nightly, one slot") || summary.contains(",\"nightly, one slot\""));
    let md = report(&runs);
    assert!(
        md.contains(
            "As run: nightly, one slot: queued, concurrency 1, within 01:00–07:00, up to 3 \
             attempts; queued (concurrency 1) in other/: queued, concurrency 1; queued \
             (concurrency 1) in plain/: queued, concurrency 1."
        ),
        "{md}"
    );
    assert!(md.contains("| nightly, one slot · bucket |"), "{md}");
    assert!(
        md.contains("queued (concurrency 1) in plain/")
            && md.contains("queued (concurrency 1) in other/"),
        "{md}"
    );
}

/// A bank throttled by day: the report says in which hours its 429s fell, the onset a team
/// with a morning incident asks for (a trial's report named only the busiest minute).
#[test]
fn the_hours_of_a_banks_429s_are_said() {
    let t = TempDir::new("report-clock");
    let file = t.join("day.toml");
    let day = BUCKET
        .replace("concurrency = 1", "concurrency = 4\nloop = true")
        .replace("\"10s\"", "\"1s\"")
        .replace(
            "limits = [{ kind = \"token_bucket\", rate = 0.15, burst = 20 }]",
            "limits = [{ kind = \"token_bucket\", rate = 0.2, burst = 5, \
             during = [\"06:00\", \"22:00\"] }]",
        );
    std::fs::write(&file, day).unwrap();
    let out = t.join("run");
    run(&file, &out, &[]);
    let md = report(&out);
    assert!(
        md.contains("429s by the clock: b's fell in 06:00–22:00 (100.0 % of them)"),
        "{md}"
    );
}

/// A client every 6 hours is judged by the coverage of its periods, not of its days (a
/// trial's report said a 6-hour client "met the 99 % target" covering 94 % of its periods):
/// a queue of one slot at 10 s a call covers all of 4,000 connections a day, about half of
/// them each 6 hours.
#[test]
fn a_client_of_short_periods_meets_the_target_by_its_periods() {
    let t = TempDir::new("report-periods");
    let file = t.join("periods.toml");
    std::fs::write(
        &file,
        BUCKET
            .replace("connections = 20000", "connections = 4000")
            .replace("rate = 0.15", "rate = 100.0"),
    )
    .unwrap();
    let runs = t.join("runs");
    for (dir, label, period) in [("A", "daily", "24h"), ("B", "every 6h", "6h")] {
        let mut c = sim();
        c.arg("run").arg(&file).args(["--label", label, "--set"]);
        succeed(
            c.arg(format!("strategy.period={period}"))
                .arg("--out")
                .arg(runs.join(dir)),
        );
    }
    let md = report(&runs);
    assert!(md.contains("Daily met the 99 % target."), "{md}");
    let period = common::summary_row(&runs.join("B"), "all")["period_coverage"];
    assert!(period < 0.9, "{period}");
    let said = format!("every 6h {} of its periods (100.00 % a day)", pct(period));
    assert!(md.contains(&said), "{said} not in {md}");
    assert!(!md.contains("every 6h met the"), "{md}");
    // Every run as run, the daily one too, where one says more than its kind and slots.
    let as_run = "As run: daily: queued, concurrency 1; every 6h: queued, concurrency 1, every 6h.";
    assert!(md.contains(as_run), "{md}");
}

/// A client every 6 hours through a day's outage at one of two banks (closed 06:00–18:00
/// on day 3): its data never reaches a day old, so the report tells the day by its opens
/// past `window.fresh_within` (a trial's 6-hour client's outage day read 100 % covered and
/// none a day old), with the share its summary.csv and daily.csv give, and shows that
/// bank's days.
#[test]
fn a_six_hour_clients_outage_day_is_told_by_its_fresh_within() {
    let t = TempDir::new("report-fresh");
    let file = t.join("six.toml");
    let bank = |name: &str, limits: &str| {
        format!(
            "[[banks]]\nname = \"{name}\"\nshare = 0.5\n\
             service_time = {{ dist = \"lognormal\", median = \"3s\", p95 = \"8s\" }}\n{limits}"
        )
    };
    let text = "[window]\nlength = \"5d\"\nwarmup = \"1d\"\nfresh_within = \"6h\"\n\
        [population]\nconnections = 20000\nconsent_expiry_share = 0.0\n\
        [strategy]\nkind = \"random_offset\"\nperiod = \"6h\"\n"
        .to_string()
        + &bank(
            "a",
            "limits = [{ kind = \"maintenance\", start = \"06:00\", end = \"18:00\", \
             days = [3] }]\n",
        )
        + &bank("b", "");
    std::fs::write(&file, text).unwrap();
    let out = t.join("out");
    run(&file, &out, &[]);
    let md = report(&out);
    let all = common::summary_row(&out, "all")["not_fresh_at_open_share"];
    let said = format!(
        "24 h old or older, {} 6 h old or older (window.fresh_within)",
        pct(all)
    );
    assert!(md.contains(&said), "{said} not in {md}");
    let mut rd = csv::Reader::from_path(out.join("daily.csv")).unwrap();
    let heads = rd.headers().unwrap().clone();
    let col = |name: &str| heads.iter().position(|h| h == name).unwrap();
    let day3 = (rd.records().map(|r| r.unwrap()))
        .find(|r| &r[col("bank")] == "a" && &r[col("day")] == "3")
        .unwrap();
    let share: f64 = day3[col("not_fresh_at_open_share")].parse().unwrap();
    let periods: f64 = day3[col("period_coverage")].parse().unwrap();
    assert!(
        share > 0.3 && (periods - 0.5).abs() < 0.01,
        "{share} {periods}"
    );
    let said = format!(
        "At a, app opens finding data 6 h old or older rose to {} on day 3 ({} of its \
         periods covered; its day's coverage, one success a day, read 100.00 %)",
        pct(share),
        pct(periods)
    );
    let line = md.lines().find(|l| l.contains(&said));
    assert!(
        line.is_some_and(|l| l.contains("and was back within a point of that on day 4")),
        "{said} … day 4 not in {md}"
    );
    let table = "Per day at a, the bank whose app opens finding data 6 h old or older rose most";
    assert!(md.contains(table), "{md}");
}
